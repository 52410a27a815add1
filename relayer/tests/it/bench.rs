//! Relayer throughput (ignored by default; run explicitly).

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use alloy::primitives::{B256, U256};
use hyperchain_devnet::roles;
use hyperchain_relayer::{db::Store, state::MessageState};

use crate::support::*;

/// Throughput: N messages already settled and covered by imported roots, then one relayer
/// starts from an empty database; prints `{"relayer_msgs_per_s": …}`. Run with
/// `cargo test --release -p hyperchain-relayer --test it bench -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly"]
async fn bench_relayer_throughput() {
    let n: usize =
        std::env::var("RELAYER_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let env = Env::launch(3).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    // Same deployer, same nonce: the same address on both destinations.
    assert_eq!(deploy_counter_recipient(&env, 2).await, recipient);
    // Chains 0 → 1 and 0 → 2 (two destinations pipelined), half each.
    let a = send_messages(&env, 0, 1, recipient, b"b", U256::ZERO, U256::from(1), n / 2, 2).await;
    let b = send_messages(&env, 0, 2, recipient, b"b", U256::ZERO, U256::from(1), n / 2, 3).await;
    // Wait until the source batches are executed and both destinations imported a covering root:
    // a probe relayer with its own database reports when every message is `root_imported`.
    let probe_db = env.sqlite_url("probe");
    let probe_cfg = env.write_config("probe", &probe_db, "instance_id = \"probe\"");
    let probe_log = env.dir.path().join("probe.log");
    // The probe has no funds on purpose: it can index and prove but never deliver.
    let mut probe = spawn_relayer(&probe_cfg, B256::repeat_byte(0x55), &probe_log);
    let started = Instant::now();
    loop {
        let store = Store::connect(&probe_db).await.unwrap();
        let ready: u64 = store
            .counts()
            .await
            .unwrap()
            .iter()
            .filter(|(_, s, _)| {
                !matches!(s, MessageState::Discovered | MessageState::BatchExecuted)
            })
            .map(|(_, _, c)| *c)
            .sum();
        if ready as usize >= n {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "settlement too slow");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    probe.kill();
    let db = env.sqlite_url("bench");
    let config = env.write_config("bench", &db, "instance_id = \"bench\"");
    let log = env.dir.path().join("bench.log");
    let t0 = Instant::now();
    let mut child = spawn_relayer_with(
        &config,
        env.key(roles::RELAYER),
        &log,
        &[("HYPERCHAIN_RELAYER__POLL__MAX_BATCH", "250"), ("RUST_LOG", "info")],
    );
    // One eth_getLogs per destination per poll (cheap for the 2 shared cores).
    loop {
        let done = relayed(&env, 1).await.len() + relayed(&env, 2).await.len();
        if done >= n {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(600), "only {done} of {n} delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    child.kill();
    let rate = n as f64 / secs;
    println!(
        "{}",
        serde_json::json!({"relayer_msgs_per_s": (rate * 10.0).round() / 10.0, "messages": n, "seconds": (secs * 1000.0).round() / 1000.0, "destinations": 2})
    );
    let delivered: HashSet<B256> = relayed(&env, 1)
        .await
        .iter()
        .chain(relayed(&env, 2).await.iter())
        .map(|e| e.hash)
        .collect();
    assert_eq!(delivered.len(), n);
    assert!(a.iter().chain(&b).all(|h| delivered.contains(h)));
    env.shutdown().await;
}
