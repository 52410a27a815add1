//! A message with a payload and an ETH transfer delivered, and the relayer paid its fee.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
};
use hyperchain_devnet::roles;
use hyperchain_relayer::{db::Store, state::MessageState};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_and_asset_delivered_and_relayer_paid() {
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let user = Address::repeat_byte(0x77);
    let fee = U256::from(1_000_000_000_000u64);
    // A call with a payload to a contract, and an ETH transfer to an account.
    let msg = send_messages(&env, 0, 1, recipient, b"hello", U256::ZERO, fee, 1, 2).await;
    let asset = send_messages(&env, 0, 1, user, b"", U256::from(5_000_000u64), fee, 1, 2).await;

    let db = env.sqlite_url("paid");
    let metrics_port =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = env.write_config(
        "paid",
        &db,
        &format!("instance_id = \"paid\"\nmetrics_addr = \"127.0.0.1:{metrics_port}\""),
    );
    let log = env.dir.path().join("paid.log");
    let relayer_key = env.key(roles::RELAYER);
    let relayer_addr = env.eco.accounts()[roles::RELAYER].address;
    let mut child = spawn_relayer(&config, relayer_key, &log);
    let all: Vec<B256> = msg.iter().chain(&asset).copied().collect();
    wait_delivered(&env, 1, &all, Duration::from_secs(120), &log).await;
    // The relayer reaches `confirmed` after the chain does.
    let started = Instant::now();
    while confirmed_count(&db).await < 2 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Operations endpoints (the gauges refresh every 2 s).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let base = format!("http://127.0.0.1:{metrics_port}");
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    for needle in [
        "relayer_messages{chain=\"chain1\",state=\"confirmed\"} 2",
        "relayer_delivery_latency_seconds_bucket",
        "relayer_fees_earned_gwei_total{chain=\"chain1\"} 2000",
        "relayer_delivered_total{chain=\"chain1\"} 2",
    ] {
        assert!(metrics.contains(needle), "{needle} missing from /metrics:\n{metrics}");
    }
    child.kill();

    assert_eq!(counter(&env, 1, recipient).await, U256::from(1), "recipient called once");
    assert_eq!(env.l2(1).get_balance(user).await.unwrap(), U256::from(5_000_000u64));
    let events = relayed(&env, 1).await;
    assert_eq!(events.len(), 2);
    for e in &events {
        assert!(all.contains(&e.hash));
        assert_eq!(e.relayer, relayer_addr, "paid to the relayer's signer");
        assert_eq!(e.fee, fee);
    }
    let store = Store::connect(&db).await.unwrap();
    for h in &all {
        let row = store.message(*h).await.unwrap().unwrap();
        assert_eq!(row.state, MessageState::Confirmed);
        assert_eq!(row.fee_earned, Some(fee), "fee recorded as earned");
    }
    // The admin listing shows them.
    let out = Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "messages", "--state", "confirmed", "--json"])
        .env("IT_RELAYER_KEY", relayer_key.to_string())
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().map(|a| a.len()), Some(2));
    env.shutdown().await;
}
