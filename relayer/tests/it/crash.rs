//! The relayer `kill -9`ed mid-run: nothing lost, nothing delivered twice.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use alloy::primitives::{B256, U256};
use hyperchain_devnet::roles;
use hyperchain_relayer::{db::Store, state::MessageState};

use crate::support::*;

/// N messages, the relayer `kill -9`ed twice mid-run and restarted: exactly N deliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_twice_delivers_each_message_exactly_once() {
    let n: usize = std::env::var("RELAYER_IT_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let db = env.sqlite_url("kill");
    let config = env.write_config("kill", &db, "instance_id = \"kill\"");
    let log = env.dir.path().join("kill.log");
    let key = env.key(roles::RELAYER);

    let mut child = spawn_relayer(&config, key, &log);
    let hashes =
        send_messages(&env, 0, 1, recipient, b"x", U256::ZERO, U256::from(1000), n, 2).await;
    for (round, threshold) in [(1, n / 4), (2, n / 2)] {
        let started = Instant::now();
        while confirmed_count(&db).await < threshold.max(1) {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "no progress before kill {round}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill(); // SIGKILL
        eprintln!("kill -9 #{round} at {} confirmed", confirmed_count(&db).await);
        child = spawn_relayer(&config, key, &log);
    }
    wait_delivered(&env, 1, &hashes, Duration::from_secs(300), &log).await;
    child.kill();

    let events = relayed(&env, 1).await;
    let unique: HashSet<B256> = events.iter().map(|e| e.hash).collect();
    let tail = log_tail(&log);
    assert_eq!(events.len(), n, "exactly N MessageRelayed events; relayer log tail:\n{tail}");
    assert_eq!(unique.len(), n, "no duplicates");
    assert!(hashes.iter().all(|h| unique.contains(h)), "none lost");
    assert_eq!(counter(&env, 1, recipient).await, U256::from(n), "recipient executed N times");
    // The inbox alone guarantees the above. The relayer's own books must match the chain too:
    // each message confirmed once, by the transaction that delivered it (a message also carried
    // by a delivery sent before a kill and mined later is not counted a second time).
    let store = Store::connect(&db).await.unwrap();
    for e in &events {
        let row = store.message(e.hash).await.unwrap().expect("every delivered message is stored");
        assert_eq!(row.state, MessageState::Confirmed, "{}: {:?}", e.hash, row.reason);
        assert_eq!(row.tx_hash, Some(e.tx), "{}: recorded delivery transaction", e.hash);
        assert_eq!(row.fee_earned, Some(e.fee), "{}: recorded fee", e.hash);
    }
    env.shutdown().await;
}
