//! Priority requests: a failed forced call claimed back once, a forced Transaction Root import.

use std::time::Instant;

use alloy::{
    eips::BlockId,
    primitives::{Bytes, U256},
    providers::Provider,
};
use hyperchain_bindings::{ChainSettlement, DEFAULT_L2_GAS_LIMIT, IInbox, L2GasQuote, predeploys};
use hyperchain_e2e::{STEP_TIMEOUT, World, eth, poll, revert_as, revert_text};

use crate::support::*;

/// Priority requests through the real operator: a forced call whose L2 recipient reverts (the
/// asset router refuses a payload from an L1 account) is processed with the call's own L2 gas
/// limit and leaves an L2→L1 failure record; once its batch executes, the caller claims the value
/// back on L1, exactly once. A forced Transaction Root import is delivered by the same operator
/// loop, imported by the inbox, and its batch executes on L1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_forced_call_claimed_back_once_and_forced_root_import() -> eyre::Result<()> {
    let t0 = Instant::now();
    let w = World::launch(1).await?;
    let a = 0;
    let chain_id = U256::from(w.chain_id(a));
    let (l1, l2) = (w.l1()?, w.l2(a)?);
    let caller = w.account(7).address;
    let settlement = ChainSettlement::new(w.eco.chains[a].settlement, w.l1_wallet(7)?);
    let tx_root = w.transaction_root()?;
    let root = poll("a Transaction Root exists (first batch executed)", STEP_TIMEOUT, || async {
        let root = tx_root.root().call().await?;
        Ok((!root.is_zero()).then_some(root))
    })
    .await?;

    let bridge = w.shared_bridge(6)?;
    let gas = L2GasQuote::fetch(&bridge, chain_id, DEFAULT_L2_GAS_LIMIT).await?;
    let receipt = settlement
        .requestL2Call(
            predeploys::ASSET_ROUTER,
            Bytes::from_static(&[0x12, 0x34]),
            U256::from(DEFAULT_L2_GAS_LIMIT),
            gas.price,
        )
        .value(eth(1) + gas.fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("requestL2Call: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "requestL2Call reverted");
    let request = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<ChainSettlement::PriorityRequestQueued>().ok())
        .ok_or_else(|| eyre::eyre!("no PriorityRequestQueued"))?
        .inner
        .data
        .message;
    let import_fee = settlement.MIN_L2_GAS_LIMIT().call().await? * gas.price;
    let receipt = settlement
        .requestTransactionRootImport(root, gas.price)
        .value(import_fee)
        .send()
        .await
        .map_err(|e| eyre::eyre!("requestTransactionRootImport: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(receipt.status(), "requestTransactionRootImport reverted");

    // Both processed on L2: the call failed (with its full gas), the import succeeded.
    let executed = poll("both priority requests processed on L2", STEP_TIMEOUT, || async {
        let evs = World::events::<IInbox::PriorityRequestExecuted>(&l2, predeploys::INBOX).await?;
        let find = |nonce: U256| evs.iter().find(|(e, _)| e.nonce == nonce).cloned();
        Ok(find(request.nonce).zip(find(request.nonce + U256::from(1))))
    })
    .await?;
    let ((call_ev, call_log), (import_ev, _)) = executed;
    assert!(!call_ev.success, "the asset router refuses a forced call from an L1 account");
    assert_eq!(call_ev.l2GasLimit, U256::from(DEFAULT_L2_GAS_LIMIT), "delivered with its own gas");
    assert!(import_ev.success, "forced import processed");
    let inbox = IInbox::new(predeploys::INBOX, &l2);
    assert!(inbox.isImported(root).call().await?, "forced root imported on L2");

    // The batch with the failure record executes on L1; the caller claims the value back.
    let batch = w
        .executed_batch_of(
            a,
            call_log.block_number.unwrap_or_default(),
            "the batch with the failure record executed",
        )
        .await?;
    let messages = w.batch_messages(a, &batch).await?;
    let index = messages
        .iter()
        .position(|m| m.sender == predeploys::INBOX && m.payload[..] == request.hash()[..])
        .ok_or_else(|| eyre::eyre!("no failure record in the batch"))?;
    let record = messages[index].clone();
    assert_eq!(record.destinationChainId, U256::from(w.l1_chain_id()), "record goes to L1");
    let proof: hyperchain_bindings::MerkleProof =
        hyperchain_bindings::MessagesTree::new(&messages).proof(index as u64)?.into();
    let before = l1.get_balance(caller).await?;
    let r = bridge
        .claimFailedDeposit(chain_id, batch.number, record.clone(), proof.clone(), request.clone())
        .send()
        .await
        .map_err(|e| eyre::eyre!("claimFailedDeposit: {}", revert_text(&e)))?
        .get_receipt()
        .await?;
    assert!(r.status(), "claimFailedDeposit reverted");
    assert_eq!(l1.get_balance(caller).await? - before, eth(1), "the caller got its value back");
    eth_conserved(&w, BlockId::latest(), "after the claim").await?;

    let err = bridge
        .claimFailedDeposit(chain_id, batch.number, record, proof, request.clone())
        .call()
        .await
        .err()
        .ok_or_else(|| eyre::eyre!("second claim accepted"))?;
    match revert_as::<ChainSettlement::ChainSettlementErrors>(&err) {
        Some(ChainSettlement::ChainSettlementErrors::PriorityRequestAlreadyReclaimed(e)) => {
            assert_eq!(e.nonce, request.nonce)
        }
        other => panic!(
            "expected PriorityRequestAlreadyReclaimed, got {other:?} ({})",
            revert_text(&err)
        ),
    }
    poll("the forced import's batch executed on L1", STEP_TIMEOUT, || async {
        let processed = settlement.priorityRequestsExecuted().call().await?;
        Ok((processed > request.nonce + U256::from(1)).then_some(()))
    })
    .await?;
    eprintln!("failed_forced_call_claimed_back_once_and_forced_root_import: {:?}", t0.elapsed());
    w.shutdown().await;
    Ok(())
}
