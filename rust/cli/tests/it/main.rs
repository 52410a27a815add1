//! The `hyperchain` binary end to end: `up` in the background, then user commands against it.

use serde_json::Value;
use std::{
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_hyperchain");

fn run(args: &[&str], devnet: &Path) -> (bool, Value, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--json")
        .arg("--devnet")
        .arg(devnet)
        .output()
        .expect("run hyperchain");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.success(), json, format!("{stdout}\n{stderr}"))
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else { continue };
        let after = stat.rsplit(')').next().unwrap_or("");
        let ppid = after.split_whitespace().nth(1).and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(p);
        }
    }
    out
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'))
        .unwrap_or(false)
}

/// Kills `up` if the test fails half way (no leftover devnet).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn up_deposit_withdraw_status_and_no_orphans_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let devnet = dir.path().join("devnet.json");
    let started = Instant::now();
    let up = Command::new(BIN)
        .args(["up", "--chains", "2", "--no-relayer", "--block-time", "200", "--out"])
        .arg(&devnet)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut up = KillOnDrop(up);
    while !devnet.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "devnet not ready in 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&devnet).unwrap()).unwrap();
    eprintln!(
        "devnet ready in {} ms (reported {} ms)",
        started.elapsed().as_millis(),
        file["readyMs"]
    );
    assert_eq!(file["chains"].as_array().unwrap().len(), 2);

    // Deposit: queued on L1, credited on chain 901.
    let (ok, out, text) = run(&["deposit", "--chain", "901", "--amount", "2"], &devnet);
    assert!(ok, "{text}");
    assert_eq!(out["creditedOnL2"], true, "{text}");

    // Withdraw to L1 and finalize once the batch executes.
    let (ok, out, text) =
        run(&["withdraw", "--chain", "901", "--amount", "0.5", "--finalize"], &devnet);
    assert!(ok, "{text}");
    assert!(out["finalizeTx"].is_string(), "{text}");

    // A message to chain 902 shows up in status with its step.
    let (ok, out, text) = run(
        &["send", "--from-chain", "901", "--to-chain", "902", "--value", "0.1", "--fee", "0.01"],
        &devnet,
    );
    assert!(ok, "{text}");
    let hash = out["messageHash"].as_str().unwrap().to_string();
    let (ok, out, text) = run(&["status", "--chain", "901"], &devnet);
    assert!(ok, "{text}");
    let chain = &out[0];
    assert!(chain["lastExecutedBatch"].as_u64().unwrap() >= 1, "{text}");
    let messages = chain["messages"].as_array().unwrap();
    let sent = messages.iter().find(|m| m["messageHash"] == hash.as_str()).expect("message listed");
    assert!((1..=5).contains(&sent["step"].as_u64().unwrap()), "{text}");
    let withdrawal = messages.iter().find(|m| m["destinationChainId"] == 900).unwrap();
    assert_eq!(withdrawal["step"], 8, "withdrawal finalized: {text}");

    // The chain's state rebuilt from L1 data alone matches the settled root.
    let (ok, out, text) = run(&["reconstruct", "--chain", "901"], &devnet);
    assert!(ok, "{text}");
    assert_eq!(out["matches"], true, "{text}");

    // Sensible errors.
    let (ok, out, _) = run(&["deposit", "--chain", "999", "--amount", "1"], &devnet);
    assert!(!ok);
    assert!(out["error"].as_str().unwrap().contains("unknown chain id 999"), "{out}");
    let (ok, out, _) = run(
        &[
            "deposit",
            "--chain",
            "902",
            "--amount",
            "1",
            "--private-key",
            "0x0000000000000000000000000000000000000000000000000000000000000001",
        ],
        &devnet,
    );
    assert!(!ok);
    assert!(out["error"].as_str().unwrap().contains("not funded"), "{out}");

    // kill -9 of `up`: its anvils die with it.
    let kids = children_of(up.0.id());
    assert!(kids.len() >= 3, "expected 3 anvils under `up`, found {kids:?}");
    up.0.kill().unwrap();
    up.0.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let orphans: Vec<u32> = kids.into_iter().filter(|p| alive(*p)).collect();
    assert!(orphans.is_empty(), "orphan processes after kill -9: {orphans:?}");

    // And then the chain is down: a clear error.
    let (ok, out, _) = run(&["status"], &devnet);
    assert!(!ok);
    assert!(out["error"].as_str().unwrap().contains("down"), "{out}");
}
