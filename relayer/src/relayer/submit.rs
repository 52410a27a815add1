//! Per destination, the **submitter**: claims ready messages, builds their proofs (→ `proof_built`),
//! applies the fee policy (→ `held`), simulates `relayBatch` (→ `simulated`, or per message
//! `retrying` with backoff), signs one `relayBatch` transaction, persists it with its messages
//! (→ `submitted`) and only then broadcasts it. A message that failed before (simulation or an
//! on-chain revert) is delivered in a transaction of its own.

use super::{Chain, Relayer, RelayerError, Result, rpc};
use crate::{
    abi::{self, IInbox, ITransactionRoot, Message, RelayProof},
    config::FeePolicyKind,
    db::{MessageRow, SubmissionRow, now_ms},
    metrics::rpc_error,
    state::MessageState,
};
use alloy::{
    eips::Encodable2718,
    network::{NetworkTransactionBuilder, TransactionBuilder},
    primitives::{B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use futures::{StreamExt, stream};
use std::{collections::HashSet, sync::Arc};
use tracing::{debug, warn};

impl Relayer {
    pub(super) async fn submit_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.submit_once(&chain).await {
                Ok(submitted) => {
                    self.health.beat(&format!("submit:{}", chain.name()));
                    if submitted == 0 {
                        tokio::time::sleep(self.interval()).await;
                    }
                }
                Err(e) => {
                    warn!(chain = chain.name(), error = %e, "delivery failed");
                    tokio::time::sleep(self.interval()).await;
                }
            }
        }
    }

    /// One delivery round for `chain` as destination; returns messages submitted.
    pub(super) async fn submit_once(&self, chain: &Chain) -> Result<usize> {
        let poll = &self.config.poll;
        let claimed = self
            .store
            .claim_ready(chain.id(), &self.instance, poll.max_batch, poll.lease_ms)
            .await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        // proof_built
        let mut ready: Vec<(MessageRow, RelayProof)> = Vec::new();
        let mut stale_root = Vec::new();
        let mut proofs_json = Vec::new();
        for m in claimed {
            match self.build_proof(&m).await {
                Ok(p) => {
                    proofs_json.push((m.hash, serde_json::to_string(&p).unwrap_or_default()));
                    ready.push((m, p));
                }
                Err(e @ (RelayerError::Inconsistent(_) | RelayerError::Proof { .. })) => {
                    let why = e.to_string();
                    warn!(chain = chain.name(), message = %m.hash, why, "cannot prove; waiting for a new root");
                    stale_root.push(m.hash);
                }
                Err(e) => return Err(e),
            }
        }
        if !stale_root.is_empty() {
            self.store.reset_root(&stale_root, "proof could not be built").await?;
        }
        self.store.set_proofs(&self.instance, &proofs_json).await?;
        if ready.is_empty() {
            return Ok(0);
        }
        // The root must still be a Transaction Root on L1 (reorg since it was indexed).
        let roots: HashSet<B256> = ready.iter().filter_map(|(m, _)| m.root).collect();
        let tr = ITransactionRoot::new(self.config.l1.transaction_root, &self.l1);
        for root in roots {
            let alive =
                tr.isTransactionRoot(root).call().await.map_err(rpc("l1", "isTransactionRoot"))?;
            if !alive {
                let hit: Vec<B256> = ready
                    .iter()
                    .filter(|(m, _)| m.root == Some(root))
                    .map(|(m, _)| m.hash)
                    .collect();
                warn!(%root, messages = hit.len(), "Transaction Root vanished from L1; not used");
                self.store.reset_root(&hit, "Transaction Root no longer on L1 (reorg)").await?;
                ready.retain(|(m, _)| m.root != Some(root));
            }
        }
        // Fee policy: minimum fee.
        let fee = &self.config.fee;
        let (held, keep): (Vec<_>, Vec<_>) =
            ready.into_iter().partition(|(m, _)| m.message.fee < fee.min_fee);
        for (m, _) in &held {
            let reason = format!("fee {} wei is below min_fee {} wei", m.message.fee, fee.min_fee);
            self.store
                .set_claimed_state(&self.instance, &[m.hash], MessageState::Held, Some(&reason))
                .await?;
        }
        // A message that failed before (a reverted delivery or simulation) is delivered alone: a
        // message that passes simulation and reverts on chain cannot take a batch down again,
        // and its attempts and backoff are its own.
        let (retried, mut ready): (Vec<_>, Vec<_>) =
            keep.into_iter().partition(|(m, _)| m.attempts > 0);
        let gas_price = if fee.policy == FeePolicyKind::CoverGas {
            Some(chain.provider.get_gas_price().await.map_err(rpc(chain.name(), "eth_gasPrice"))?)
        } else {
            None
        };
        let mut submitted = 0;
        for one in self.simulate_each(chain, retried, gas_price).await? {
            self.store
                .set_claimed_state(&self.instance, &[one.0.hash], MessageState::Simulated, None)
                .await?;
            submitted += self.submit(chain, vec![one], None).await?;
        }
        let inbox = IInbox::new(abi::INBOX, &chain.provider);
        // Simulate the whole batch; on failure (or to price each message) simulate one by one.
        let batch_estimate = if ready.is_empty() || gas_price.is_some() {
            None
        } else {
            let (msgs, proofs): (Vec<_>, Vec<_>) =
                ready.iter().cloned().map(|(m, p)| (m.message, p)).unzip();
            inbox.relayBatch(msgs, proofs).from(chain.address).estimate_gas().await.ok()
        };
        if batch_estimate.is_none() && !ready.is_empty() {
            ready = self.simulate_each(chain, ready, gas_price).await?;
        }
        if ready.is_empty() {
            return Ok(submitted);
        }
        let hashes: Vec<B256> = ready.iter().map(|(m, _)| m.hash).collect();
        self.store
            .set_claimed_state(&self.instance, &hashes, MessageState::Simulated, None)
            .await?;
        Ok(submitted + self.submit(chain, ready, batch_estimate).await?)
    }

    /// Simulates `relay` for each message; returns those that pass (and whose fee covers their
    /// gas under `cover-gas`), and records why the others are not delivered.
    pub(super) async fn simulate_each(
        &self,
        chain: &Chain,
        ready: Vec<(MessageRow, RelayProof)>,
        gas_price: Option<u128>,
    ) -> Result<Vec<(MessageRow, RelayProof)>> {
        let inbox = IInbox::new(abi::INBOX, &chain.provider);
        let results: Vec<_> = stream::iter(ready)
            .map(|(m, p)| {
                let inbox = inbox.clone();
                async move {
                    let r = inbox
                        .relay(m.message.clone(), p.clone())
                        .from(chain.address)
                        .estimate_gas()
                        .await;
                    (m, p, r)
                }
            })
            .buffered(16)
            .collect()
            .await;
        let mut pass = Vec::new();
        let mut already = Vec::new();
        let mut stale = Vec::new();
        for (m, p, r) in results {
            match r {
                Ok(gas) => {
                    if let Some(price) = gas_price {
                        let cost = U256::from(gas) * U256::from(price);
                        let needed = scale(cost, self.config.fee.gas_multiplier)
                            .max(self.config.fee.min_fee);
                        if m.message.fee < needed {
                            let reason = format!(
                                "fee {} wei does not cover delivery: {gas} gas × {price} wei × {} = {needed} wei",
                                m.message.fee, self.config.fee.gas_multiplier
                            );
                            self.store
                                .set_claimed_state(
                                    &self.instance,
                                    &[m.hash],
                                    MessageState::Held,
                                    Some(&reason),
                                )
                                .await?;
                            continue;
                        }
                    }
                    pass.push((m, p));
                }
                Err(e) => match e.as_decoded_interface_error::<IInbox::IInboxErrors>() {
                    Some(IInbox::IInboxErrors::AlreadyDelivered(_)) => already.push(m.hash),
                    Some(IInbox::IInboxErrors::UnknownTransactionRoot(_)) => stale.push(m.hash),
                    _ => {
                        // Named with the contracts' custom errors (the recipient's revert is
                        // bubbled through the inbox), e.g. `InvalidRecipientResponse(0x…)`.
                        let reason = match e.as_revert_data() {
                            Some(data) => {
                                format!("simulation reverted: {}", abi::decode_revert_data(&data))
                            }
                            None => {
                                rpc_error(chain.name());
                                format!("simulation failed: {e}")
                            }
                        };
                        let attempts = m.attempts + 1;
                        let hold = attempts >= self.config.poll.max_attempts;
                        let next = now_ms() + self.config.poll.backoff(attempts).as_millis() as i64;
                        let reason = if hold {
                            format!("{reason} ({attempts} attempts; `retry` to try again)")
                        } else {
                            format!("{reason} (attempt {attempts}, retrying)")
                        };
                        warn!(chain = chain.name(), message = %m.hash, reason, "simulation failed");
                        self.store.set_retry(&self.instance, m.hash, &reason, next, hold).await?;
                    }
                },
            }
        }
        if !already.is_empty() {
            self.store.confirm_already_delivered(&already).await?;
        }
        if !stale.is_empty() {
            self.store.reset_root(&stale, "inbox does not know the Transaction Root").await?;
        }
        Ok(pass)
    }

    /// Signs, persists and broadcasts one `relayBatch` (or `relay` for one message).
    pub(super) async fn submit(
        &self,
        chain: &Chain,
        ready: Vec<(MessageRow, RelayProof)>,
        estimate: Option<u64>,
    ) -> Result<usize> {
        let hashes: Vec<B256> = ready.iter().map(|(m, _)| m.hash).collect();
        let (msgs, proofs): (Vec<Message>, Vec<RelayProof>) =
            ready.into_iter().map(|(m, p)| (m.message, p)).unzip();
        let inbox = IInbox::new(abi::INBOX, &chain.provider);
        let call = inbox.relayBatch(msgs, proofs);
        let gas = match estimate {
            Some(g) => g,
            None => call
                .clone()
                .from(chain.address)
                .estimate_gas()
                .await
                .map_err(rpc(chain.name(), "estimate relayBatch"))?,
        };
        let fees = chain
            .provider
            .estimate_eip1559_fees()
            .await
            .map_err(rpc(chain.name(), "eth_feeHistory"))?;
        let nonce =
            chain.nonces.next().await.map_err(rpc(chain.name(), "eth_getTransactionCount"))?;
        let request: TransactionRequest = call
            .into_transaction_request()
            .with_from(chain.address)
            .with_chain_id(chain.id())
            .with_nonce(nonce)
            .with_gas_limit(gas + gas / 4)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = request.build(&chain.wallet).await.map_err(|e| {
            RelayerError::SetupFailed { what: "cannot sign delivery".into(), source: e.into() }
        })?;
        let tx_hash = *envelope.tx_hash();
        let raw = envelope.encoded_2718();
        let submission = SubmissionRow {
            tx_hash,
            chain_id: chain.id(),
            signer: chain.address,
            nonce,
            raw_tx: raw.clone().into(),
            status: "pending".into(),
            created_at: now_ms(),
            updated_at: now_ms(),
        };
        // Persist before broadcasting: a crash after this line leaves a signed tx to reconcile.
        if !self.store.record_submission(&self.instance, &submission, &hashes).await? {
            warn!(chain = chain.name(), "lost a claim before submitting; nonce resynced");
            chain.nonces.resync().await;
            return Ok(0);
        }
        match chain.provider.send_raw_transaction(&raw).await {
            Ok(_) => {
                metrics::counter!("relayer_submissions_total", "chain" => chain.name().to_string())
                    .increment(1);
                debug!(chain = chain.name(), %tx_hash, nonce, messages = hashes.len(), "delivery broadcast");
            }
            Err(e) => {
                // Left pending: the confirmer rebroadcasts or reconciles it.
                rpc_error(chain.name());
                let text = e.to_string();
                warn!(chain = chain.name(), %tx_hash, nonce, error = %text, "broadcast failed");
                chain.nonces.resync().await;
            }
        }
        Ok(hashes.len())
    }
}

/// `value × factor` for a non-negative finite factor, in integer arithmetic on millionths.
fn scale(value: U256, factor: f64) -> U256 {
    let millionths = (factor * 1_000_000.0).round().max(0.0) as u64;
    value * U256::from(millionths) / U256::from(1_000_000u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_scaling() {
        assert_eq!(scale(U256::from(1000), 1.2), U256::from(1200));
        assert_eq!(scale(U256::from(1000), 0.0), U256::ZERO);
    }
}
