//! What an operator is configured with: its endpoints, keys, sealing policy and DA mode.

use alloy::primitives::{Address, B256};
use serde::Serialize;
use std::{path::PathBuf, time::Duration};

/// When to seal a batch.
#[derive(Clone, Debug)]
pub struct SealPolicy {
    /// Seal as soon as this many L2 blocks are pending.
    pub max_blocks: u64,
    /// Seal pending blocks that contain transactions at least this often.
    pub interval: Duration,
    /// Seal even blocks without transactions after this long (keeps the settled state fresh).
    pub idle_interval: Duration,
}

impl Default for SealPolicy {
    fn default() -> Self {
        Self {
            max_blocks: 100,
            interval: Duration::from_millis(300),
            idle_interval: Duration::from_secs(10),
        }
    }
}

/// The chain's DA mode (`ChainConfig.daMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DaMode {
    /// 0: pubdata in calldata, `daCommitment = keccak256(pubdata)`.
    Rollup,
    /// 1: pubdata kept off chain; the DA committee signs its hash.
    Validium,
}

/// Everything one operator needs.
#[derive(Clone, Debug)]
pub struct OperatorConfig {
    /// L1 JSON-RPC.
    pub l1_rpc: String,
    /// The hyperchain's JSON-RPC (anvil; SYSTEM_CALLER is impersonated on it).
    pub l2_rpc: String,
    /// The chain's `ChainSettlement` on L1.
    pub settlement: Address,
    /// Key of the chain's operator (sends commitBatch; pays L1 gas for prove/execute).
    pub operator_key: B256,
    /// The attester services (`hyperchain-attester`) asked to attest each batch, e.g.
    /// `http://127.0.0.1:7001`. The operator holds no attester key.
    pub attesters: Vec<String>,
    /// Validium DA committee keys (ignored in rollup mode).
    pub da_committee_keys: Vec<B256>,
    /// SQLite file; `None` keeps progress in memory.
    pub db_path: Option<PathBuf>,
    /// Batch sealing.
    pub seal: SealPolicy,
    /// How often to poll L1 and L2.
    pub poll_interval: Duration,
}
