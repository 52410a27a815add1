//! The zkevm crate against the real contracts on anvil.

#[path = "../../../bindings/tests/it/harness.rs"]
mod harness;

mod block_context;
mod commitment;
mod replay;
mod state_property;
mod state_vectors;
mod validate;
