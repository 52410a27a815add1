//! Cross-chain view proofs: the `StateProof` that `StateReader.readAccount` / `readStorage` (and
//! `StateProofs` on L1) verify — a batch's leaf in a Transaction Root, an account against the
//! batch's state root, storage slots against the account's storage root — from the chain's own
//! `eth_getProof` at the batch's last block.

use alloy::{
    network::Ethereum,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
};
use hyperchain_bindings::{MerkleProof, StateProof};

/// Why the proofs of an account could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StateProofError {
    /// The chain's node did not answer `eth_getProof`.
    #[error("eth_getProof({account}) at block {block} failed: {source}")]
    GetProof {
        /// The account asked for.
        account: Address,
        /// The block asked at.
        block: u64,
        /// The transport error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// The node answered without a single account proof node (no state trie at that block).
    #[error("eth_getProof({account}) at block {block} returned no account proof")]
    NoAccountProof {
        /// The account asked for.
        account: Address,
        /// The block asked at.
        block: u64,
    },
    /// The node answered a different number of storage proofs than slots were asked.
    #[error("eth_getProof at block {block} proved {proved} slots, {asked} were asked")]
    SlotCount {
        /// The block asked at.
        block: u64,
        /// Slots asked for.
        asked: usize,
        /// Storage proofs returned.
        proved: usize,
    },
}

/// One account of a chain at one block, with its Merkle-Patricia proofs as `eth_getProof`
/// returned them (an absent account has the proof of its absence, an empty slot likewise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProofs {
    /// The state root the proofs are against: the hash of the account proof's root node (anvil's
    /// block header does not carry the real root of an `--init` genesis block).
    pub state_root: B256,
    /// The account.
    pub account: Address,
    /// Its nonce (0 when absent).
    pub nonce: u64,
    /// Its balance in wei (0 when absent).
    pub balance: U256,
    /// Its storage root (the empty-trie root when absent or without storage).
    pub storage_root: B256,
    /// Its code hash as the node reports it.
    pub code_hash: B256,
    /// Account proof, root node first.
    pub account_proof: Vec<Bytes>,
    /// The slots asked for, in order.
    pub slots: Vec<B256>,
    /// Their values (zero when empty).
    pub values: Vec<B256>,
    /// One storage proof per slot.
    pub storage_proofs: Vec<Vec<Bytes>>,
}

impl AccountProofs {
    /// The `StateProof` the readers take for a batch whose Transaction Root leaf is
    /// `transactionRootLeaf(chainId, batchNumber, messages_root, self.state_root)`, proven in
    /// `transaction_root` by `batch_proof`.
    pub fn into_state_proof(
        self,
        transaction_root: B256,
        messages_root: B256,
        batch_proof: MerkleProof,
    ) -> StateProof {
        StateProof {
            transactionRoot: transaction_root,
            messagesRoot: messages_root,
            stateRoot: self.state_root,
            batchProof: batch_proof,
            accountProof: self.account_proof,
            storageProofs: self.storage_proofs,
        }
    }
}

/// The proofs of `account` and its `slots` at `block` from the chain's node.
pub async fn account_proofs<P: Provider<Ethereum>>(
    provider: &P,
    block: u64,
    account: Address,
    slots: &[B256],
) -> Result<AccountProofs, StateProofError> {
    let response = provider
        .get_proof(account, slots.to_vec())
        .block_id(block.into())
        .await
        .map_err(|source| StateProofError::GetProof { account, block, source })?;
    let state_root = response
        .account_proof
        .first()
        .map(keccak256)
        .ok_or(StateProofError::NoAccountProof { account, block })?;
    if response.storage_proof.len() != slots.len() {
        return Err(StateProofError::SlotCount {
            block,
            asked: slots.len(),
            proved: response.storage_proof.len(),
        });
    }
    Ok(AccountProofs {
        state_root,
        account,
        nonce: response.nonce,
        balance: response.balance,
        storage_root: response.storage_hash,
        code_hash: response.code_hash,
        account_proof: response.account_proof,
        slots: slots.to_vec(),
        values: response.storage_proof.iter().map(|p| B256::from(p.value)).collect(),
        storage_proofs: response.storage_proof.into_iter().map(|p| p.proof).collect(),
    })
}
