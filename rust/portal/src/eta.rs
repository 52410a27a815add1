//! How long a message's remaining steps should take, from the chains' measured settlement times.

use crate::error::PortalError;
use alloy::{primitives::Address, providers::DynProvider};
use hyperchain_steps::{HyperbridgeStep, Track};
use serde::Serialize;

/// Batches whose L1 execution times are averaged.
const SAMPLE: usize = 8;

/// Seconds between a chain's last executed batches on L1 (`None` with fewer than two).
pub(crate) async fn settle_interval(
    l1: &DynProvider,
    l1_chain_id: u64,
    settlement: Address,
) -> Result<Option<f64>, PortalError> {
    let executed = hyperchain_steps::executed_batches(l1, l1_chain_id, settlement).await?;
    let recent = &executed[executed.len().saturating_sub(SAMPLE)..];
    let (Some(first), Some(last)) = (recent.first(), recent.last()) else { return Ok(None) };
    if recent.len() < 2 {
        return Ok(None);
    }
    let t0 = first.at.clone().resolve(l1).await?.timestamp;
    let t1 = last.at.clone().resolve(l1).await?.timestamp;
    Ok(match (t0, t1) {
        (Some(t0), Some(t1)) => Some(t1.saturating_sub(t0) as f64 / (recent.len() - 1) as f64),
        _ => None,
    })
}

/// The estimate and what it is made of.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Eta {
    /// Seconds until the message's last step (0 when done).
    pub(crate) seconds: f64,
    /// How the number was made.
    pub(crate) basis: String,
}

/// The remaining steps of `track`: one source settlement interval for step 2 (step 3 comes with
/// it), one destination interval for its next root import (step 4) and one for the batch with
/// the delivery (step 7); the relayer's delivery (steps 5–6) is counted as one second.
pub(crate) fn estimate(track: &Track, source: Option<f64>, destination: Option<f64>) -> Eta {
    if track.done() || track.next().is_none() {
        return Eta { seconds: 0.0, basis: "no step left".into() };
    }
    let step = track.step();
    let (src, dst) = (source.unwrap_or(1.0), destination.unwrap_or(1.0));
    let mut seconds = 0.0;
    if step < HyperbridgeStep::SourceBatchSettled {
        seconds += src;
    }
    if !track.withdrawal {
        if step < HyperbridgeStep::ImportedByDestination {
            seconds += dst;
        }
        if step < HyperbridgeStep::Executed {
            seconds += 1.0;
        }
        if step < HyperbridgeStep::DestinationBatchSettled {
            seconds += dst;
        }
    }
    let show = |v: Option<f64>| v.map_or("unmeasured, 1 s assumed".into(), |s| format!("{s:.1} s"));
    Eta {
        seconds,
        basis: format!(
            "measured settlement interval: source chain {} ({}), destination {}; relayer delivery 1 s",
            track.source_chain_id,
            show(source),
            if track.withdrawal { "L1 (claim by hand)".into() } else { show(destination) },
        ),
    }
}
