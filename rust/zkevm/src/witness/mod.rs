//! The witness of a batch: everything the validity program reads besides the batch's blocks.
//! [`build`] asks a node for it.

use alloy::{
    primitives::{B256, Bytes},
    rpc::types::{Block, EIP1186AccountProofResponse},
};
use hyperchain_bindings::predeploys;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod build;

pub use build::{
    MAX_DISCOVERY_ROUNDS, WitnessError, build_witness, execute_unverified, missing_entries,
    proven_state_root,
};

/// The system contracts the witness of a chain's first batch always proves (the accounts
/// `ChainFactory.predeployCodes` lists: `Predeploys.systemContracts()`).
pub const GENESIS_CHECKED: [alloy::primitives::Address; 5] = [
    predeploys::OUTBOX,
    predeploys::INBOX,
    predeploys::ASSET_ROUTER,
    predeploys::ETH_LIQUIDITY,
    predeploys::STATE_READER,
];

/// The blocks of one batch, with their full transactions, as the node returned them.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchBlocks {
    /// Consecutive blocks, oldest first.
    pub blocks: Vec<Block>,
}

/// Everything the validity program reads besides the batch's blocks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Witness {
    /// State root before the batch (the previous block's state root).
    pub prev_state_root: B256,
    /// Account proofs (with storage proofs of the touched slots) against `prev_state_root`.
    pub accounts: Vec<EIP1186AccountProofResponse>,
    /// Code of the touched contracts, keyed by code hash.
    pub codes: BTreeMap<B256, Bytes>,
    /// Hashes of earlier blocks, by number (for `BLOCKHASH`).
    pub block_hashes: BTreeMap<u64, B256>,
}
