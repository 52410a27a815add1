//! The validity program of a hyperchain batch and its outputs.
//!
//! - [`commitment`]: pure functions from a batch's L2 logs to its outputs (outbound messages,
//!   messages root, imported Transaction Roots, cumulative priority operations, transfers), the
//!   `CommitBatchInfo` and the public input, byte-identical to `BatchHashing`.
//! - [`pubdata`]: the rollup state-diff pubdata and its DA commitment.

pub mod commitment;
pub mod pubdata;

pub use commitment::{
    BatchContext, BatchOutputs, CommitmentError, public_input, transaction_root_leaf, transfers,
};
pub use pubdata::{AccountDiff, PubdataError, StateDiff, da_commitment};
