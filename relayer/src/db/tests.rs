//! The store on a throwaway SQLite file.

use std::collections::HashMap;

use super::*;

fn msg(nonce: u64, dest: u64) -> NewMessage {
    NewMessage {
        message: Message {
            sourceChainId: U256::from(1),
            destinationChainId: U256::from(dest),
            nonce: U256::from(nonce),
            sender: Address::repeat_byte(1),
            recipient: Address::repeat_byte(2),
            value: U256::from(5),
            fee: U256::from(7),
            payload: Bytes::from(vec![1, 2, 3]),
        },
        state: MessageState::Discovered,
        reason: None,
        block: 10 + nonce,
    }
}

/// Leaf 0 of the Transaction Root: chain 1's batch 1, not matched to messages yet.
fn first_leaf() -> LeafRow {
    LeafRow {
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
    }
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    (dir, Store::connect(&url).await.unwrap())
}

#[tokio::test]
async fn insert_is_idempotent_and_round_trips() {
    let (_d, s) = store().await;
    let batch: Vec<_> = (0..3).map(|n| msg(n, 2)).collect();
    assert_eq!(s.insert_messages(&batch).await.unwrap(), 3);
    assert_eq!(s.insert_messages(&batch).await.unwrap(), 0);
    let m = s.message(batch[1].message.hash()).await.unwrap().unwrap();
    assert_eq!(m.message, batch[1].message);
    assert_eq!(m.state, MessageState::Discovered);
}

#[tokio::test]
async fn claims_exclude_other_instances_until_lease_expiry() {
    let (_d, s) = store().await;
    let batch: Vec<_> = (0..4).map(|n| msg(n, 2)).collect();
    s.insert_messages(&batch).await.unwrap();
    let leaf = first_leaf();
    s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
    s.assign_batch(&leaf, 0, 4).await.unwrap();
    assert_eq!(s.promote_root_imported(2, leaf.root, 1).await.unwrap(), 4);
    let a = s.claim_ready(2, "a", 3, 60_000).await.unwrap();
    assert_eq!(a.len(), 3);
    let b = s.claim_ready(2, "b", 10, 60_000).await.unwrap();
    assert_eq!(b.len(), 1, "b gets only the unclaimed one");
    // a's restart resumes its own claims at once
    assert_eq!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().len(), 3);
    // submission requires the claim
    let sub = SubmissionRow {
        tx_hash: B256::repeat_byte(3),
        chain_id: 2,
        signer: Address::ZERO,
        nonce: 0,
        raw_tx: Bytes::new(),
        status: "pending".into(),
        created_at: 0,
        updated_at: 0,
    };
    let hashes: Vec<B256> = a.iter().map(|m| m.hash).collect();
    s.set_claimed_state("a", &hashes, MessageState::Simulated, None).await.unwrap();
    assert!(!s.record_submission("b", &sub, &hashes).await.unwrap());
    assert!(s.record_submission("a", &sub, &hashes).await.unwrap());
    assert!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().is_empty());
    // settle: two delivered, one requeued
    let delivered: HashMap<B256, U256> = hashes[..2].iter().map(|h| (*h, U256::from(7))).collect();
    let confirmed = s.settle_submission(sub.tx_hash, "confirmed", &delivered, None).await;
    assert_eq!(confirmed.unwrap().len(), 2);
    let back = s.message(hashes[2]).await.unwrap().unwrap();
    assert_eq!(back.state, MessageState::RootImported);
    // a second settle of the same tx changes nothing
    let again = s.settle_submission(sub.tx_hash, "confirmed", &delivered, None).await;
    assert!(again.unwrap().is_empty());
}

/// A delivery that reverted on chain does not send its messages straight back into the next
/// batch: each gets an attempt and a backoff, and is held after `max_attempts`.
#[tokio::test]
async fn reverted_delivery_backs_off_each_message_then_holds_it() {
    let (_d, s) = store().await;
    let batch: Vec<_> = (0..2).map(|n| msg(n, 2)).collect();
    s.insert_messages(&batch).await.unwrap();
    let leaf = first_leaf();
    s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
    s.assign_batch(&leaf, 0, 2).await.unwrap();
    s.promote_root_imported(2, leaf.root, 1).await.unwrap();
    let backoff = |attempts: u32| std::time::Duration::from_secs(60 * u64::from(attempts));
    for round in 1..=3u32 {
        if round > 1 {
            // The backoff passed (simulated by clearing it), the relayer claims them again.
            sqlx::query("UPDATE messages SET next_attempt_at = 0").execute(&s.pool).await.unwrap();
        }
        let claimed = s.claim_ready(2, "a", 10, 60_000).await.unwrap();
        assert_eq!(claimed.len(), 2, "round {round}: both claimable again only after the backoff");
        let hashes: Vec<B256> = claimed.iter().map(|m| m.hash).collect();
        s.set_claimed_state("a", &hashes, MessageState::Simulated, None).await.unwrap();
        let sub = SubmissionRow {
            tx_hash: B256::repeat_byte(round as u8),
            chain_id: 2,
            signer: Address::ZERO,
            nonce: u64::from(round),
            raw_tx: Bytes::new(),
            status: "pending".into(),
            created_at: 0,
            updated_at: 0,
        };
        assert!(s.record_submission("a", &sub, &hashes).await.unwrap());
        let failed = s.fail_submission(sub.tx_hash, "reverted", 3, backoff).await.unwrap();
        assert_eq!(failed.len(), 2);
        let expected = if round < 3 { MessageState::Retrying } else { MessageState::Held };
        for m in &failed {
            assert_eq!((m.state, m.attempts), (expected, round));
            let stored = s.message(m.hash).await.unwrap().unwrap();
            assert_eq!((stored.state, stored.attempts), (expected, round));
            assert!(stored.reason.unwrap().starts_with("reverted"));
        }
        // Backing off: nothing is claimable now.
        assert!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn reorg_truncation_moves_messages_back() {
    let (_d, s) = store().await;
    s.insert_messages(&[msg(0, 2)]).await.unwrap();
    let leaf = first_leaf();
    s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
    s.assign_batch(&leaf, 0, 1).await.unwrap();
    s.promote_root_imported(2, leaf.root, 1).await.unwrap();
    s.truncate_leaves(0).await.unwrap();
    let m = s.message(msg(0, 2).message.hash()).await.unwrap().unwrap();
    assert_eq!(m.state, MessageState::Discovered);
    assert!(s.last_leaf().await.unwrap().is_none());
    assert_eq!(s.unmatched_batches(1).await.unwrap().0, 0);
}

#[test]
fn redacts_passwords() {
    assert_eq!(redact("postgres://u:secret@h:5/db"), "postgres://u:***@h:5/db");
    assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
}
