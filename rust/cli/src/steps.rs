//! A message on the devnet: its 7 steps from public chain data (`hyperchain-steps`), plus what
//! the devnet knows besides — a destination that is down, the relayer's reason for holding it —
//! and how `send --wait`, `withdraw` and `status` print them.

use crate::{common::DevnetFile, relayer_api::RelayerView};
use hyperchain_steps::{Chain, HyperbridgeStep, Network, Reached, Sent, Track};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The devnet as a [`Network`]: a chain `up` reports down, or whose RPC does not answer, is
/// unreachable.
pub(crate) async fn network(devnet: &DevnetFile) -> eyre::Result<Network> {
    let l1 = crate::common::connect(&devnet.l1.rpc_url, "L1", None).await?;
    let mut chains = Vec::with_capacity(devnet.chains.len());
    for c in &devnet.chains {
        let rpc = match &c.down {
            Some(why) => Err(why.clone()),
            None => crate::common::connect(&c.rpc_url, &format!("chain {}", c.chain_id), None)
                .await
                .map_err(|e| format!("{e:#}")),
        };
        chains.push(Chain { chain_id: c.chain_id, settlement: c.settlement, rpc });
    }
    Ok(Network {
        l1,
        l1_chain_id: devnet.l1.chain_id,
        transaction_root: devnet.contracts.transaction_root,
        shared_bridge: devnet.contracts.shared_bridge,
        chains,
    })
}

/// A message's steps and what holds it up.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageStatus {
    #[serde(flatten)]
    pub(crate) track: Track,
    /// The last step reached, 1..=7.
    pub(crate) step: HyperbridgeStep,
    /// Where it is, for humans: the step reached and what it waits for.
    pub(crate) detail: String,
    /// Why the destination hyperchain is unreachable (down), if it is.
    pub(crate) destination_down: Option<String>,
    /// The devnet relayer's view of a message between hyperchains.
    pub(crate) relayer: Option<RelayerView>,
}

impl MessageStatus {
    pub(crate) async fn of(devnet: &DevnetFile, net: &Network, sent: &Sent) -> eyre::Result<Self> {
        let track = hyperchain_steps::track(net, sent).await?;
        let relayer = if track.withdrawal || track.step() >= HyperbridgeStep::Executed {
            None
        } else {
            Some(RelayerView::of(devnet, track.message_hash).await)
        };
        let destination_down = track
            .destination_unreachable
            .clone()
            .or_else(|| devnet.chain(track.destination_chain_id).ok().and_then(|c| c.down.clone()));
        let mut status =
            Self { step: track.step(), detail: String::new(), track, destination_down, relayer };
        status.detail = status.describe();
        Ok(status)
    }

    /// The relayer's reason for not delivering it, while it is not delivered.
    pub(crate) fn held_reason(&self) -> Option<String> {
        self.relayer.as_ref().and_then(RelayerView::held_reason)
    }

    fn describe(&self) -> String {
        let t = &self.track;
        let mut line = format!("{}", self.step);
        if let Some(last) = t.reached.last() {
            line.push_str(&format!(": {}", last.detail));
        }
        match (t.withdrawal, &t.finalized, t.next()) {
            (true, Some(at), _) => line.push_str(&format!("; finalized on L1 (tx {})", at.tx)),
            (true, None, None) => line.push_str(
                "; ready to finalize on L1 (`hyperchain withdraw --finalize`, or `hyperchain proof`)",
            ),
            (_, _, Some(next)) => {
                line.push_str(&format!("; next: {next}"));
                if next == HyperbridgeStep::SourceBatchSettled
                    && let Some(batch) = t.source_batch
                {
                    line.push_str(&format!(" (batch {batch} committed)"));
                }
                if next == HyperbridgeStep::Relayed
                    && let Some(relayer) = &self.relayer
                    && self.held_reason().is_none()
                {
                    line.push_str(&format!(" ({})", relayer.waiting_detail()));
                }
            }
            (false, _, None) => line.push_str("; done"),
        }
        if let Some(why) = &self.destination_down {
            line.push_str(&format!(
                "; destination chain {} is DOWN ({why}): the message will be delivered when it is back",
                t.destination_chain_id
            ));
        }
        if let Some(reason) = self.held_reason() {
            line.push_str(&format!("; held: {reason}"));
        }
        line
    }
}

/// One step as `send --wait` prints it: when it was seen, counted from the send.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Shown {
    #[serde(flatten)]
    pub(crate) reached: Reached,
    pub(crate) elapsed_ms: u128,
}

impl Shown {
    fn print(&self, l1_chain_id: u64) {
        let r = &self.reached;
        let chain = match r.at.chain_id {
            id if id == l1_chain_id => "L1".to_string(),
            id => format!("chain {id}"),
        };
        eprintln!(
            "{}: {} ({chain} tx {}, block {}, +{} ms)",
            r.step, r.detail, r.at.tx, r.at.block, self.elapsed_ms
        );
    }
}

/// How waiting for a message ended.
pub(crate) enum Waited {
    /// It reached the last step it waits for (step 7; step 2 for a withdrawal).
    Reached(MessageStatus),
    /// The relayer holds it (its reason is in the status).
    Held(MessageStatus),
    /// Its destination chain is down; it is sent and will be delivered when the chain is back.
    DestinationDown(MessageStatus),
}

impl Waited {
    pub(crate) fn status(&self) -> &MessageStatus {
        match self {
            Self::Reached(s) | Self::Held(s) | Self::DestinationDown(s) => s,
        }
    }
}

/// Prints each step `sent` reaches exactly once, in order, on stderr (number, words, transaction,
/// time since `started`), until its last step (`until`), the relayer holds it, or its destination
/// is down. Returns how it ended and every step shown.
pub(crate) async fn wait_for(
    devnet: &DevnetFile,
    sent: &Sent,
    until: HyperbridgeStep,
    started: Instant,
) -> eyre::Result<(Waited, Vec<Shown>)> {
    let net = network(devnet).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut shown: Vec<Shown> = Vec::new();
    loop {
        let status = MessageStatus::of(devnet, &net, sent).await?;
        for reached in status.track.reached.iter().skip(shown.len()) {
            let s = Shown { reached: reached.clone(), elapsed_ms: started.elapsed().as_millis() };
            s.print(devnet.l1.chain_id);
            shown.push(s);
        }
        if status.step >= until {
            return Ok((Waited::Reached(status), shown));
        }
        if status.destination_down.is_some() {
            return Ok((Waited::DestinationDown(status), shown));
        }
        if status.held_reason().is_some() {
            return Ok((Waited::Held(status), shown));
        }
        if Instant::now() > deadline {
            eyre::bail!("message {} still at {}", status.track.message_hash, status.detail);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
