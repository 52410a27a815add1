//! `hyperchain bench`: measures a running devnet (`hyperchain up`) end to end and prints one
//! table (or `--json`). Every figure comes from this run: wall-clock times observed by this
//! process and `gasUsed` of the receipts the run produced.

use crate::common::{DevnetArgs, DevnetFile, connect, output};
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use eyre::{Context, bail, eyre};
use hyperchain_bindings::{IChainSettlement, IInbox, IOutbox, interop_address, predeploys};
use serde::Serialize;
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

/// Dev accounts the bench sends from (0 deploys, 1–2 operate, 5 is the CLI's default user, 8
/// relays, 9 is the validium DA committee): separate senders keep nonces independent.
const SENDERS: [usize; 4] = [3, 4, 6, 7];

/// Measure latency, gas and end-to-end throughput on a running devnet.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// Messages for the latency figure, sent one every `--interval` ms from the first to the
    /// second hyperchain.
    #[arg(long, default_value_t = 200)]
    messages: usize,
    /// Spacing of the latency messages, in milliseconds.
    #[arg(long, default_value_t = 20)]
    interval: u64,
    /// Messages sent as fast as possible for the relayer throughput figure.
    #[arg(long, default_value_t = 1000)]
    burst: usize,
    /// Give up waiting for deliveries after this many seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    #[command(flatten)]
    devnet: DevnetArgs,
}

/// The benchmark table; keys are the ones the README reports.
#[derive(Debug, Serialize)]
pub(crate) struct BenchReport {
    /// send on A → `MessageRelayed` seen on B, median over `messages`.
    latency_ms_p50: f64,
    /// Same, 99th percentile.
    latency_ms_p99: f64,
    /// Mean L1 gas (all settlement transactions of the run) per executed batch.
    l1_gas_per_batch: f64,
    /// Mean destination gas per relayed message (relay transactions of the run / messages they
    /// delivered); recipients are EOAs receiving 0 ETH, so almost no recipient work.
    relay_gas_per_message: f64,
    /// Mean gas of a bare `sendMessage` transaction (no value, no fee, empty payload).
    send_gas: f64,
    /// Burst of `burst` messages: burst size / (last delivery seen − last send mined). It
    /// includes sealing, settling and importing the source batches, so it measures the whole
    /// pipeline, not the relayer alone (the relayer's own bench reports `relayer_msgs_per_s`).
    burst_msgs_per_s: f64,
    /// `hyperchain up` start → ready, as recorded by `up` in the devnet file.
    up_seconds: f64,
    /// Per batch signed during the run: the time until the verifier's k-th attester had signed
    /// it (each attester's request → signature: L1 reads, blocks and witness from the chain's
    /// RPC, re-execution, signing), median over batches.
    attest_ms_p50: f64,
    /// Same, 99th percentile.
    attest_ms_p99: f64,
    /// Batches with k signatures in the run (both chains).
    attested_batches: usize,
    /// Messages measured for latency and in the burst.
    messages: usize,
    burst: usize,
    /// Batches executed on L1 during the run, both chains.
    batches: u64,
    /// Execution gas of `StateReader.readStorage` of one slot on the second chain, reading the
    /// first chain's state at a settled batch (`hyperchain demo view`'s call, traced with
    /// `debug_traceCall`: what the reader's call frame spent), at the devnet's own trie depth.
    view_gas_1_slot: u64,
    /// Same, 8 slots of one account.
    view_gas_8_slots: u64,
    /// Those transactions' whole `gasUsed`: 21,000, calldata (or the EIP-7623 floor) and
    /// execution.
    view_tx_gas_1_slot: u64,
    /// Same, 8 slots.
    view_tx_gas_8_slots: u64,
    /// Nodes of the account proof in those reads (the depth of the first chain's state trie).
    view_account_proof_nodes: usize,
}

struct Sent {
    hash: B256,
    tx: B256,
    sent_at: Instant,
}

