//! The witness of a batch: everything the validity program reads besides the batch's blocks.
//! [`build`] asks a node for it.

use alloy::{
    consensus::Header,
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
    /// The headers before the batch, oldest first, ending with the previous batch's last block:
    /// at most the 256 `BLOCKHASH` can read, at least that one (its timestamp and base fee bound
    /// the batch's first block). The validity program verifies them backwards from the last block
    /// hash L1 holds.
    pub ancestors: Vec<Header>,
}
