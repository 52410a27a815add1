//! `RelayProof`s: a message's path in its batch's messages tree and the batch's leaf's path in
//! the Transaction Root tree, from `hyperchain-merkle` trees rebuilt from the database.

use super::{Relayer, RelayerError, Result};
use crate::{
    abi::{self, RelayProof},
    db::MessageRow,
};
use hyperchain_bindings::MessagesTree;
use hyperchain_merkle::Tree;
use std::sync::Arc;

impl Relayer {
    pub(super) async fn build_proof(&self, m: &MessageRow) -> Result<RelayProof> {
        let missing =
            |what: &str| RelayerError::Inconsistent(format!("message {}: no {what}", m.hash));
        let leaf_index = m.leaf_index.ok_or_else(|| missing("source batch"))?;
        let leaf_count = m.root_leaf_count.ok_or_else(|| missing("Transaction Root"))?;
        let leaf =
            self.store.leaf(leaf_index).await?.ok_or_else(|| missing("batch leaf (reorg?)"))?;
        let (first, count) = match (leaf.first_nonce, leaf.message_count) {
            (Some(f), Some(c)) => (f, c),
            _ => return Err(missing("matched batch")),
        };
        let chain_id = leaf.chain_id;
        let mut cache = self.trees.lock().await;
        let batch_tree = match cache.batches.get(&(chain_id, leaf.batch_number)) {
            Some((t, f)) if *f == first => t.clone(),
            _ => {
                let hashes = self.store.batch_message_hashes(chain_id, first, count).await?;
                let tree = Arc::new(MessagesTree::from_hashes(hashes));
                if tree.root() != leaf.messages_root {
                    return Err(RelayerError::Inconsistent(format!(
                        "rebuilt messages tree of chain {chain_id} batch {} has the wrong root",
                        leaf.batch_number
                    )));
                }
                cache.batches.insert((chain_id, leaf.batch_number), (tree.clone(), first));
                tree
            }
        };
        let root_tree = match cache.roots.get(&leaf_count) {
            Some(t) => t.clone(),
            None => {
                let leaves = self.store.leaf_hashes(leaf_count).await?;
                let tree = Arc::new(Tree::new(&leaves));
                if Some(tree.root()) != m.root {
                    return Err(RelayerError::Inconsistent(format!(
                        "rebuilt Transaction Root over {leaf_count} leaves is not the imported root"
                    )));
                }
                if cache.roots.len() > 8 {
                    cache.roots.clear();
                }
                cache.roots.insert(leaf_count, tree.clone());
                tree
            }
        };
        drop(cache);
        let nonce = u64::try_from(m.message.nonce).unwrap_or(u64::MAX);
        let index = nonce.checked_sub(first).ok_or_else(|| missing("position in its batch"))?;
        let message_proof = batch_tree
            .proof(index)
            .map_err(|source| RelayerError::Proof { which: "message", source })?;
        let batch_proof = root_tree
            .proof(leaf_index)
            .map_err(|source| RelayerError::Proof { which: "batch", source })?;
        Ok(RelayProof {
            batchNumber: leaf.batch_number,
            stateRoot: leaf.state_root,
            messageProof: abi::to_abi_proof(&message_proof),
            batchProof: abi::to_abi_proof(&batch_proof),
        })
    }
}