impl BenchArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        if devnet.chains.len() < 2 {
            bail!("the bench needs two hyperchains (start with `hyperchain up --chains 2`)");
        }
        if devnet.relayer.is_none() {
            bail!("the devnet runs no relayer: start it without --no-relayer");
        }
        let (a, b) = (&devnet.chains[0], &devnet.chains[1]);
        let l1 = connect(&devnet.l1.rpc_url, "L1", None).await?;
        let dst = connect(&b.rpc_url, &format!("chain {}", b.chain_id), None).await?;
        let mut senders = Vec::new();
        for &i in &SENDERS {
            let account = devnet.accounts.get(i).ok_or_else(|| eyre!("no dev account {i}"))?;
            let signer = PrivateKeySigner::from_bytes(&account.private_key)?;
            let provider = ProviderBuilder::new()
                .wallet(EthereumWallet::from(signer))
                .connect_http(a.rpc_url.parse()?)
                .erased();
            let nonce = provider.get_transaction_count(account.address).await?;
            senders.push((provider, account.address, nonce));
        }
        let l1_start = l1.get_block_number().await?;
        let started_ms = unix_ms();
        let dst_start = dst.get_block_number().await?;
        let recipient = Address::repeat_byte(0xbe);
        let call = IOutbox::sendMessageCall {
            recipient: interop_address(U256::from(b.chain_id), recipient),
            payload: Bytes::new(),
            attributes: vec![],
        }
        .abi_encode();

        // Latency: spaced messages, each timed from submission to delivery seen on B.
        tracing::info!(messages = self.messages, "latency run");
        let mut watcher = Watcher::new(dst.clone(), dst_start);
        let mut latency_sent = Vec::with_capacity(self.messages);
        for i in 0..self.messages {
            let (provider, from, nonce) = &mut senders[i % SENDERS.len()];
            latency_sent.push(send(provider, *from, nonce, &call).await?);
            watcher.poll().await?;
            tokio::time::sleep(Duration::from_millis(self.interval)).await;
        }
        let latency_sent = resolve(&senders[0].0, latency_sent).await?;
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        watcher.wait_all(&latency_sent, deadline).await?;
        let mut latencies: Vec<f64> = latency_sent
            .iter()
            .map(|s| watcher.seen[&s.hash].saturating_duration_since(s.sent_at).as_secs_f64() * 1e3)
            .collect();
        latencies.sort_by(f64::total_cmp);

        // Throughput: a burst from all senders at once.
        tracing::info!(burst = self.burst, "throughput run");
        let mut pending = Vec::with_capacity(self.burst);
        for i in 0..self.burst {
            let (provider, from, nonce) = &mut senders[i % SENDERS.len()];
            pending.push(send(provider, *from, nonce, &call).await?);
        }
        let burst_sent = resolve(&senders[0].0, pending).await?;
        let last_mined = Instant::now();
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        watcher.wait_all(&burst_sent, deadline).await?;
        let last_seen =
            burst_sent.iter().map(|s| watcher.seen[&s.hash]).max().unwrap_or(last_mined);
        let burst_secs = last_seen.saturating_duration_since(last_mined).as_secs_f64().max(1e-3);

        // Gas from the receipts of this run.
        let all_sent: Vec<&Sent> = latency_sent.iter().chain(&burst_sent).collect();
        let send_gas = mean_gas(&senders[0].0, all_sent.iter().map(|s| s.tx)).await?;
        let relay_txs: HashSet<B256> = watcher.relay_txs.iter().copied().collect();
        let relay_total = total_gas(&dst, relay_txs.iter().copied()).await?;
        let relay_gas_per_message = relay_total as f64 / watcher.seen.len().max(1) as f64;
        let (l1_gas, batches) =
            settlement_gas(&l1, l1_start, &[a.settlement, b.settlement]).await?;

        let attest_ms = attestation_times(&devnet, &l1, started_ms).await?;

        tracing::info!("cross-chain view gas");
        let devnet_path =
            self.devnet.path.clone().unwrap_or_else(crate::common::default_devnet_path);
        let view = super::demo::ViewArgs::with_defaults(&devnet_path)?
            .run(|line| tracing::info!("{line}"))
            .await
            .wrap_err("the cross-chain view (demo view) for view_gas_*")?;

        let report = BenchReport {
            latency_ms_p50: percentile(&latencies, 0.50),
            latency_ms_p99: percentile(&latencies, 0.99),
            l1_gas_per_batch: if batches == 0 { 0.0 } else { l1_gas as f64 / batches as f64 },
            relay_gas_per_message,
            send_gas,
            burst_msgs_per_s: self.burst as f64 / burst_secs,
            up_seconds: devnet.ready_ms as f64 / 1e3,
            attest_ms_p50: percentile(&attest_ms, 0.50),
            attest_ms_p99: percentile(&attest_ms, 0.99),
            attested_batches: attest_ms.len(),
            messages: self.messages,
            burst: self.burst,
            batches,
            view_gas_1_slot: view.view_gas_1_slot,
            view_gas_8_slots: view.view_gas_8_slots,
            view_tx_gas_1_slot: view.view_tx_gas_1_slot,
            view_tx_gas_8_slots: view.view_tx_gas_8_slots,
            view_account_proof_nodes: view.account_proof_nodes,
        };
        output(json, &report, |r| {
            println!("| metric | value |\n|---|---|");
            println!("| latency_ms_p50 (send on A → executed on B) | {:.0} |", r.latency_ms_p50);
            println!("| latency_ms_p99 | {:.0} |", r.latency_ms_p99);
            println!("| l1_gas_per_batch ({} batches) | {:.0} |", r.batches, r.l1_gas_per_batch);
            println!("| relay_gas_per_message | {:.0} |", r.relay_gas_per_message);
            println!("| send_gas | {:.0} |", r.send_gas);
            println!(
                "| burst_msgs_per_s (burst of {}, end to end) | {:.0} |",
                r.burst, r.burst_msgs_per_s
            );
            println!("| up_seconds (L1 + 2 chains) | {:.2} |", r.up_seconds);
            println!(
                "| attest_ms_p50 / p99 (k-th attester signed, {} batches) | {:.0} / {:.0} |",
                r.attested_batches, r.attest_ms_p50, r.attest_ms_p99
            );
            println!(
                "| view_gas_1_slot / view_gas_8_slots (readStorage execution, {} account proof nodes; {} / {} with calldata) | {} / {} |",
                r.view_account_proof_nodes,
                r.view_tx_gas_1_slot,
                r.view_tx_gas_8_slots,
                r.view_gas_1_slot,
                r.view_gas_8_slots
            );
        });
        Ok(())
    }
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// For each batch the devnet's attesters signed since `since_ms`: the `threshold`-th smallest of
/// their times (when the operator, asking all in parallel, had enough), ascending.
async fn attestation_times(
    devnet: &DevnetFile,
    l1: &DynProvider,
    since_ms: u64,
) -> eyre::Result<Vec<f64>> {
    if devnet.attesters.is_empty() {
        bail!("the devnet lists no attesters");
    }
    let threshold: usize =
        hyperchain_bindings::AttestationVerifier::new(devnet.contracts.verifier, l1)
            .threshold()
            .call()
            .await?
            .saturating_to();
    let client = reqwest::Client::new();
    let mut per_batch: HashMap<(u64, u64), Vec<u64>> = HashMap::new();
    for a in &devnet.attesters {
        let signed = hyperchain_attester::api::signed_since(
            &client,
            &a.url,
            since_ms,
            Duration::from_secs(10),
        )
        .await
        .map_err(|e| eyre!("attester {}: {e}", a.url))?;
        for r in signed {
            per_batch.entry((r.chain_id, r.batch_number)).or_default().push(r.validation_ms);
        }
    }
    let mut times: Vec<f64> = per_batch
        .into_values()
        .filter_map(|mut ms| {
            ms.sort_unstable();
            ms.get(threshold.max(1) - 1).map(|&t| t as f64)
        })
        .collect();
    if times.is_empty() {
        bail!("no batch got {threshold} attester signatures during the run");
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}

/// Signs and submits one `sendMessage`; the hash is filled in by [`resolve`].
async fn send(
    provider: &DynProvider,
    from: Address,
    nonce: &mut u64,
    call: &[u8],
) -> eyre::Result<(B256, Instant)> {
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(predeploys::OUTBOX)
        .with_input(call.to_vec())
        .with_nonce(*nonce)
        .with_gas_limit(200_000)
        .with_max_fee_per_gas(20_000_000_000)
        .with_max_priority_fee_per_gas(1_000_000);
    let sent_at = Instant::now();
    let pending = provider.send_transaction(tx).await.wrap_err("send sendMessage")?;
    *nonce += 1;
    Ok((*pending.tx_hash(), sent_at))
}

/// Waits for every send's receipt and reads its message hash from `MessageQueued`.
async fn resolve(provider: &DynProvider, sent: Vec<(B256, Instant)>) -> eyre::Result<Vec<Sent>> {
    let mut out = Vec::with_capacity(sent.len());
    for (tx, sent_at) in sent {
        let receipt = loop {
            if let Some(r) = provider.get_transaction_receipt(tx).await? {
                break r;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        if !receipt.status() {
            bail!("sendMessage {tx} reverted");
        }
        let hash = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| l.log_decode::<IOutbox::MessageQueued>().ok())
            .map(|e| e.inner.data.messageHash)
            .ok_or_else(|| eyre!("sendMessage {tx} emitted no MessageQueued"))?;
        out.push(Sent { hash, tx, sent_at });
    }
    Ok(out)
}

/// Follows `MessageRelayed` on the destination, recording when each message was first seen.
struct Watcher {
    provider: DynProvider,
    next_block: u64,
    seen: HashMap<B256, Instant>,
    relay_txs: Vec<B256>,
}

impl Watcher {
    fn new(provider: DynProvider, from_block: u64) -> Self {
        Self { provider, next_block: from_block + 1, seen: HashMap::new(), relay_txs: Vec::new() }
    }

    async fn poll(&mut self) -> eyre::Result<()> {
        let head = self.provider.get_block_number().await?;
        if head < self.next_block {
            return Ok(());
        }
        let filter = Filter::new()
            .address(predeploys::INBOX)
            .event_signature(IInbox::MessageRelayed::SIGNATURE_HASH)
            .from_block(self.next_block)
            .to_block(head);
        let now = Instant::now();
        for log in self.provider.get_logs(&filter).await? {
            let event = log.log_decode::<IInbox::MessageRelayed>()?;
            self.seen.entry(event.inner.data.messageHash).or_insert(now);
            if let Some(tx) = log.transaction_hash {
                self.relay_txs.push(tx);
            }
        }
        self.next_block = head + 1;
        Ok(())
    }

    async fn wait_all(&mut self, sent: &[Sent], deadline: Instant) -> eyre::Result<()> {
        loop {
            self.poll().await?;
            let missing = sent.iter().filter(|s| !self.seen.contains_key(&s.hash)).count();
            if missing == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("{missing} of {} messages not delivered in time", sent.len());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

async fn total_gas(provider: &DynProvider, txs: impl Iterator<Item = B256>) -> eyre::Result<u64> {
    let mut total = 0;
    for tx in txs {
        let receipt = provider
            .get_transaction_receipt(tx)
            .await?
            .ok_or_else(|| eyre!("no receipt for {tx}"))?;
        total += receipt.gas_used;
    }
    Ok(total)
}

async fn mean_gas(provider: &DynProvider, txs: impl Iterator<Item = B256>) -> eyre::Result<f64> {
    let txs: Vec<B256> = txs.collect();
    let n = txs.len().max(1) as f64;
    Ok(total_gas(provider, txs.into_iter()).await? as f64 / n)
}

/// Gas of every L1 transaction to the settlements since `from_block`, and the batches executed.
async fn settlement_gas(
    l1: &DynProvider,
    from_block: u64,
    settlements: &[Address],
) -> eyre::Result<(u64, u64)> {
    let head = l1.get_block_number().await?;
    let filter = Filter::new()
        .address(settlements.to_vec())
        .event_signature(IChainSettlement::BatchExecuted::SIGNATURE_HASH)
        .from_block(from_block + 1)
        .to_block(head);
    let batches = l1.get_logs(&filter).await?.len() as u64;
    let mut gas = 0;
    for number in from_block + 1..=head {
        let Some(receipts) = l1.get_block_receipts(number.into()).await? else { continue };
        gas += receipts
            .iter()
            .filter(|r| r.to.is_some_and(|to| settlements.contains(&to)))
            .map(|r| r.gas_used)
            .sum::<u64>();
    }
    Ok((gas, batches))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_pick_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 51.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
