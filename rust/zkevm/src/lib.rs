//! The validity program of a hyperchain batch and its outputs.
//!
//! - [`commitment`]: pure functions from a batch's L2 logs to its outputs (outbound messages,
//!   messages root, imported Transaction Roots, cumulative priority requests, transfers), the
//!   `CommitBatchInfo` and the public input, byte-identical to `BatchHashing`.
//! - [`pubdata`]: the rollup state-diff pubdata and its DA commitment.
//! - [`replay`]: a chain's state rebuilt from its genesis and the pubdata of its batches.
//! - [`witness`]: the batch witness and its builder (RPC: `eth_getProof`; the touched accounts and
//!   slots are found by executing the batch round after round).
//! - [`state_proof`]: the proofs of an account and its storage at a batch's last block that
//!   cross-chain views (`StateReader`) verify.
//! - [`validate`]: the validity program: before a chain's first batch, check that its genesis
//!   holds the protocol version's canonical system contracts ([`check_genesis`]); verify the
//!   witness ([`db`]), re-execute on revm ([`execute`]), derive outputs, compute the state diff
//!   ([`state_diff`]) and the new state root from it ([`state_root`], anvil's trie rules:
//!   [`ExecutionRules`]).

pub mod commitment;
pub mod pubdata;

pub use commitment::{
    BatchContext, BatchOutputs, CommitmentError, public_input, transaction_root_leaf, transfers,
};
pub use pubdata::{AccountDiff, PubdataError, StateDiff, da_commitment};

pub mod block_context;
pub mod db;
pub mod error;
pub mod execute;
pub mod replay;
pub mod rules;
pub mod state_diff;
pub mod state_proof;
pub mod state_root;
pub mod trie;
pub mod validate;
pub mod witness;

pub use block_context::{L1View, QueuedPriorityRequest, SystemTransaction, system_transactions};
pub use error::{MissingEntry, ValidationError};
pub use rules::ExecutionRules;
pub use state_proof::{AccountProofs, StateProofError, account_proofs};
pub use validate::{ValidatedBatch, check_genesis, validate_batch};
pub use witness::{
    BatchBlocks, Witness, WitnessError, build_witness, execute_unverified, proven_state_root,
};
