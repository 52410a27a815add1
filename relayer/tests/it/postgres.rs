//! Several relayer instances sharing one PostgreSQL.

use std::{collections::HashSet, time::Duration};

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use hyperchain_devnet::roles;
use hyperchain_relayer::{
    db::{LeafRow, NewMessage, Store, SubmissionRow},
    state::MessageState,
};

use crate::support::*;

/// Two relayer instances (different keys) on one PostgreSQL: each message delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_split_the_work() {
    let pg = Postgres::start();
    let db = pg.url.clone();
    let n = 300;
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let hashes = send_messages(&env, 0, 1, recipient, b"pg", U256::ZERO, U256::from(7), n, 2).await;
    let mut children = Vec::new();
    let mut signers = Vec::new();
    for (i, account) in [roles::RELAYER, 7].into_iter().enumerate() {
        let config = env.write_config(&format!("pg{i}"), &db, &format!("instance_id = \"pg{i}\""));
        let log = env.dir.path().join(format!("pg{i}.log"));
        children.push(spawn_relayer(&config, env.key(account), &log));
        signers.push(env.eco.accounts()[account].address);
    }
    let log = env.dir.path().join("pg0.log");
    wait_delivered(&env, 1, &hashes, Duration::from_secs(300), &log).await;
    for mut c in children {
        c.kill();
    }
    let events = relayed(&env, 1).await;
    let unique: HashSet<B256> = events.iter().map(|e| e.hash).collect();
    assert_eq!(events.len(), n);
    assert_eq!(unique.len(), n);
    assert_eq!(counter(&env, 1, recipient).await, U256::from(n));
    let by: Vec<usize> =
        signers.iter().map(|s| events.iter().filter(|e| e.relayer == *s).count()).collect();
    eprintln!("deliveries per instance: {by:?}");
    // No message went into two delivery transactions (none failed or was dropped here).
    let store = Store::connect(&db).await.unwrap();
    drop(store);
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let subs: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(message_count), 0) AS BIGINT) FROM submissions \
         WHERE status IN ('pending', 'confirmed')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(subs, n as i64, "submissions carried each message once");
    env.shutdown().await;
    pg.stop();
}

/// Store level, no chains: two instances claiming concurrently from one PostgreSQL get disjoint
/// sets (`FOR UPDATE SKIP LOCKED`), and only the claimer can record a submission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_are_disjoint_between_instances() {
    let pg = Postgres::start();
    let url = pg.url.clone();
    let store = Store::connect(&url).await.unwrap();
    assert!(store.is_postgres());
    let n = 500u64;
    let messages: Vec<NewMessage> = (0..n)
        .map(|nonce| NewMessage {
            message: hyperchain_bindings::Message {
                sourceChainId: U256::from(1),
                destinationChainId: U256::from(2),
                nonce: U256::from(nonce),
                sender: Address::repeat_byte(1),
                recipient: Address::repeat_byte(2),
                value: U256::ZERO,
                fee: U256::from(3),
                payload: Bytes::new(),
            },
            state: MessageState::Discovered,
            reason: None,
            block: 1,
        })
        .collect();
    assert_eq!(store.insert_messages(&messages).await.unwrap(), n);
    let leaf = LeafRow {
        leaf_index: 0,
        root: B256::repeat_byte(9),
        chain_id: 1,
        batch_number: 1,
        leaf: B256::repeat_byte(8),
        state_root: B256::ZERO,
        messages_root: B256::ZERO,
        l1_block: 1,
        l1_block_hash: B256::ZERO,
        first_nonce: None,
        message_count: None,
    };
    store.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
    store.assign_batch(&leaf, 0, n).await.unwrap();
    store.imported_and_promote_for_test(2, leaf.root).await;
    // Two instances (separate pools) race to claim in small batches until nothing is left.
    let claim_all = |name: &'static str, url: String| async move {
        let s = Store::connect(&url).await.unwrap();
        let mut mine = Vec::new();
        loop {
            let got = s.claim_ready(2, name, 7, 60_000).await.unwrap();
            if got.is_empty() {
                break;
            }
            let hashes: Vec<B256> = got.iter().map(|m| m.hash).collect();
            s.set_claimed_state(name, &hashes, MessageState::Simulated, None).await.unwrap();
            let sub = SubmissionRow {
                tx_hash: keccak256(format!("{name}{}", mine.len())),
                chain_id: 2,
                signer: Address::ZERO,
                nonce: mine.len() as u64,
                raw_tx: Bytes::new(),
                status: "pending".into(),
                created_at: 0,
                updated_at: 0,
            };
            assert!(s.record_submission(name, &sub, &hashes).await.unwrap());
            mine.extend(hashes);
        }
        mine
    };
    let (a, b) = tokio::join!(claim_all("a", url.clone()), claim_all("b", url.clone()));
    let sa: HashSet<B256> = a.iter().copied().collect();
    let sb: HashSet<B256> = b.iter().copied().collect();
    eprintln!("instance a claimed {}, b claimed {}", sa.len(), sb.len());
    assert!(sa.is_disjoint(&sb), "a message was claimed by both instances");
    assert_eq!(sa.len() + sb.len(), n as usize, "every message claimed once");
    assert_eq!(a.len(), sa.len());
    pg.stop();
}
