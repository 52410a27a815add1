//! The contract surface the relayer uses, from `hyperchain-bindings` (generated from the forge
//! artifacts), plus the Transaction Root leaf hash.

pub use hyperchain_bindings::{
    IChainFactory, IChainSettlement, IInbox, IOutbox, ITransactionRoot, MerkleProof, Message,
    RelayProof, decode_revert_data,
    predeploys::{INBOX, OUTBOX},
    transaction_root_leaf,
};

/// Converts a `hyperchain-merkle` proof to the ABI struct.
pub fn to_abi_proof(proof: &hyperchain_merkle::MerkleProof) -> MerkleProof {
    proof.clone().into()
}
