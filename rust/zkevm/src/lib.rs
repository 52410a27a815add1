//! The validity program of a hyperchain batch and its outputs.
//!
//! - [`commitment`]: pure functions from a batch's L2 logs to its outputs (outbound messages,
//!   messages root, imported Transaction Roots, cumulative priority operations, transfers), the
//!   `CommitBatchInfo` and the public input, byte-identical to `BatchHashing`.
//! - [`pubdata`]: the rollup state-diff pubdata and its DA commitment.
//! - [`replay`]: a chain's state rebuilt from its genesis and the pubdata of its batches.
//! - [`witness`]: the batch witness and its builder (RPC: `eth_getProof`; the touched accounts and
//!   slots are found by executing the batch round after round).
//! - [`state_proof`]: the proofs of an account and its storage at a batch's last block that
//!   cross-chain views (`StateReader`) verify.
//! - [`validate`]: the validity program: before a chain's first batch, check that its genesis
//!   holds the protocol version's canonical system contracts ([`check_genesis`]); verify the
//!   witness, re-execute on revm, derive outputs, recompute the new state root (anvil's trie
//!   rules: see its docs).

pub mod commitment;
pub mod pubdata;

pub use commitment::{
    BatchContext, BatchOutputs, CommitmentError, public_input, transaction_root_leaf, transfers,
};
pub use pubdata::{AccountDiff, PubdataError, StateDiff, da_commitment};

pub mod replay;
pub mod state_proof;
pub mod trie;
pub mod validate;
pub mod witness;

pub use state_proof::{AccountProofs, StateProofError, account_proofs};
pub use validate::{
    ExecutionRules, MissingEntry, ValidatedBatch, ValidationError, check_genesis,
    execute_unverified, validate_batch,
};
pub use witness::{BatchBlocks, Witness, WitnessError, build_witness, proven_state_root};
