//! Step 1 of a tick: delivering L1 priority requests to the L2 inbox as system transactions.

use super::Operator;
use crate::error::{call_err, rpc_err};
use crate::{OperatorError, error::classify};
use alloy::{primitives::U256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use hyperchain_bindings::{ChainSettlement, Message, predeploys};

/// Gas of an `executePriorityRequest` system transaction besides the delivery's own L2 gas limit
/// (which the inbox forwards exactly) and the calldata: intrinsic gas, the inbox's checks and
/// bookkeeping, and the failure record it sends through the outbox if the delivery fails.
const PRIORITY_MESSAGE_OVERHEAD_GAS: u64 = 300_000;

/// Gas limit of the system transaction delivering a priority request with `l2_gas_limit` and a
/// payload of `payload_len` bytes: the inbox reverts the whole transaction unless 63/64 of what is
/// left at its delivery call covers `l2_gas_limit`, so that much plus 1/63 is reserved.
fn priority_request_gas(l2_gas_limit: u64, payload_len: usize) -> u64 {
    // 16 gas per calldata byte: the encoded message is ~0x180 bytes plus the padded payload.
    let calldata = 16 * (payload_len as u64 + 0x1a0);
    l2_gas_limit + l2_gas_limit / 63 + PRIORITY_MESSAGE_OVERHEAD_GAS + calldata
}

impl Operator {
    /// Delivers every queued priority request the L2 inbox has not executed yet, in nonce order.
    pub async fn deliver_priority_requests(&mut self) -> Result<Vec<u64>, OperatorError> {
        let queued: u64 = self
            .settlement
            .priorityRequestCount()
            .call()
            .await
            .map_err(call_err("priorityRequestCount"))?
            .saturating_to();
        let done = self
            .inbox
            .priorityRequestsProcessed()
            .call()
            .await
            .map_err(call_err("Inbox.priorityRequestsProcessed"))?;
        if done >= queued {
            return Ok(Vec::new());
        }
        let from_block: u64 = self
            .store
            .progress("priority_scan_l1_block")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let filter = Filter::new()
            .address(self.config.settlement)
            .event_signature(ChainSettlement::PriorityRequestQueued::SIGNATURE_HASH)
            .from_block(from_block);
        let logs = self
            .l1
            .get_logs(&filter)
            .await
            .map_err(rpc_err("eth_getLogs(PriorityRequestQueued)"))?;
        let mut pending: Vec<(Message, U256, u64)> = Vec::new();
        for log in logs {
            let block = log.block_number.unwrap_or(from_block);
            let event = ChainSettlement::PriorityRequestQueued::decode_log(&log.inner).map_err(
                |source| OperatorError::Decode { event: "PriorityRequestQueued", source },
            )?;
            let nonce: u64 = event.data.nonce.saturating_to();
            if nonce >= done {
                pending.push((event.data.message, event.data.l2GasLimit, block));
            }
        }
        pending.sort_by_key(|(m, _, _)| m.nonce);
        let mut delivered = Vec::new();
        let mut last_tx = None;
        for (expected, (message, l2_gas_limit, block)) in (done..).zip(pending) {
            let nonce: u64 = message.nonce.saturating_to();
            if nonce != expected {
                break; // a gap: the log is not visible yet
            }
            if delivered.is_empty() {
                self.store.set_progress("priority_scan_l1_block", &block.to_string()).await?;
            }
            let hash = message.hash();
            // L1 keeps every limit <= MAX_L2_GAS_LIMIT (10M): it fits in u64.
            let gas = priority_request_gas(l2_gas_limit.saturating_to(), message.payload.len());
            let pending_tx = self
                .inbox
                .executePriorityRequest(message, l2_gas_limit)
                .from(predeploys::SYSTEM_CALLER)
                // Not estimated: the inbox records a failing recipient, so an estimate is the gas
                // of the *failure* path. Sized from the request's own L2 gas limit instead.
                .gas(gas)
                .send()
                .await
                .map_err(|e| {
                    classify("executePriorityRequest", e, |reason| OperatorError::L2Rejected {
                        step: format!("executePriorityRequest({nonce})"),
                        reason,
                    })
                })?;
            let tx = *pending_tx.tx_hash();
            self.store.record_priority_delivery(nonce, hash, tx).await?;
            last_tx = Some(pending_tx);
            delivered.push(nonce);
        }
        if let Some(tx) = last_tx {
            // Same sender, increasing nonces: the last mined means all mined.
            tx.get_receipt().await.map_err(|e| OperatorError::Rpc {
                step: "executePriorityRequest receipt".into(),
                source: e.into(),
            })?;
        }
        Ok(delivered)
    }
}
