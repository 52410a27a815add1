//! What the end-to-end scenarios share: reading relayed events and submitted proofs, the ETH
//! money invariant, withdrawal proofs.

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::SolCall,
};
use hyperchain_bindings::{IInbox, Message, RelayProof, SharedBridge, predeploys};
use hyperchain_e2e::{STEP_TIMEOUT, World, poll};

/// The relay transaction that delivered `hash` on chain `i`: (MessageRelayed, its log's tx hash,
/// block number).
pub(crate) async fn relayed_event(
    w: &World,
    i: usize,
    hash: B256,
    step: &str,
) -> eyre::Result<(IInbox::MessageRelayed, B256, u64)> {
    let l2 = w.l2(i)?;
    poll(step, STEP_TIMEOUT, || async {
        let evs = World::events::<IInbox::MessageRelayed>(&l2, predeploys::INBOX).await?;
        Ok(evs.into_iter().find(|(e, _)| e.messageHash == hash).map(|(e, log)| {
            (e, log.transaction_hash.unwrap_or_default(), log.block_number.unwrap_or_default())
        }))
    })
    .await
}

/// The proof the relayer submitted for `message` in transaction `tx` (`relay` or `relayBatch`).
pub(crate) fn submitted_proof(input: &[u8], message: &Message) -> eyre::Result<RelayProof> {
    if let Ok(call) = IInbox::relayCall::abi_decode(input) {
        eyre::ensure!(call.message == *message, "relay() carried another message");
        return Ok(call.proof);
    }
    let call = IInbox::relayBatchCall::abi_decode(input)
        .map_err(|e| eyre::eyre!("relay tx is neither relay nor relayBatch: {e}"))?;
    let i = call
        .messages
        .iter()
        .position(|m| m == message)
        .ok_or_else(|| eyre::eyre!("relayBatch does not carry the message"))?;
    Ok(call.proofs[i].clone())
}

/// Σ (chainBalance(chain, ETH) + priorityFees(chain)) over the chains == the shared bridge's ETH,
/// at `block`.
pub(crate) async fn eth_conserved(w: &World, block: BlockId, step: &str) -> eyre::Result<()> {
    let bridge = SharedBridge::new(w.eco.deployment.shared_bridge, w.l1()?);
    let mut sum = U256::ZERO;
    for node in &w.eco.chains {
        let chain_id = U256::from(node.chain_id);
        sum += bridge.chainBalance(chain_id, Address::ZERO).block(block).call().await?;
        sum += bridge.priorityFees(chain_id).block(block).call().await?;
    }
    let held = w.l1()?.get_balance(w.eco.deployment.shared_bridge).block_id(block).await?;
    assert_eq!(sum, held, "{step}: Σ chainBalance(ETH) + priorityFees != SharedBridge ETH balance");
    Ok(())
}

pub(crate) async fn chain_balance(w: &World, i: usize, block: BlockId) -> eyre::Result<U256> {
    let bridge = SharedBridge::new(w.eco.deployment.shared_bridge, w.l1()?);
    Ok(bridge.chainBalance(U256::from(w.chain_id(i)), Address::ZERO).block(block).call().await?)
}

/// Waits until chain `i`'s batch holding the withdrawal queued in `receipt` is executed on L1;
/// returns the message, the batch number and the message's proof in the batch's messages tree
/// (what `SharedBridge.finalizeWithdrawal` takes).
pub(crate) async fn withdrawal_proof(
    w: &World,
    i: usize,
    receipt: &alloy::rpc::types::TransactionReceipt,
) -> eyre::Result<(Message, u64, hyperchain_bindings::MerkleProof)> {
    let withdrawal = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<hyperchain_bindings::IOutbox::MessageQueued>().ok())
        .map(|l| l.inner.data.message)
        .ok_or_else(|| eyre::eyre!("no MessageQueued for the withdrawal"))?;
    let batch = w
        .executed_batch_of(
            i,
            receipt.block_number.unwrap_or_default(),
            "the batch with the withdrawal executed",
        )
        .await?;
    let proof = hyperchain_bindings::MessagesTree::new(&w.batch_messages(i, &batch).await?)
        .proof_of(withdrawal.hash())
        .ok_or_else(|| eyre::eyre!("withdrawal not in its batch"))?;
    Ok((withdrawal, batch.number, proof.into()))
}
