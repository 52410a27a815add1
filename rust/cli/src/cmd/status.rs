//! `hyperchain status`: batches, priority requests and messages of every chain.

use crate::{
    common::{DevnetArgs, DevnetFile, connect, output},
    steps::{MessageStatus, network},
};
use alloy::providers::{DynProvider, Provider};
use eyre::eyre;
use hyperchain_bindings::{ChainSettlement, IInbox, predeploys};
use hyperchain_steps::Network;
use serde::Serialize;

/// Per chain: last committed / proven / executed batch, queued priority requests, messages and
/// which of the 7 steps each one is in.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    /// Only this chain.
    #[arg(long)]
    chain: Option<u64>,
    /// Messages shown per chain (newest).
    #[arg(long, default_value_t = 10)]
    messages: usize,
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ChainStatus {
    chain_id: u64,
    rpc_url: String,
    up: bool,
    l2_block: Option<u64>,
    last_committed_batch: u64,
    last_proven_batch: u64,
    last_executed_batch: u64,
    priority_requests: u64,
    priority_executed_on_l2: Option<u64>,
    priority_queued: Option<u64>,
    messages: Vec<MessageStatus>,
    /// Each attester of the devnet: whether it answers and the last batch of this chain it signed.
    attesters: Vec<AttesterStatus>,
    error: Option<String>,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct AttesterStatus {
    url: String,
    address: alloy::primitives::Address,
    healthy: bool,
    last_signed_batch: Option<u64>,
    error: Option<String>,
}

/// `GET /healthz` of every attester of the devnet (what they signed, per chain).
async fn attester_health(
    devnet: &DevnetFile,
) -> Vec<(AttesterStatus, std::collections::BTreeMap<u64, u64>)> {
    let client = reqwest::Client::new();
    let mut out = Vec::new();
    for a in &devnet.attesters {
        let answer =
            hyperchain_attester::api::health(&client, &a.url, std::time::Duration::from_secs(3))
                .await;
        let status = AttesterStatus {
            url: a.url.clone(),
            address: a.address,
            healthy: answer.is_ok(),
            last_signed_batch: None,
            error: answer.as_ref().err().map(|e| e.to_string()),
        };
        out.push((status, answer.map(|h| h.last_signed).unwrap_or_default()));
    }
    out
}

impl StatusArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        let net = network(&devnet).await?;
        let l1 = net.l1.clone();
        let mut out = Vec::new();
        let attesters = attester_health(&devnet).await;
        let chains: Vec<_> = match self.chain {
            Some(id) => vec![devnet.chain(id)?.clone()],
            None => devnet.chains.clone(),
        };
        for chain in chains {
            let s = ChainSettlement::new(chain.settlement, &l1);
            let mut status = ChainStatus {
                chain_id: chain.chain_id,
                rpc_url: chain.rpc_url.clone(),
                up: false,
                l2_block: None,
                last_committed_batch: s.lastCommittedBatch().call().await?,
                last_proven_batch: s.lastProvenBatch().call().await?,
                last_executed_batch: s.lastExecutedBatch().call().await?,
                priority_requests: s.priorityRequestCount().call().await?.saturating_to(),
                priority_executed_on_l2: None,
                priority_queued: None,
                messages: Vec::new(),
                attesters: attesters
                    .iter()
                    .map(|(a, signed)| AttesterStatus {
                        last_signed_batch: signed.get(&chain.chain_id).copied(),
                        ..a.clone()
                    })
                    .collect(),
                error: None,
            };
            let l2 = match &chain.down {
                Some(why) => Err(eyre!("chain {} is down: {why}", chain.chain_id)),
                None => connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await,
            };
            match l2 {
                Err(e) => status.error = Some(format!("{e:#}")),
                Ok(l2) => {
                    status.up = true;
                    if let Err(e) = self.chain_messages(&devnet, &net, &l2, &mut status).await {
                        status.error = Some(format!("{e:#}"));
                    }
                }
            }
            out.push(status);
        }
        let down: Vec<String> =
            out.iter().filter(|c| !c.up).map(|c| c.chain_id.to_string()).collect();
        output(json, &out, |chains| {
            for c in chains {
                println!(
                    "chain {} ({}) {}: L2 block {}, batches committed {} / proven {} / executed {}, priority requests {} ({} waiting)",
                    c.chain_id,
                    c.rpc_url,
                    if c.up { "up" } else { "DOWN" },
                    c.l2_block.map_or("-".into(), |b| b.to_string()),
                    c.last_committed_batch,
                    c.last_proven_batch,
                    c.last_executed_batch,
                    c.priority_requests,
                    c.priority_queued.map_or("?".into(), |q| q.to_string()),
                );
                for a in &c.attesters {
                    println!(
                        "  attester {} ({}) {}: last signed batch {}{}",
                        a.address,
                        a.url,
                        if a.healthy { "up" } else { "DOWN" },
                        a.last_signed_batch.map_or("-".into(), |b| b.to_string()),
                        a.error.as_ref().map_or(String::new(), |e| format!(" ({e})")),
                    );
                }
                for m in &c.messages {
                    println!(
                        "  message {} → chain {} nonce {}: {}",
                        m.track.message_hash,
                        m.track.destination_chain_id,
                        m.track.message.nonce,
                        m.detail
                    );
                }
                if let Some(e) = &c.error {
                    println!("  error: {e}");
                }
            }
            if !down.is_empty() {
                println!("DOWN: chain {}", down.join(", chain "));
            }
        });
        Ok(())
    }

    /// The chain's head, priority queue and newest messages with their step. A message whose
    /// step cannot be read is skipped with its error; the others are still listed.
    async fn chain_messages(
        &self,
        devnet: &DevnetFile,
        net: &Network,
        l2: &DynProvider,
        status: &mut ChainStatus,
    ) -> eyre::Result<()> {
        status.l2_block = Some(l2.get_block_number().await?);
        let done = IInbox::new(predeploys::INBOX, l2).priorityRequestsProcessed().call().await?;
        status.priority_executed_on_l2 = Some(done);
        status.priority_queued = Some(status.priority_requests.saturating_sub(done));
        let sent = hyperchain_steps::outbox_messages(l2, status.chain_id).await?;
        for message in sent.iter().rev().take(self.messages).rev() {
            match MessageStatus::of(devnet, net, message).await {
                Ok(step) => status.messages.push(step),
                Err(e) => status.error = Some(format!("{e:#}")),
            }
        }
        Ok(())
    }
}
