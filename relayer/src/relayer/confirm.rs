//! Per destination, the **confirmer**: follows every pending delivery to a receipt (→ `confirmed`,
//! fee from `MessageRelayed`), rebroadcasts the persisted raw transaction when it is slow, and
//! when the nonce was consumed elsewhere asks the inbox `delivered(hash)`.

use super::{Chain, Relayer, Result, rpc};
use crate::{
    abi::{self, IInbox},
    db::{MessageRow, SubmissionRow, now_ms},
    nonce::is_nonce_error,
    state::MessageState,
};
use alloy::{
    primitives::{B256, U256},
    providers::Provider,
};
use futures::{StreamExt, stream};
use std::{collections::HashMap, sync::Arc};
use tracing::{debug, info, warn};

impl Relayer {
    pub(super) async fn confirm_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.confirm_pass(&chain, false).await {
                Ok(_) => self.health.beat(&format!("confirm:{}", chain.name())),
                Err(e) => warn!(chain = chain.name(), error = %e, "confirmation failed"),
            }
            tokio::time::sleep(self.interval() / 2).await;
        }
    }

    /// Follows pending deliveries to `chain`; returns how many were settled. With `startup`,
    /// this instance's own pending transactions are rebroadcast at once.
    pub(super) async fn confirm_pass(&self, chain: &Chain, startup: bool) -> Result<usize> {
        let pending = self.store.pending_submissions(chain.id()).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let now = now_ms();
        let poll = &self.config.poll;
        let takeover_ms = (poll.lease_ms + poll.resubmit_after_ms) as i64;
        let work: Vec<SubmissionRow> = pending
            .into_iter()
            .filter(|s| s.signer == chain.address || now - s.updated_at > takeover_ms)
            .collect();
        let results: Vec<Result<bool>> =
            stream::iter(work).map(|s| self.follow(chain, s, startup)).buffered(16).collect().await;
        let mut settled = 0;
        for r in results {
            if r? {
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Follows one pending delivery; true when it was settled.
    pub(super) async fn follow(
        &self,
        chain: &Chain,
        s: SubmissionRow,
        startup: bool,
    ) -> Result<bool> {
        let receipt = chain
            .provider
            .get_transaction_receipt(s.tx_hash)
            .await
            .map_err(rpc(chain.name(), "eth_getTransactionReceipt"))?;
        if let Some(receipt) = receipt {
            return self.settle_receipt(chain, &s, receipt).await.map(|_| true);
        }
        let age = now_ms() - s.updated_at;
        if !startup && age < self.config.poll.resubmit_after_ms as i64 {
            return Ok(false);
        }
        match chain.provider.send_raw_transaction(&s.raw_tx).await {
            Ok(_) => {
                info!(chain = chain.name(), tx = %s.tx_hash, nonce = s.nonce, "delivery rebroadcast");
                self.store.touch_submission(s.tx_hash).await?;
                Ok(false)
            }
            Err(e) => {
                let text = e.to_string();
                if text.to_lowercase().contains("already known") {
                    self.store.touch_submission(s.tx_hash).await?;
                    return Ok(false);
                }
                if !is_nonce_error(&text) {
                    return Err(rpc(chain.name(), format!("rebroadcast {}", s.tx_hash))(e));
                }
                // The nonce was used by another transaction: mined meanwhile, or replaced.
                if let Some(receipt) = chain
                    .provider
                    .get_transaction_receipt(s.tx_hash)
                    .await
                    .map_err(rpc(chain.name(), "eth_getTransactionReceipt"))?
                {
                    return self.settle_receipt(chain, &s, receipt).await.map(|_| true);
                }
                if s.signer == chain.address {
                    chain.nonces.resync().await;
                }
                let carried = self.store.submission_messages(s.tx_hash).await?;
                let inbox = IInbox::new(abi::INBOX, &chain.provider);
                let mut delivered = HashMap::new();
                for m in &carried {
                    let done = inbox
                        .delivered(m.hash)
                        .call()
                        .await
                        .map_err(rpc(chain.name(), "delivered"))?;
                    if done {
                        delivered.insert(m.hash, U256::ZERO);
                    }
                }
                warn!(
                    chain = chain.name(), tx = %s.tx_hash, nonce = s.nonce,
                    delivered = delivered.len(), requeued = carried.len() - delivered.len(),
                    "delivery transaction dropped (nonce reused); reconciled with the inbox"
                );
                let confirmed = self
                    .store
                    .settle_submission(
                        s.tx_hash,
                        "dropped",
                        &delivered,
                        Some("delivery tx dropped; requeued"),
                    )
                    .await?;
                self.observe_confirmed(chain, &confirmed);
                Ok(true)
            }
        }
    }

    pub(super) async fn settle_receipt(
        &self,
        chain: &Chain,
        s: &SubmissionRow,
        receipt: alloy::rpc::types::TransactionReceipt,
    ) -> Result<()> {
        let carried = self.store.submission_messages(s.tx_hash).await?;
        if receipt.status() {
            // relayBatch delivered every message, or skipped it as already delivered.
            let mut delivered: HashMap<B256, U256> =
                carried.iter().map(|m| (m.hash, U256::ZERO)).collect();
            for log in receipt.inner.logs() {
                if log.address() != abi::INBOX {
                    continue;
                }
                if let Ok(ev) = log.log_decode::<IInbox::MessageRelayed>()
                    && ev.inner.data.relayer == s.signer
                    && let Some(fee) = delivered.get_mut(&ev.inner.data.messageHash)
                {
                    *fee = ev.inner.data.fee;
                }
            }
            let confirmed =
                self.store.settle_submission(s.tx_hash, "confirmed", &delivered, None).await?;
            debug!(chain = chain.name(), tx = %s.tx_hash, confirmed = confirmed.len(), "delivery confirmed");
            self.observe_confirmed(chain, &confirmed);
        } else {
            let poll = &self.config.poll;
            let retried = self
                .store
                .fail_submission(
                    s.tx_hash,
                    &format!("delivery transaction {} reverted on chain", s.tx_hash),
                    poll.max_attempts,
                    |attempts| poll.backoff(attempts),
                )
                .await?;
            let held = retried.iter().filter(|m| m.state == MessageState::Held).count();
            warn!(
                chain = chain.name(), tx = %s.tx_hash, messages = retried.len(), held,
                "delivery transaction reverted on chain; its messages are retried one by one with backoff"
            );
        }
        Ok(())
    }

    pub(super) fn observe_confirmed(&self, chain: &Chain, confirmed: &[MessageRow]) {
        let label = chain.name().to_string();
        for m in confirmed {
            if let Some(at) = m.confirmed_at {
                metrics::histogram!("relayer_delivery_latency_seconds", "chain" => label.clone())
                    .record((at - m.discovered_at).max(0) as f64 / 1000.0);
            }
            if let Some(fee) = m.fee_earned {
                let gwei = fee / U256::from(1_000_000_000u64);
                metrics::counter!("relayer_fees_earned_gwei_total", "chain" => label.clone())
                    .increment(u64::try_from(gwei).unwrap_or(u64::MAX));
            }
        }
        metrics::counter!("relayer_delivered_total", "chain" => label)
            .increment(confirmed.len() as u64);
    }
}
