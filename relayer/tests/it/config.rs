//! Bad configuration and unreachable or wrong chains, named before anything runs.

use std::{path::Path, process::Command};

use crate::support::*;

#[tokio::test]
async fn malformed_config_and_dead_rpc_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[l1]\nrpc_url = \"http://127.0.0.1:1\"\ntransaction_root = 5\n").unwrap();
    let out = Command::new(BIN)
        .args(["--config", bad.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("transaction_root"), "{err}");

    // A dead RPC (nothing listens on the port).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = dir.path().join("dead.toml");
    std::fs::write(
        &dead,
        format!(
            "database_url = \"sqlite://{}\"\n[signer]\nkey_env = \"IT_KEY\"\n[l1]\nrpc_url = \"http://127.0.0.1:{port}\"\n\
             transaction_root = \"0x0000000000000000000000000000000000000001\"\n\
             chain_factory = \"0x0000000000000000000000000000000000000002\"\n\
             [[chains]]\nname = \"a\"\nchain_id = 901\nrpc_url = \"http://127.0.0.1:{port}\"\n",
            dir.path().join("d.db").display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--config", dead.to_str().unwrap(), "check-config"])
        .env("IT_KEY", format!("0x{}", "11".repeat(32)))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("RPC http://127.0.0.1:{port} is unreachable")), "{stdout}");
    assert!(stdout.contains("ERROR l1"), "{stdout}");
    assert!(stdout.contains("ERROR chain a (901)"), "{stdout}");
    assert!(stdout.contains("ok    database"), "{stdout}");
}

#[tokio::test]
async fn unknown_chain_id_is_reported() {
    let anvil = alloy::node_bindings::Anvil::new()
        .path(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/bin/anvil"))
        .chain_id(777)
        .spawn();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        format!(
            "database_url = \"sqlite://{}\"\n[signer]\nkey_env = \"IT_KEY\"\n[l1]\nrpc_url = \"{url}\"\n\
             transaction_root = \"0x0000000000000000000000000000000000000001\"\n\
             chain_factory = \"0x0000000000000000000000000000000000000002\"\n\
             [[chains]]\nname = \"a\"\nchain_id = 901\nrpc_url = \"{url}\"\n",
            dir.path().join("d.db").display(),
            url = anvil.endpoint()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env("IT_KEY", format!("0x{}", "11".repeat(32)))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("has chain id 777, config says 901"), "{stdout}");
    assert!(
        stdout.contains("no contract at 0x0000000000000000000000000000000000000001"),
        "{stdout}"
    );
}
