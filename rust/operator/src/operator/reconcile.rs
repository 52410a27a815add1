//! Reconciling the database with L1: counters, batches L1 moved, batches re-read from L1 calldata.

use super::{L1Counters, Operator};
use crate::error::{call_err, rpc_err};
use crate::{
    BatchRecord, BatchState, OperatorError,
    batch::{CommittedBatch, committed_batches, state_root_at},
};
use alloy::providers::Provider;

impl Operator {
    /// The L1 counters of this chain.
    pub async fn l1_counters(&self) -> Result<L1Counters, OperatorError> {
        let s = &self.settlement;
        Ok(L1Counters {
            committed: s
                .lastCommittedBatch()
                .call()
                .await
                .map_err(call_err("lastCommittedBatch"))?,
            proven: s.lastProvenBatch().call().await.map_err(call_err("lastProvenBatch"))?,
            executed: s.lastExecutedBatch().call().await.map_err(call_err("lastExecutedBatch"))?,
            priority_requests: s
                .priorityRequestCount()
                .call()
                .await
                .map_err(call_err("priorityRequestCount"))?
                .saturating_to(),
            priority_processed: s
                .priorityRequestsExecuted()
                .call()
                .await
                .map_err(call_err("priorityRequestsExecuted"))?
                .saturating_to(),
        })
    }

    /// Brings the database in line with L1: batches L1 already has move forward (our transaction
    /// was mined before a crash), sealed batches L1 reverted are dropped, and batches L1 knows
    /// but the database does not (lost database) are re-read from the `commitBatch` or
    /// `settleBatch` calldata.
    pub async fn reconcile(&mut self) -> Result<(), OperatorError> {
        let l1 = self.l1_counters().await?;
        for record in self.store.unexecuted_batches().await? {
            let on_l1 = if record.number <= l1.executed {
                BatchState::Executed
            } else if record.number <= l1.proven {
                BatchState::Proven
            } else if record.number <= l1.committed {
                BatchState::Committed
            } else {
                BatchState::Sealed
            };
            if on_l1 > record.state {
                tracing::info!(chain = self.chain_id, batch = record.number, state = ?on_l1, "reconciled with L1");
                self.store.advance(record.number, on_l1, None).await?;
            }
        }
        let last_in_db = self.store.last_batch().await?.map_or(0, |b| b.number);
        if last_in_db < l1.committed {
            self.resync_from_l1(last_in_db, &l1).await?;
        }
        Ok(())
    }

    /// Re-reads batches `after+1..=committed` from L1 `commitBatch`/`settleBatch` calldata (found
    /// through `BatchCommitted` events, which both emit) and finds their L2
    /// block ranges by state root.
    async fn resync_from_l1(&mut self, after: u64, l1: &L1Counters) -> Result<(), OperatorError> {
        tracing::warn!(
            chain = self.chain_id,
            from = after + 1,
            to = l1.committed,
            "re-syncing batches from L1"
        );
        let mut committed = committed_batches(&self.l1, self.config.settlement).await?;
        let mut first_block = match self.store.batch(after).await? {
            Some(b) => b.last_block + 1,
            None => 1,
        };
        let head = self.l2.get_block_number().await.map_err(rpc_err("L2 eth_blockNumber"))?;
        for n in after + 1..=l1.committed {
            let CommittedBatch { info, da_input, tx_hash: tx } = committed.remove(&n).ok_or_else(|| {
                OperatorError::Inconsistent(format!(
                    "batch {n} is committed on L1 but its commitBatch/settleBatch call was not found"
                ))
            })?;
            let mut last_block = None;
            for block in first_block..=head {
                if state_root_at(&self.l2, block).await? == info.newStateRoot {
                    last_block = Some(block);
                    break;
                }
            }
            let last_block = last_block.ok_or_else(|| {
                OperatorError::Inconsistent(format!(
                    "batch {n}'s state root {} is not the state of any L2 block from {first_block}: the L2 does not match L1",
                    info.newStateRoot
                ))
            })?;
            let state = if n <= l1.executed {
                BatchState::Executed
            } else if n <= l1.proven {
                BatchState::Proven
            } else {
                BatchState::Committed
            };
            self.store
                .upsert_synced_batch(&BatchRecord {
                    number: n,
                    first_block,
                    last_block,
                    state,
                    info,
                    da_input,
                    commit_tx: Some(tx),
                    prove_tx: None,
                    execute_tx: None,
                    error: None,
                })
                .await?;
            first_block = last_block + 1;
        }
        Ok(())
    }
}
