//! Building one batch's CommitBatchInfo and DA data from the L2 blocks it covers.
//!
//! The derivation is `hyperchain-zkevm`'s: [`BatchOutputs::from_logs`] over every log of the
//! batch's blocks (messages root, imported roots, cumulative priority operations, transfers) and
//! the rollup state-diff pubdata ([`StateDiff`]), whose post-state this module collects from
//! anvil's `prestateTracer` in diff mode. The full revm re-execution (validator with witness) is
//! not wired yet.

use crate::OperatorError;
use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_bindings::{CommitBatchInfo, IInbox, IOutbox, Message, predeploys};
use hyperchain_zkevm::{BatchContext, BatchOutputs, StateDiff, da_commitment};
use std::collections::BTreeMap;

fn rpc(step: &str) -> impl Fn(alloy::transports::TransportError) -> OperatorError + '_ {
    move |e| OperatorError::Rpc { step: step.to_string(), reason: e.to_string() }
}

/// The true state root after `block`: keccak256 of the root node of an `eth_getProof` answer.
/// (anvil reports the empty-trie root in the header of a `--init` genesis block, so headers are
/// not used.)
pub async fn state_root_at(l2: &DynProvider, block: u64) -> Result<B256, OperatorError> {
    let proof = l2
        .get_proof(predeploys::INBOX, vec![])
        .block_id(BlockId::number(block))
        .await
        .map_err(rpc("eth_getProof"))?;
    let root_node = proof.account_proof.first().ok_or_else(|| {
        OperatorError::Inconsistent(format!(
            "eth_getProof at L2 block {block} has no account proof"
        ))
    })?;
    Ok(keccak256(root_node))
}

/// The outbound messages of blocks `first..=last`, in outbox nonce order.
pub async fn outbound_messages(
    l2: &DynProvider,
    first: u64,
    last: u64,
) -> Result<Vec<Message>, OperatorError> {
    let filter = Filter::new()
        .address(predeploys::OUTBOX)
        .event_signature(IOutbox::MessageQueued::SIGNATURE_HASH)
        .from_block(first)
        .to_block(last);
    let logs = l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(MessageQueued)"))?;
    let mut messages = Vec::with_capacity(logs.len());
    for log in logs {
        let event = IOutbox::MessageQueued::decode_log(&log.inner)
            .map_err(|e| OperatorError::Inconsistent(format!("bad MessageQueued log: {e}")))?;
        messages.push(event.data.message);
    }
    messages.sort_by_key(|m| m.nonce);
    Ok(messages)
}

/// The batch's CommitBatchInfo (with `daCommitment` of its state-diff pubdata) and the pubdata.
pub async fn build_commit_info(
    l2: &DynProvider,
    l1_chain_id: u64,
    number: u64,
    first: u64,
    last: u64,
) -> Result<(CommitBatchInfo, Bytes), OperatorError> {
    let chain_id = l2.get_chain_id().await.map_err(rpc("eth_chainId"))?;
    let before = BlockId::number(first - 1);
    let inbox = IInbox::new(predeploys::INBOX, l2.clone());
    let outbox = IOutbox::new(predeploys::OUTBOX, l2.clone());
    let view = |step: &'static str| {
        move |e: alloy::contract::Error| OperatorError::Rpc {
            step: step.into(),
            reason: e.to_string(),
        }
    };
    let ctx = BatchContext {
        l1_chain_id: U256::from(l1_chain_id),
        chain_id: U256::from(chain_id),
        next_message_nonce: outbox
            .nonce()
            .block(before)
            .call()
            .await
            .map_err(view("Outbox.nonce"))?,
        priority_ops_count: inbox
            .priorityOpsCount()
            .block(before)
            .call()
            .await
            .map_err(view("Inbox.priorityOpsCount"))?,
        priority_ops_hash: inbox
            .priorityOpsHash()
            .block(before)
            .call()
            .await
            .map_err(view("Inbox.priorityOpsHash"))?,
    };
    let filter = Filter::new().from_block(first).to_block(last);
    let logs = l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(batch)"))?;
    let outputs = BatchOutputs::from_logs(&ctx, logs.iter().map(|l| &l.inner))
        .map_err(|e| OperatorError::Build { batch: number, reason: e.to_string() })?;
    let pubdata = state_diff(l2, first, last).await?.encode();
    let info =
        outputs.commit_batch_info(number, state_root_at(l2, last).await?, da_commitment(&pubdata));
    Ok((info, pubdata))
}

#[derive(Debug, serde::Deserialize)]
struct TracedTx {
    result: DiffResult,
}

#[derive(Debug, serde::Deserialize, Default)]
struct DiffResult {
    #[serde(default)]
    pre: BTreeMap<Address, TracedAccount>,
    #[serde(default)]
    post: BTreeMap<Address, TracedAccount>,
}

#[derive(Debug, serde::Deserialize, Default)]
struct TracedAccount {
    balance: Option<U256>,
    nonce: Option<u64>,
    code: Option<Bytes>,
    #[serde(default)]
    storage: BTreeMap<B256, U256>,
}

/// The batch's state diff (final values of everything its transactions changed), from
/// `debug_traceBlockByNumber` with the prestate tracer in diff mode, merged block by block.
pub async fn state_diff(
    l2: &DynProvider,
    first: u64,
    last: u64,
) -> Result<StateDiff, OperatorError> {
    let mut diff = StateDiff::default();
    for number in first..=last {
        let traces: Vec<TracedTx> = l2
            .raw_request(
                "debug_traceBlockByNumber".into(),
                (
                    alloy::eips::BlockNumberOrTag::Number(number),
                    serde_json::json!({"tracer": "prestateTracer", "tracerConfig": {"diffMode": true}}),
                ),
            )
            .await
            .map_err(rpc("debug_traceBlockByNumber(prestateTracer, diffMode)"))?;
        for tx in traces {
            let mut tx_diff = StateDiff::default();
            let DiffResult { pre, post } = tx.result;
            for (address, after) in &post {
                let entry = tx_diff.accounts.entry(*address).or_default();
                entry.balance = after.balance;
                entry.nonce = after.nonce;
                entry.code = after.code.clone().filter(|c| !c.is_empty());
                entry.storage.extend(after.storage.iter().map(|(k, v)| (*k, *v)));
            }
            // Diff mode leaves out of `post` what became zero / empty.
            for (address, before) in &pre {
                let after = post.get(address);
                let entry = tx_diff.accounts.entry(*address).or_default();
                for slot in before.storage.keys() {
                    if after.is_none_or(|a| !a.storage.contains_key(slot)) {
                        entry.storage.insert(*slot, U256::ZERO);
                    }
                }
                if before.balance.is_some() && after.is_none_or(|a| a.balance.is_none()) {
                    entry.balance = Some(U256::ZERO);
                }
            }
            diff.merge(&tx_diff);
        }
    }
    Ok(diff)
}
