//! Which batch of its source chain holds a message, from public data: the chain's outbox logs and
//! the messages roots L1 holds for its batches.

use crate::{
    error::{StepsError, call, rpc},
    track::{Sent, TxAt},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
    sol_types::SolEvent,
};
use hyperchain_bindings::{
    ChainSettlement, IOutbox, MerkleProof, Message, MessagesTree, predeploys,
};
use hyperchain_merkle::Frontier;
use serde::Serialize;

/// A batch L1 executed (`BatchExecuted`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settled {
    pub batch: u64,
    pub state_root: B256,
    pub messages_root: B256,
    /// The L1 transaction that executed it (its time is read only where shown:
    /// [`TxAt::resolve`]).
    pub at: TxAt,
}

/// A message located in a committed batch of its source chain.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Located {
    pub chain_id: u64,
    pub message_hash: B256,
    #[serde(skip)]
    pub message: Message,
    /// The batch whose messages root covers the message.
    pub batch: u64,
    /// Whether L1 executed that batch (a withdrawal can be finalized only then).
    pub batch_executed: bool,
    /// Its `BatchExecuted`, once executed.
    #[serde(skip)]
    pub executed: Option<Settled>,
    /// The message's leaf in the batch's messages tree.
    pub leaf_index: u64,
    pub leaf_count: u64,
    pub siblings: Vec<B256>,
}

impl Located {
    /// The proof argument of `finalizeWithdrawal` / `relay`.
    pub fn proof(&self) -> MerkleProof {
        MerkleProof {
            index: U256::from(self.leaf_index),
            leafCount: U256::from(self.leaf_count),
            siblings: self.siblings.clone(),
        }
    }
}

/// Logs of `E` at `address` from block 0, decoded, with their log.
pub(crate) async fn events<E: SolEvent>(
    provider: &DynProvider,
    filter: Filter,
    what: &str,
) -> Result<Vec<(E, Log)>, StepsError> {
    let filter = filter.event_signature(E::SIGNATURE_HASH).from_block(0u64);
    let logs = provider.get_logs(&filter).await.map_err(rpc(format!("eth_getLogs({what})")))?;
    logs.into_iter()
        .map(|log| {
            let event = E::decode_log(&log.inner)
                .map_err(|source| StepsError::Decode { event: E::SIGNATURE, source })?;
            Ok((event.data, log))
        })
        .collect()
}

/// Every batch of the chain settled by `settlement` that L1 executed, in batch order.
pub async fn executed_batches(
    l1: &DynProvider,
    l1_chain_id: u64,
    settlement: Address,
) -> Result<Vec<Settled>, StepsError> {
    let logs = events::<ChainSettlement::BatchExecuted>(
        l1,
        Filter::new().address(settlement),
        "BatchExecuted",
    )
    .await?;
    let mut out: Vec<Settled> = logs
        .into_iter()
        .map(|(event, log)| Settled {
            batch: event.batchNumber,
            state_root: event.stateRoot,
            messages_root: event.messagesRoot,
            at: TxAt::from_log(l1_chain_id, &log),
        })
        .collect();
    out.sort_by_key(|s| s.batch);
    Ok(out)
}

/// Every message the chain behind `l2` sent, in nonce order; fails when the node's logs skip a
/// nonce.
pub async fn outbox_messages(l2: &DynProvider, chain_id: u64) -> Result<Vec<Sent>, StepsError> {
    let mut messages: Vec<Sent> = events::<IOutbox::MessageQueued>(
        l2,
        Filter::new().address(predeploys::OUTBOX),
        "MessageQueued",
    )
    .await?
    .into_iter()
    .map(|(e, log)| Sent {
        message_hash: e.messageHash,
        message: e.message,
        at: TxAt::from_log(chain_id, &log),
    })
    .collect();
    messages.sort_by_key(|m| m.message.nonce);
    for (i, m) in messages.iter().enumerate() {
        if m.message.nonce != U256::from(i) {
            return Err(StepsError::Inconsistent(format!(
                "chain {chain_id}'s outbox logs skip nonce {i}: the node's logs are incomplete"
            )));
        }
    }
    Ok(messages)
}

/// Finds `hash` among the outbox messages of the chain behind `l2` and the batch of it that
/// `settlement` committed on L1 (`None`: not in a committed batch yet). Batches cover
/// consecutive outbox nonces from 0; each batch's message count is the one whose messages tree
/// reproduces the root L1 holds for it.
pub async fn locate(
    l1: &DynProvider,
    l1_chain_id: u64,
    l2: &DynProvider,
    chain_id: u64,
    settlement: Address,
    hash: B256,
) -> Result<Option<Located>, StepsError> {
    let messages = outbox_messages(l2, chain_id).await?;
    let leaves: Vec<B256> = messages.iter().map(|m| m.message.hash()).collect();
    let target =
        leaves.iter().position(|h| *h == hash).ok_or(StepsError::NotSent { hash, chain_id })?;
    let executed = executed_batches(l1, l1_chain_id, settlement).await?;
    let contract = ChainSettlement::new(settlement, l1);
    let committed =
        contract.lastCommittedBatch().call().await.map_err(call("lastCommittedBatch"))?;
    let empty = MessagesTree::new(&[]).root();
    let mut start = 0usize;
    for batch in 1..=committed {
        let settled = executed.iter().find(|s| s.batch == batch);
        let root = match settled {
            Some(s) => s.messages_root,
            None => contract
                .messagesRoot(batch)
                .call()
                .await
                .map_err(call(format!("messagesRoot({batch})")))?,
        };
        let count = if root == empty {
            0
        } else {
            let mut frontier = Frontier::default();
            let found = leaves[start..].iter().position(|leaf| frontier.append(*leaf) == root);
            found.map(|last| last + 1).ok_or_else(|| {
                StepsError::Inconsistent(format!(
                    "batch {batch}'s messages root {root} is not reproduced by chain {chain_id}'s \
                     outbox messages from nonce {start}: the node is not the chain L1 settles"
                ))
            })?
        };
        if (start..start + count).contains(&target) {
            let tree = MessagesTree::from_hashes(leaves[start..start + count].to_vec());
            let proof = tree.proof((target - start) as u64).map_err(StepsError::MessageProof)?;
            return Ok(Some(Located {
                chain_id,
                message_hash: hash,
                message: messages[target].message.clone(),
                batch,
                batch_executed: settled.is_some(),
                executed: settled.cloned(),
                leaf_index: proof.index,
                leaf_count: proof.leaf_count,
                siblings: proof.siblings,
            }));
        }
        start += count;
    }
    Ok(None)
}
