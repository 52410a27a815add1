//! A batch's messages tree, built the one way `ChainSettlement` checks it: the Merkle tree over
//! the hashes of the messages the batch sent, in nonce order. The validity program commits its
//! root as the batch's `messagesRoot`; relays and withdrawals prove a message against it.

use crate::Message;
use alloy::primitives::B256;
use hyperchain_merkle::{MerkleError, MerkleProof, Tree};

/// The messages tree of one batch.
#[derive(Clone, Debug)]
pub struct MessagesTree {
    hashes: Vec<B256>,
    tree: Tree,
}

impl MessagesTree {
    /// The tree of a batch that sent `messages` (in nonce order).
    pub fn new(messages: &[Message]) -> Self {
        Self::from_hashes(messages.iter().map(Message::hash).collect())
    }

    /// The tree over message hashes already computed ([`Message::hash`], in nonce order), as a
    /// relayer stores them.
    pub fn from_hashes(hashes: Vec<B256>) -> Self {
        let tree = Tree::new(&hashes);
        Self { hashes, tree }
    }

    /// The batch's `messagesRoot`.
    pub fn root(&self) -> B256 {
        self.tree.root()
    }

    /// How many messages the batch sent.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the batch sent no message.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// The path of the batch's `index`-th message (0 = the batch's first nonce).
    pub fn proof(&self, index: u64) -> Result<MerkleProof, MerkleError> {
        self.tree.proof(index)
    }

    /// The path of the message whose hash is `hash`; `None` when the batch did not send it.
    pub fn proof_of(&self, hash: B256) -> Option<MerkleProof> {
        let index = self.hashes.iter().position(|h| *h == hash)?;
        self.tree.proof(index as u64).ok()
    }
}
