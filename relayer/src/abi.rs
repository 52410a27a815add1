//! The contract surface the relayer uses, from `hyperchain-bindings` (generated from the forge
//! artifacts), plus the Transaction Root leaf hash.

use alloy::{
    primitives::{B256, U256, keccak256},
    sol_types::SolValue,
};
pub use hyperchain_bindings::{
    IChainFactory, IChainSettlement, IInbox, IOutbox, ITransactionRoot, MerkleProof, Message,
    RelayProof,
    predeploys::{INBOX, OUTBOX},
};

/// `BatchHashing.transactionRootLeaf(chainId, batchNumber, messagesRoot, stateRoot)`.
pub fn transaction_root_leaf(
    chain_id: u64,
    batch_number: u64,
    messages_root: B256,
    state_root: B256,
) -> B256 {
    keccak256((U256::from(chain_id), batch_number, messages_root, state_root).abi_encode())
}

/// Converts a `hyperchain-merkle` proof to the ABI struct.
pub fn to_abi_proof(proof: &hyperchain_merkle::MerkleProof) -> MerkleProof {
    proof.clone().into()
}
