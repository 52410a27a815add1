//! Building one batch's CommitBatchInfo and DA data from the L2 blocks it covers.
//!
//! The derivation is `hyperchain-zkevm`'s validity program: the witness (prestate + proofs from
//! the node), revm re-execution of every transaction, the new state root, the outputs
//! (messages root, imported roots, cumulative priority requests, transfers) and the rollup
//! state-diff pubdata. The operator only adds the batch number and checks the node agrees.

use crate::{OperatorError, error::rpc_err};
use alloy::{
    primitives::{Address, B256, Bytes},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_bindings::{
    ChainSettlement, CommitBatchInfo, IOutbox, Message, PredeployCode, predeploys,
};
use hyperchain_zkevm::{
    ExecutionRules, build_witness, check_genesis, da_commitment, proven_state_root, validate_batch,
};
use std::collections::BTreeMap;

/// The state root after `block`: the header's for mined blocks. anvil reports the empty-trie
/// root in the header of an `--init` genesis block, so block 0's root is the one its
/// `eth_getProof` answers are proven against ([`proven_state_root`]).
pub async fn state_root_at(l2: &DynProvider, block: u64) -> Result<B256, OperatorError> {
    if block > 0 {
        let header = l2
            .get_block_by_number(block.into())
            .await
            .map_err(rpc_err("eth_getBlockByNumber"))?
            .ok_or_else(|| OperatorError::Inconsistent(format!("L2 block {block} not found")))?;
        return Ok(header.header.state_root);
    }
    proven_state_root_at(l2, block).await
}

async fn proven_state_root_at(l2: &DynProvider, block: u64) -> Result<B256, OperatorError> {
    proven_state_root(l2, block).await.map_err(|e| OperatorError::Rpc {
        step: format!("proving the L2 state root at block {block}"),
        source: e.into(),
    })
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
    let logs = l2.get_logs(&filter).await.map_err(rpc_err("eth_getLogs(MessageQueued)"))?;
    let mut messages = Vec::with_capacity(logs.len());
    for log in logs {
        let event = IOutbox::MessageQueued::decode_log(&log.inner)
            .map_err(|source| OperatorError::Decode { event: "MessageQueued", source })?;
        messages.push(event.data.message);
    }
    messages.sort_by_key(|m| m.nonce);
    Ok(messages)
}

/// Runs the validity program (`hyperchain-zkevm`: witness from the node, revm re-execution,
/// sparse-MPT state root) over blocks `first..=last` starting from `previous` (the previous
/// batch's committed state root and last block hash), and returns the batch's CommitBatchInfo with its rollup
/// state-diff pubdata. The node's own state root must agree with the program's. The first batch
/// (`genesis_predeploys`: the chain's protocol version's `ChainFactory.predeployCodes`) is refused
/// unless the genesis holds the canonical system contracts: the attesters would refuse it too.
pub async fn build_commit_info(
    l2: &DynProvider,
    l1_chain_id: u64,
    number: u64,
    first: u64,
    last: u64,
    previous: (B256, B256),
    genesis_predeploys: Option<&[PredeployCode]>,
) -> Result<(CommitBatchInfo, Bytes), OperatorError> {
    let (prev_state_root, prev_block_hash) = previous;
    let ctx =
        hyperchain_attester::batch_context(l2, l1_chain_id, first, prev_block_hash).await.map_err(
            |e| OperatorError::Rpc { step: format!("context of batch {number}"), source: e.into() },
        )?;
    // A node whose state was changed outside a block (anvil_setCode / anvil_setBalance / …)
    // serves proofs against a root no batch ever committed: say so instead of a proof mismatch.
    let node_root = proven_state_root_at(l2, first - 1).await?;
    if node_root != prev_state_root {
        return Err(OperatorError::StateDiverged {
            batch: number,
            block: first - 1,
            node_root,
            l1_root: prev_state_root,
        });
    }
    let (blocks, mut witness) =
        build_witness(l2, first, last).await.map_err(|e| OperatorError::Rpc {
            step: format!("building the witness of batch {number}"),
            source: e.into(),
        })?;
    if first == 1 {
        // anvil's `--init` genesis header carries the empty-trie root; the witness proofs are
        // against the real genesis root, the one registered on L1 (and checked by the program).
        witness.prev_state_root = prev_state_root;
    }
    if let Some(predeploys) = genesis_predeploys {
        check_genesis(prev_state_root, &witness, predeploys, &ExecutionRules::ANVIL).map_err(
            |e| OperatorError::BuildFailed {
                batch: number,
                what: "validity program refused the genesis".into(),
                source: e.into(),
            },
        )?;
    }
    let validated =
        validate_batch(&blocks, &witness, prev_state_root, &ctx, None, &ExecutionRules::ANVIL)
            .map_err(|e| OperatorError::BuildFailed {
                batch: number,
                what: format!("validity program rejected blocks {first}..={last}"),
                source: e.into(),
            })?;
    let node_root = state_root_at(l2, last).await?;
    if validated.state_root != node_root {
        return Err(OperatorError::Build {
            batch: number,
            reason: format!(
                "validity program computed state root {} but the node reports {node_root} at block {last}",
                validated.state_root
            ),
        });
    }
    let info = validated.commit_batch_info(number, da_commitment(&validated.pubdata));
    Ok((info, validated.pubdata))
}

/// A batch as committed on L1: what its `commitBatch` or `settleBatch` call carried.
#[derive(Clone, Debug)]
pub struct CommittedBatch {
    /// The committed `CommitBatchInfo`.
    pub info: CommitBatchInfo,
    /// The call's `daInput` (rollup: the pubdata).
    pub da_input: Bytes,
    /// The L1 transaction.
    pub tx_hash: B256,
}

/// Every batch committed through `settlement`, by number, read from the calldata of the
/// transactions behind its `BatchCommitted` events. A number committed more than once (after a
/// revert) maps to its last commit.
pub async fn committed_batches(
    l1: &DynProvider,
    settlement: Address,
) -> Result<BTreeMap<u64, CommittedBatch>, OperatorError> {
    use alloy::consensus::Transaction as _;
    let filter = Filter::new()
        .address(settlement)
        .event_signature(ChainSettlement::BatchCommitted::SIGNATURE_HASH)
        .from_block(0u64);
    let logs = l1.get_logs(&filter).await.map_err(rpc_err("eth_getLogs(BatchCommitted)"))?;
    let mut batches = BTreeMap::new();
    for log in logs {
        let Some(tx_hash) = log.transaction_hash else { continue };
        let tx = l1
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(rpc_err("eth_getTransactionByHash"))?
            .ok_or_else(|| OperatorError::Inconsistent(format!("L1 tx {tx_hash} missing")))?;
        if let Some((info, da_input)) = committed_batch(tx.input()) {
            batches.insert(info.batchNumber, CommittedBatch { info, da_input, tx_hash });
        }
    }
    Ok(batches)
}

/// The batch and DA input carried by a `commitBatch` or `settleBatch` transaction's calldata (both
/// emit `BatchCommitted`); `None` for any other call.
fn committed_batch(input: &[u8]) -> Option<(CommitBatchInfo, Bytes)> {
    use alloy::sol_types::SolCall as _;
    use hyperchain_bindings::ChainSettlement::{commitBatchCall, settleBatchCall};
    match commitBatchCall::abi_decode(input) {
        Ok(call) => Some((call.batch, call.daInput)),
        Err(_) => settleBatchCall::abi_decode(input).ok().map(|call| (call.batch, call.daInput)),
    }
}
