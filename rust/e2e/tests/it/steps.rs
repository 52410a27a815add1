//! The 7 hyperbridge steps of one message asserted on chain one by one, then the refusals of forged, replayed and misdirected deliveries.

use std::time::Instant;

use alloy::{
    consensus::Transaction as _,
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
};
use hyperchain_bindings::{ChainSettlement, IInbox, TransactionRoot, predeploys};
use hyperchain_e2e::{World, recomputed_root, revert_as, revert_text, transaction_root_leaf};

use crate::support::*;

/// The 7 hyperbridge steps of the README step table, asserted one by one on chain, then the refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hyperbridge_seven_steps_then_refusals() -> eyre::Result<()> {
    let t0 = Instant::now();
    let mut w = World::launch(2).await?;
    w.start_relayer().await?;
    let (a, b) = (0, 1);
    let (chain_a, chain_b) = (w.chain_id(a), w.chain_id(b));
    let l1 = w.l1()?;
    let (l2a, l2b) = (w.l2(a)?, w.l2(b)?);
    let relayer = w.relayer_address();
    let recipient = Address::repeat_byte(0x71);
    let value = U256::from(3_000_000_000_000_000u64);
    let fee = U256::from(1_000_000_000_000_000u64);

    // 1. A message with value + fee sent on A: MessageQueued.
    let sender = w.account(2).address;
    let (msg, receipt) = w.send(a, 2, chain_b, recipient, Bytes::new(), value, fee).await?;
    let sent_block = receipt.block_number.unwrap_or_default();
    assert_eq!(msg.sourceChainId, U256::from(chain_a), "step 1: source chain");
    assert_eq!(msg.destinationChainId, U256::from(chain_b), "step 1: destination chain");
    assert_eq!((msg.sender, msg.recipient), (sender, recipient), "step 1: sender/recipient");
    assert_eq!((msg.value, msg.fee), (value, fee), "step 1: value and fee");

    // 2. A's batch containing it committed, proven (attestation) and executed on L1.
    let batch_a = w
        .executed_batch_of(a, sent_block, "step 2: A's batch with the message executed on L1")
        .await?;
    let settlement_a = w.settlement(a)?;
    let sa = *settlement_a.address();
    let committed = World::events::<ChainSettlement::BatchCommitted>(&l1, sa).await?;
    assert!(
        committed.iter().any(|(e, _)| e.batchNumber == batch_a.number),
        "step 2: BatchCommitted({})",
        batch_a.number
    );
    let proven = World::events::<ChainSettlement::BatchProven>(&l1, sa).await?;
    assert!(
        proven.iter().any(|(e, _)| e.batchNumber == batch_a.number),
        "step 2: BatchProven({})",
        batch_a.number
    );
    let executed = World::events::<ChainSettlement::BatchExecuted>(&l1, sa).await?;
    let (exec_a, exec_a_log) =
        executed.into_iter().find(|(e, _)| e.batchNumber == batch_a.number).ok_or_else(|| {
            eyre::eyre!("step 2: no BatchExecuted({}) on A's settlement", batch_a.number)
        })?;
    assert!(
        settlement_a.lastExecutedBatch().call().await? >= batch_a.number,
        "step 2: lastExecutedBatch"
    );
    let batch_tree = hyperchain_bindings::MessagesTree::new(&w.batch_messages(a, &batch_a).await?);
    assert!(
        batch_tree.proof_of(msg.hash()).is_some(),
        "step 2: message among the batch's messages"
    );
    assert_eq!(
        exec_a.messagesRoot,
        batch_tree.root(),
        "step 2: executed messagesRoot == Merkle root of the batch's messages"
    );
    assert_eq!(settlement_a.messagesRoot(batch_a.number).call().await?, exec_a.messagesRoot);

    // 3. L1's Transaction Root contains A's batch leaf.
    let tr = w.transaction_root()?;
    let updates =
        World::events::<TransactionRoot::TransactionRootUpdated>(&l1, *tr.address()).await?;
    let (upd, upd_log) = updates
        .into_iter()
        .find(|(e, _)| e.chainId == U256::from(chain_a) && e.batchNumber == batch_a.number)
        .ok_or_else(|| {
            eyre::eyre!("step 3: no TransactionRootUpdated for A's batch {}", batch_a.number)
        })?;
    assert_eq!(
        upd.leaf,
        transaction_root_leaf(
            U256::from(chain_a),
            batch_a.number,
            exec_a.messagesRoot,
            exec_a.stateRoot
        ),
        "step 3: leaf == transactionRootLeaf(A, batch, messagesRoot, stateRoot)"
    );
    assert!(tr.isTransactionRoot(upd.root).call().await?, "step 3: isTransactionRoot(root)");

    // 4–6. Imported on B, relayed by the relayer with a proof, executed on B.
    let (relayed, relay_tx, relay_block) =
        relayed_event(&w, b, msg.hash(), "step 6: MessageRelayed on B for the message").await?;
    let tx = l2b
        .get_transaction_by_hash(relay_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("step 5: relay tx {relay_tx} not found"))?;
    assert_eq!(tx.inner.signer(), relayer, "step 5: relay tx sent by the relayer account");
    assert_eq!(tx.inner.to(), Some(predeploys::INBOX), "step 5: relay tx calls the inbox");
    let proof = submitted_proof(tx.inner.input(), &msg)?;
    assert_eq!(proof.batchNumber, batch_a.number, "step 5: proof names A's batch");
    assert_eq!(proof.stateRoot, exec_a.stateRoot, "step 5: proof carries the executed state root");
    let root = recomputed_root(&msg, &proof)?;
    // 4. B imported a root covering A's batch.
    let inbox_b = IInbox::new(predeploys::INBOX, l2b.clone());
    assert!(inbox_b.isImported(root).call().await?, "step 4: B isImported(root of the proof)");
    let imports = World::events::<IInbox::TransactionRootImported>(&l2b, predeploys::INBOX).await?;
    let (_, import_log) = imports
        .into_iter()
        .find(|(e, _)| e.root == root)
        .ok_or_else(|| eyre::eyre!("step 4: no TransactionRootImported({root}) on B"))?;
    let import_block = import_log.block_number.unwrap_or_default();
    assert!(import_block < relay_block, "step 4 before step 6");
    assert!(
        tr.isTransactionRoot(root).call().await?,
        "step 4: the imported root is an L1 Transaction Root"
    );
    let info = tr.rootInfo(root).call().await?;
    assert!(
        U256::from(info.leafCount) > upd.leafIndex,
        "step 4: imported root covers A's batch leaf"
    );
    // 6. Executed on B, the relayer paid.
    assert_eq!(relayed.relayer, relayer, "step 6: MessageRelayed.relayer");
    assert_eq!(relayed.fee, fee, "step 6: MessageRelayed.fee");
    assert_eq!(relayed.sourceChainId, U256::from(chain_a));
    assert!(inbox_b.delivered(msg.hash()).call().await?, "step 6: delivered");
    assert_eq!(l2b.get_balance(recipient).await?, value, "step 6: recipient received the value");
    let relay_receipt = l2b
        .get_transaction_receipt(relay_tx)
        .await?
        .ok_or_else(|| eyre::eyre!("step 6: no receipt for {relay_tx}"))?;
    let gas_cost =
        U256::from(relay_receipt.gas_used) * U256::from(relay_receipt.effective_gas_price);
    let before = l2b.get_balance(relayer).block_id(BlockId::number(relay_block - 1)).await?;
    let after = l2b.get_balance(relayer).block_id(BlockId::number(relay_block)).await?;
    assert_eq!(after + gas_cost, before + fee, "step 6: relayer balance rose by fee − gas");
    assert!(after > before, "step 6: fee exceeds the relay gas");

    // 7. B's batches with the import and the relay settled on L1, importedRoots checked there.
    let batch_relay = w
        .executed_batch_of(b, relay_block, "step 7: B's batch with the relay executed on L1")
        .await?;
    let batch_import = w
        .executed_batch_of(b, import_block, "step 7: B's batch with the import executed on L1")
        .await?;
    assert!(
        batch_import.info.importedRoots.contains(&root),
        "step 7: importedRoots of B's batch {} carry the root",
        batch_import.number
    );
    let settlement_b = w.settlement(b)?;
    let last_b = settlement_b.lastExecutedBatch().call().await?;
    assert!(last_b >= batch_relay.number.max(batch_import.number), "step 7: B's lastExecutedBatch");
    let executed_b =
        World::events::<ChainSettlement::BatchExecuted>(&l1, *settlement_b.address()).await?;
    let (_, exec_b_log) =
        executed_b.iter().find(|(e, _)| e.batchNumber == batch_relay.number).ok_or_else(|| {
            eyre::eyre!("step 7: no BatchExecuted({}) on B's settlement", batch_relay.number)
        })?;

    // The step tracker the CLI and the portal use (public chain data only) finds the same 7
    // steps, in order, at the transactions found above.
    let mut chains = Vec::new();
    for i in [a, b] {
        chains.push(hyperchain_steps::Chain {
            chain_id: w.chain_id(i),
            settlement: *w.settlement(i)?.address(),
            rpc: Ok(w.l2(i)?),
        });
    }
    let net = hyperchain_steps::Network {
        l1: l1.clone(),
        l1_chain_id: w.l1_chain_id(),
        transaction_root: *tr.address(),
        shared_bridge: w.eco.deployment.shared_bridge,
        chains,
    };
    let sent = hyperchain_steps::Sent::from_receipt(chain_a, &receipt)
        .ok_or_else(|| eyre::eyre!("tracker: no MessageQueued in the send receipt"))?;
    let track = hyperchain_steps::track(&net, &sent).await?;
    let numbers: Vec<u8> = track.reached.iter().map(|r| r.step.number()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7], "tracker: the 7 steps in order: {track:?}");
    let txs: Vec<B256> = track.reached.iter().map(|r| r.at.tx).collect();
    let tx_of = |log: &alloy::rpc::types::Log| log.transaction_hash.unwrap_or_default();
    // Step 4 is B's first import of a root covering A's leaf: the proof's root or an earlier one.
    let first_import = &track.reached[3];
    assert!(first_import.at.block <= import_block, "tracker: step 4 at or before the proof's root");
    let imports = World::events::<IInbox::TransactionRootImported>(&l2b, predeploys::INBOX).await?;
    let (imported, _) = imports
        .iter()
        .find(|(_, log)| tx_of(log) == first_import.at.tx)
        .ok_or_else(|| eyre::eyre!("tracker: step 4 tx is no TransactionRootImported on B"))?;
    assert!(
        U256::from(tr.rootInfo(imported.root).call().await?.leafCount) > upd.leafIndex,
        "tracker: step 4's root covers A's batch leaf"
    );
    assert_eq!(
        [txs[0], txs[1], txs[2], txs[4], txs[5], txs[6]],
        [
            receipt.transaction_hash,
            tx_of(&exec_a_log),
            tx_of(&upd_log),
            relay_tx,
            relay_tx,
            tx_of(exec_b_log),
        ],
        "tracker: the transactions of steps 1–3 and 5–7"
    );
    assert_eq!(track.source_batch, Some(batch_a.number), "tracker: source batch");
    assert!(track.done(), "tracker: done after step 7");
    eprintln!(
        "7 steps done in {:?} (A batch {}, B batches {}/{})",
        t0.elapsed(),
        batch_a.number,
        batch_import.number,
        batch_relay.number
    );

    // Refusals (eth_call from another account; revert data decoded as IInbox errors).
    let caller = w.account(3).address;
    // Replay of the delivered message.
    let err = inbox_b.relay(msg.clone(), proof.clone()).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("replay was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::AlreadyDelivered(e)) => assert_eq!(e.messageHash, msg.hash()),
        other => panic!("replay: expected AlreadyDelivered, got {other:?} ({})", revert_text(&err)),
    }
    // Forged message (tampered value) with the genuine proof.
    let mut forged = msg.clone();
    forged.value += U256::from(1);
    let forged_root = recomputed_root(&forged, &proof)?;
    assert_ne!(forged_root, root);
    let err = inbox_b.relay(forged, proof.clone()).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("forged message was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::UnknownTransactionRoot(e)) => {
            assert_eq!(e.root, forged_root, "forged: root reported")
        }
        other => {
            panic!("forged: expected UnknownTransactionRoot, got {other:?} ({})", revert_text(&err))
        }
    }
    // A genuine proof against a real L1 Transaction Root that B never imported: stop B's
    // operator (no more imports on B), send another message, build its proof ourselves.
    w.stop_operator(b);
    let (msg2, r2) = w.send(a, 2, chain_b, recipient, Bytes::new(), value, fee).await?;
    let batch2 = w
        .executed_batch_of(
            a,
            r2.block_number.unwrap_or_default(),
            "refusal: A's second batch executed on L1",
        )
        .await?;
    let leaves = w.transaction_root_leaves().await?;
    let (proof2, root2) = w.relay_proof(a, &batch2, &msg2, leaves.len()).await?;
    assert!(
        tr.isTransactionRoot(root2).call().await?,
        "our rebuilt root is an L1 Transaction Root"
    );
    assert!(!inbox_b.isImported(root2).call().await?, "B never imported it");
    assert_eq!(recomputed_root(&msg2, &proof2)?, root2);
    let err = inbox_b.relay(msg2.clone(), proof2).from(caller).call().await.err();
    let err = err.ok_or_else(|| eyre::eyre!("proof against an unimported root was accepted"))?;
    match revert_as::<IInbox::IInboxErrors>(&err) {
        Some(IInbox::IInboxErrors::UnknownTransactionRoot(e)) => {
            assert_eq!(e.root, root2, "unimported: root reported")
        }
        other => panic!(
            "unimported: expected UnknownTransactionRoot, got {other:?} ({})",
            revert_text(&err)
        ),
    }
    assert!(!inbox_b.delivered(msg2.hash()).call().await?, "not delivered without an import");
    eprintln!("hyperbridge_seven_steps_then_refusals: {:?}", t0.elapsed());
    let _ = l2a;
    w.shutdown().await;
    Ok(())
}
