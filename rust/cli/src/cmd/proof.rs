//! `hyperchain proof`: where a hyperchain's outbound message is settled, and its Merkle proof,
//! derived from public data only — the chain's outbox logs and the batches' messages roots on
//! L1. No operator database: a user (or a `cast`-only script) can finalize a withdrawal with what
//! this prints.

use crate::common::{DevnetFile, connect, output};
use alloy::{
    primitives::{B256, U256},
    providers::DynProvider,
};
use eyre::{bail, eyre};
use hyperchain_bindings::{ChainSettlement, MerkleProof, Message};
use hyperchain_merkle::{Frontier, Tree};
use serde::Serialize;
use std::path::PathBuf;

/// Print the batch and the Merkle proof of a message sent from a hyperchain (for
/// `SharedBridge.finalizeWithdrawal` when it is addressed to L1).
#[derive(Debug, clap::Args)]
pub(crate) struct ProofArgs {
    /// Source hyperchain id.
    #[arg(long)]
    chain: u64,
    /// The message hash (`MessageQueued`'s `messageHash`, printed by `send` and `withdraw`).
    #[arg(long)]
    message: B256,
    /// Devnet description.
    #[arg(long)]
    devnet: Option<PathBuf>,
}

/// A message located in a committed batch of its source chain.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Located {
    pub(crate) chain_id: u64,
    pub(crate) message_hash: B256,
    #[serde(skip)]
    pub(crate) message: Message,
    /// The batch whose messages root covers the message.
    pub(crate) batch: u64,
    /// Whether L1 executed that batch (a withdrawal can be finalized only then).
    pub(crate) batch_executed: bool,
    /// The message's leaf in the batch's messages tree.
    pub(crate) leaf_index: u64,
    pub(crate) leaf_count: u64,
    pub(crate) siblings: Vec<B256>,
}

impl Located {
    /// The proof argument of `finalizeWithdrawal` / `relay`.
    pub(crate) fn proof(&self) -> MerkleProof {
        MerkleProof {
            index: U256::from(self.leaf_index),
            leafCount: U256::from(self.leaf_count),
            siblings: self.siblings.clone(),
        }
    }
}

/// Finds `hash` among the outbox messages of the chain behind `l2` and the batch of it that
/// `settlement` committed on L1. Batches cover consecutive outbox nonces from 0; each batch's
/// message count is the one whose messages tree reproduces the root L1 holds for it.
pub(crate) async fn locate(
    l1: &DynProvider,
    l2: &DynProvider,
    chain_id: u64,
    settlement: alloy::primitives::Address,
    hash: B256,
) -> eyre::Result<Located> {
    let head = alloy::providers::Provider::get_block_number(l2).await?;
    let messages = hyperchain_operator::batch::outbound_messages(l2, 0, head).await?;
    for (i, m) in messages.iter().enumerate() {
        if m.nonce != U256::from(i) {
            bail!("chain {chain_id}'s outbox logs skip nonce {i}: the node's logs are incomplete");
        }
    }
    let leaves: Vec<B256> = messages.iter().map(Message::hash).collect();
    let target = leaves.iter().position(|h| *h == hash).ok_or_else(|| {
        eyre!("message {hash} was not sent from chain {chain_id} (not in its outbox logs)")
    })?;
    let settlement = ChainSettlement::new(settlement, l1);
    let committed = settlement.lastCommittedBatch().call().await?;
    let executed = settlement.lastExecutedBatch().call().await?;
    let empty = Tree::new(&[]).root();
    let mut start = 0usize;
    for batch in 1..=committed {
        let root = settlement.messagesRoot(batch).call().await?;
        let count = if root == empty {
            0
        } else {
            let mut frontier = Frontier::default();
            let found = leaves[start..].iter().position(|leaf| frontier.append(*leaf) == root);
            found.map(|last| last + 1).ok_or_else(|| {
                eyre!(
                    "batch {batch}'s messages root {root} is not reproduced by chain {chain_id}'s \
                     outbox messages from nonce {start}: the node is not the chain L1 settles"
                )
            })?
        };
        if (start..start + count).contains(&target) {
            let tree = Tree::new(&leaves[start..start + count]);
            let proof = tree.proof((target - start) as u64).map_err(|e| eyre!("{e}"))?;
            return Ok(Located {
                chain_id,
                message_hash: hash,
                message: messages[target].clone(),
                batch,
                batch_executed: batch <= executed,
                leaf_index: proof.index,
                leaf_count: proof.leaf_count,
                siblings: proof.siblings,
            });
        }
        start += count;
    }
    bail!(
        "message {hash} (nonce {target}) is not in a batch committed on L1 yet (last committed: \
         {committed}); try again once its batch is settled"
    )
}

/// The `cast send` line that finalizes a withdrawal `located` on L1.
fn cast_command(bridge: alloy::primitives::Address, l1_rpc: &str, located: &Located) -> String {
    let m = &located.message;
    let siblings: Vec<String> = located.siblings.iter().map(ToString::to_string).collect();
    format!(
        "cast send --rpc-url {l1_rpc} {bridge} \
         'finalizeWithdrawal(uint256,uint64,(uint256,uint256,uint256,address,address,uint256,uint256,bytes),(uint256,uint256,bytes32[]))' \
         {} {} '({},{},{},{},{},{},{},{})' '({},{},[{}])'",
        located.chain_id,
        located.batch,
        m.sourceChainId,
        m.destinationChainId,
        m.nonce,
        m.sender,
        m.recipient,
        m.value,
        m.fee,
        m.payload,
        located.leaf_index,
        located.leaf_count,
        siblings.join(","),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Printed<'a> {
    #[serde(flatten)]
    located: &'a Located,
    /// For a message to L1 in an executed batch: the `cast send` that finalizes it.
    finalize_with: Option<String>,
}

impl ProofArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = DevnetFile::load(
            &self.devnet.clone().unwrap_or_else(crate::common::default_devnet_path),
        )?;
        let chain = devnet.chain(self.chain)?.clone();
        let l1 = connect(&devnet.l1.rpc_url, "L1", None).await?;
        let l2 = connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
        let located = locate(&l1, &l2, chain.chain_id, chain.settlement, self.message).await?;
        let to_l1 = located.message.destinationChainId == U256::from(devnet.l1.chain_id);
        let finalize_with = (to_l1 && located.batch_executed)
            .then(|| cast_command(devnet.contracts.shared_bridge, &devnet.l1.rpc_url, &located));
        output(json, &Printed { located: &located, finalize_with }, |p| {
            let l = p.located;
            println!(
                "message {} from chain {}: batch {} ({}), leaf {} of {}",
                l.message_hash,
                l.chain_id,
                l.batch,
                if l.batch_executed { "executed on L1" } else { "committed, not executed yet" },
                l.leaf_index,
                l.leaf_count
            );
            for (i, s) in l.siblings.iter().enumerate() {
                println!("  sibling {i}: {s}");
            }
            if let Some(cmd) = &p.finalize_with {
                println!("finalize on L1 with:\n  {cmd}");
            }
        });
        Ok(())
    }
}
