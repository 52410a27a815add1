//! Building one batch's CommitBatchInfo and DA data from the L2 blocks it covers.
//!
//! INTERIM: `hyperchain-zkevm` (which will own this derivation, with the full revm validator and
//! the state-diff pubdata) has no public API yet. Until it lands, this module derives the fields
//! from the chain's own logs and views using the shared crates only (`hyperchain-merkle` for the
//! messages tree, `hyperchain-bindings` for hashing and decoding); the pubdata is "inputs only"
//! (every transaction's sender, recipient, value and calldata, see [`inputs_pubdata`]).

use crate::OperatorError;
use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::{BlockTransactionsKind, Filter},
    sol_types::{SolEvent, SolValue},
};
use hyperchain_bindings::{
    AssetTransfer, CommitBatchInfo, IInbox, IOutbox, Message, TokenTransfer, predeploys,
};
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

/// The batch's CommitBatchInfo (with `daCommitment = keccak256(pubdata)`) and its pubdata.
pub async fn build_commit_info(
    l2: &DynProvider,
    l1_chain_id: u64,
    number: u64,
    first: u64,
    last: u64,
) -> Result<(CommitBatchInfo, Bytes), OperatorError> {
    let messages = outbound_messages(l2, first, last).await?;
    let leaves: Vec<B256> = messages.iter().map(Message::hash).collect();
    let messages_root = hyperchain_merkle::Tree::new(&leaves).root();

    let filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::TransactionRootImported::SIGNATURE_HASH)
        .from_block(first)
        .to_block(last);
    let logs = l2.get_logs(&filter).await.map_err(rpc("eth_getLogs(TransactionRootImported)"))?;
    let imported_roots: Vec<B256> =
        logs.iter().filter_map(|l| l.topics().get(1).copied()).collect();

    let inbox = IInbox::new(predeploys::INBOX, l2.clone());
    let at = BlockId::number(last);
    let count = inbox.priorityOpsCount().block(at).call().await.map_err(|e| {
        OperatorError::Rpc { step: "Inbox.priorityOpsCount".into(), reason: e.to_string() }
    })?;
    let hash = inbox.priorityOpsHash().block(at).call().await.map_err(|e| OperatorError::Rpc {
        step: "Inbox.priorityOpsHash".into(),
        reason: e.to_string(),
    })?;

    let pubdata = inputs_pubdata(l2, first, last).await?;
    let info = CommitBatchInfo {
        batchNumber: number,
        newStateRoot: state_root_at(l2, last).await?,
        messagesRoot: messages_root,
        priorityOpsCount: count,
        priorityOpsHash: hash,
        importedRoots: imported_roots,
        daCommitment: keccak256(&pubdata),
        transfers: transfers(&messages, l1_chain_id),
    };
    Ok((info, pubdata))
}

/// The net value the batch moves to each other hyperchain (rule in `Batch.sol`'s NatSpec).
pub fn transfers(messages: &[Message], l1_chain_id: u64) -> Vec<AssetTransfer> {
    let l1 = U256::from(l1_chain_id);
    let mut sums: BTreeMap<(U256, Address), U256> = BTreeMap::new();
    for m in messages.iter().filter(|m| m.destinationChainId != l1) {
        let eth = m.value.saturating_add(m.fee);
        if !eth.is_zero() {
            let e = sums.entry((m.destinationChainId, Address::ZERO)).or_default();
            *e = e.saturating_add(eth);
        }
        if m.sender == predeploys::ASSET_ROUTER {
            if let Ok(t) = TokenTransfer::abi_decode(&m.payload) {
                if t.originChainId == l1 && !t.amount.is_zero() {
                    let e = sums.entry((m.destinationChainId, t.originToken)).or_default();
                    *e = e.saturating_add(t.amount);
                }
            }
        }
    }
    sums.into_iter()
        .map(|((destination_chain_id, token), amount)| AssetTransfer {
            destinationChainId: destination_chain_id,
            token,
            amount,
        })
        .collect()
}

/// "Inputs only" pubdata: `abi.encode((uint64 block, (address from, address to, uint256 value,
/// bytes input)[] txs)[])` over the batch's blocks.
pub async fn inputs_pubdata(
    l2: &DynProvider,
    first: u64,
    last: u64,
) -> Result<Bytes, OperatorError> {
    let mut blocks: Vec<(u64, Vec<(Address, Address, U256, Bytes)>)> = Vec::new();
    for number in first..=last {
        let block = l2
            .get_block_by_number(number.into())
            .kind(BlockTransactionsKind::Full)
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or_else(|| OperatorError::Inconsistent(format!("L2 block {number} not found")))?;
        let txs = block
            .transactions
            .txns()
            .map(|tx| {
                use alloy::consensus::Transaction as _;
                (tx.inner.signer(), tx.to().unwrap_or_default(), tx.value(), tx.input().clone())
            })
            .collect::<Vec<_>>();
        if !txs.is_empty() {
            blocks.push((number, txs));
        }
    }
    Ok(blocks.abi_encode().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(dest: u64, value: u64, fee: u64, sender: Address, payload: Bytes) -> Message {
        Message {
            sourceChainId: U256::from(901),
            destinationChainId: U256::from(dest),
            value: U256::from(value),
            fee: U256::from(fee),
            sender,
            payload,
            ..Default::default()
        }
    }

    #[test]
    fn transfers_sum_eth_and_l1_tokens_per_destination_sorted() {
        let token = Address::repeat_byte(9);
        let l1_token = TokenTransfer {
            originChainId: U256::from(900),
            originToken: token,
            amount: U256::from(5),
            ..Default::default()
        };
        let l2_token = TokenTransfer { originChainId: U256::from(902), ..l1_token.clone() };
        let messages = vec![
            msg(903, 1, 2, Address::ZERO, Bytes::new()),
            msg(902, 10, 0, Address::ZERO, Bytes::new()),
            msg(900, 100, 0, Address::ZERO, Bytes::new()), // withdrawal: not a transfer
            msg(902, 0, 1, predeploys::ASSET_ROUTER, l1_token.abi_encode().into()),
            msg(902, 0, 0, predeploys::ASSET_ROUTER, l2_token.abi_encode().into()),
            msg(903, 4, 0, Address::ZERO, Bytes::new()),
        ];
        let t = transfers(&messages, 900);
        let got: Vec<(u64, Address, u64)> =
            t.iter().map(|t| (t.destinationChainId.to(), t.token, t.amount.to())).collect();
        assert_eq!(got, vec![(902, Address::ZERO, 11), (902, token, 5), (903, Address::ZERO, 7)]);
    }
}
