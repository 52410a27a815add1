//! Two source chains into one destination batch.

use std::time::Instant;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
};
use hyperchain_bindings::{IInbox, TransactionRoot, predeploys};
use hyperchain_e2e::{STEP_TIMEOUT, World, poll};

use crate::support::*;

/// Three chains: A → C and B → C, delivered by the relayer in the same C batch. The relayer starts
/// once C has imported a Transaction Root that holds both source batches, so both messages are
/// deliverable together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_chains_two_sources_one_destination() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(3).await?;
    let c = 2;
    let chain_c = w.chain_id(c);
    let fee = U256::from(1_000_000_000_000u64);
    let (to_a, to_b) = (Address::repeat_byte(0xa1), Address::repeat_byte(0xb1));
    let (m_a, r_a) = w.send(0, 2, chain_c, to_a, Bytes::new(), U256::from(111u64), fee).await?;
    let (m_b, r_b) = w.send(1, 3, chain_c, to_b, Bytes::new(), U256::from(222u64), fee).await?;
    // The Transaction Root leaf of each source batch; C must import a root at least that new.
    let l1 = w.l1()?;
    let tr = *w.transaction_root()?.address();
    let mut needed = U256::ZERO;
    for (i, r) in [(0, &r_a), (1, &r_b)] {
        let batch = w
            .executed_batch_of(i, r.block_number.unwrap_or_default(), "source batch executed on L1")
            .await?;
        let updates = World::events::<TransactionRoot::TransactionRootUpdated>(&l1, tr).await?;
        let (leaf, _) = updates
            .into_iter()
            .find(|(e, _)| e.chainId == U256::from(w.chain_id(i)) && e.batchNumber == batch.number)
            .ok_or_else(|| eyre::eyre!("no Transaction Root leaf for batch {}", batch.number))?;
        needed = needed.max(leaf.leafIndex);
    }
    let l2c = w.l2(c)?;
    poll("C imported a Transaction Root holding A's and B's batches", STEP_TIMEOUT, || async {
        let imported = World::events::<IInbox::TransactionRootImported>(&l2c, predeploys::INBOX)
            .await?
            .into_iter()
            .map(|(e, _)| e.root)
            .collect::<std::collections::HashSet<_>>();
        let updates = World::events::<TransactionRoot::TransactionRootUpdated>(&l1, tr).await?;
        Ok(updates
            .iter()
            .any(|(e, _)| e.leafIndex >= needed && imported.contains(&e.root))
            .then_some(()))
    })
    .await?;
    w.start_relayer().await?;
    let (ev_a, tx_a, block_a) = relayed_event(&w, c, m_a.hash(), "A → C delivered on C").await?;
    let (ev_b, tx_b, block_b) = relayed_event(&w, c, m_b.hash(), "B → C delivered on C").await?;
    let relayer = w.relayer_address();
    assert_eq!((ev_a.relayer, ev_b.relayer), (relayer, relayer));
    assert_eq!(ev_a.sourceChainId, U256::from(w.chain_id(0)));
    assert_eq!(ev_b.sourceChainId, U256::from(w.chain_id(1)));
    assert_eq!(l2c.get_balance(to_a).await?, U256::from(111u64), "A's value arrived on C");
    assert_eq!(l2c.get_balance(to_b).await?, U256::from(222u64), "B's value arrived on C");
    let batch_a = w.executed_batch_of(c, block_a, "C's batch with A's delivery executed").await?;
    let batch_b = w.executed_batch_of(c, block_b, "C's batch with B's delivery executed").await?;
    assert_eq!(batch_a.number, batch_b.number, "A's and B's messages executed in the same C batch");
    eprintln!(
        "three chains: relay txs {tx_a} / {tx_b} ({}), one C batch {}, {:?}",
        if tx_a == tx_b { "one relayBatch" } else { "two transactions" },
        batch_a.number,
        t0.elapsed()
    );
    w.shutdown().await;
    Ok(())
}
