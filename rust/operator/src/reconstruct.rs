//! `reconstruct`: a rollup hyperchain's state rebuilt from L1 data alone — its genesis and the
//! state-diff pubdata of every committed batch (the `daInput` of `commitBatch`; plain or
//! compressed, which decodes against the state rebuilt so far) — and checked against the state
//! root L1 settled.

use crate::{BoxError, OperatorError, batch::committed_batches};
use alloy::{
    primitives::{Address, B256},
    providers::DynProvider,
};
use hyperchain_bindings::ChainSettlement;
use hyperchain_zkevm::{ExecutionRules, StateDiff, replay::ReplayedState};
use serde::Serialize;

/// The outcome of a reconstruction.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconstruction {
    /// Root of the genesis alone (must equal L1's `stateRoot(0)`).
    pub genesis_root: B256,
    /// L1's `stateRoot(0)`.
    pub l1_genesis_root: B256,
    /// Batches replayed (1..=this).
    pub batches: u64,
    /// Accounts in the rebuilt state.
    pub accounts: usize,
    /// Root of the rebuilt state.
    pub state_root: B256,
    /// What L1 has for the last replayed batch.
    pub l1_state_root: B256,
    /// Whether they agree.
    pub matches: bool,
}

fn failed<E: Into<BoxError>>(what: impl Into<String>) -> impl FnOnce(E) -> OperatorError {
    move |e| OperatorError::Reconstruct { what: what.into(), source: e.into() }
}

/// Rebuilds the state of the chain settled by `settlement` from `genesis` (the anvil `--init`
/// JSON) and the pubdata of its committed batches, up to L1's last committed batch.
pub async fn reconstruct(
    l1: &DynProvider,
    settlement: Address,
    genesis: &serde_json::Value,
) -> Result<Reconstruction, OperatorError> {
    let mut state = ReplayedState::from_genesis(genesis).map_err(failed("genesis"))?;
    let genesis_root = state.root(&ExecutionRules::ANVIL).map_err(failed("genesis state root"))?;
    let contract = ChainSettlement::new(settlement, l1.clone());
    let last = contract.lastCommittedBatch().call().await.map_err(failed("lastCommittedBatch"))?;
    let committed = committed_batches(l1, settlement).await?;
    for n in 1..=last {
        let data = &committed
            .get(&n)
            .ok_or_else(|| {
                OperatorError::Inconsistent(format!(
                    "reconstruct: no commitBatch/settleBatch calldata for batch {n}"
                ))
            })?
            .da_input;
        let diff = StateDiff::decode_against(data, &state)
            .map_err(failed(format!("batch {n} pubdata (is the chain a validium?)")))?;
        state.apply(&diff);
    }

    let state_root = state.root(&ExecutionRules::ANVIL).map_err(failed("state root"))?;
    let l1_state_root =
        contract.stateRoot(last).call().await.map_err(failed(format!("stateRoot({last})")))?;
    let l1_genesis_root = contract.stateRoot(0).call().await.map_err(failed("stateRoot(0)"))?;
    Ok(Reconstruction {
        genesis_root,
        l1_genesis_root,
        batches: last,
        accounts: state.accounts.len(),
        state_root,
        l1_state_root,
        matches: state_root == l1_state_root,
    })
}
