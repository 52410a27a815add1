//! Step 4 of a tick: moving every unexecuted batch forward on L1 (settleBatch, or prove then execute).

use super::{Operator, TickReport};
use crate::error::call_err;
use crate::{BatchRecord, BatchState, OperatorError, error::classify};
use alloy::{
    primitives::{B256, U256},
    providers::DynProvider,
    sol_types::SolCall,
};
use std::time::Duration;

/// Gas added to the estimate of every L1 settlement transaction, in percent of it.
const L1_GAS_HEADROOM_PERCENT: u64 = 25;

/// How long the operator waits for an L1 receipt before treating the wait as a transport error
/// (retried on the next tick, which first reconciles with L1): one lost transaction must not
/// hang deposits, root imports and settlement behind it.
const L1_RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

impl Operator {
    /// Moves every unexecuted batch forward, in order: a sealed batch in one `settleBatch` (commit +
    /// prove + execute, every older batch being executed by then), a batch already committed on
    /// L1 (by `commit_next`, or by an earlier operator version) through `proveBatch` and
    /// `executeBatch`.
    ///
    /// Each pass starts from L1's counters, not only the database: a transaction of ours that was
    /// mined after its receipt was lost, or while the operator restarted, has already moved the
    /// batch, and sending the step again would revert. A rejection is checked against L1 the same
    /// way before it counts as one (the transaction may have been mined in between).
    pub(super) async fn settle(&mut self, report: &mut TickReport) -> Result<(), OperatorError> {
        if self.store.unexecuted_batches().await?.is_empty() {
            return Ok(());
        }
        self.reconcile().await?;
        for record in self.store.unexecuted_batches().await? {
            let n = record.number;
            let result = self.settle_batch(&record, report).await;
            if let Err(err) = result {
                if matches!(err, OperatorError::BatchRejected { .. }) {
                    self.reconcile().await?;
                    let now = self.store.batch(n).await?.map(|b| b.state);
                    if now.is_some_and(|state| state > record.state) {
                        tracing::info!(chain = self.chain_id, batch = n, step_error = %err, "L1 already had this step: reconciled");
                        return Ok(());
                    }
                }
                self.store.set_error(n, &err.to_string()).await?;
                return Err(err);
            }
        }
        Ok(())
    }

    async fn settle_batch(
        &mut self,
        record: &BatchRecord,
        report: &mut TickReport,
    ) -> Result<(), OperatorError> {
        let n = record.number;
        let mut state = record.state;
        if state == BatchState::Sealed {
            let proof = self.attest(record).await?;
            let call =
                self.settlement.settleBatch(record.info.clone(), record.da_input.clone(), proof);
            let tx = self.send_l1(n, "settleBatch", call).await?;
            self.store.settled(n, tx).await?;
            report.committed.push(n);
            report.proven.push(n);
            report.executed.push(n);
            return Ok(());
        }
        if state == BatchState::Committed {
            let public_input = self.public_input(record).await?;
            let committed = self
                .settlement
                .batchPublicInput(n)
                .call()
                .await
                .map_err(call_err("batchPublicInput"))?;
            if committed != public_input {
                return Err(OperatorError::Build {
                    batch: n,
                    reason: format!(
                        "L1 committed public input {committed} but the batch's is {public_input}"
                    ),
                });
            }
            let proof = self.attest(record).await?;
            let tx = self.send_l1(n, "proveBatch", self.settlement.proveBatch(n, proof)).await?;
            self.store.advance(n, BatchState::Proven, Some(tx)).await?;
            report.proven.push(n);
            state = BatchState::Proven;
        }
        if state == BatchState::Proven {
            let tx = self
                .send_l1(n, "executeBatch", self.settlement.executeBatch(record.info.clone()))
                .await?;
            self.store.advance(n, BatchState::Executed, Some(tx)).await?;
            report.executed.push(n);
        }
        Ok(())
    }

    /// Sends one L1 transaction from the operator key (alloy's nonce filler is the single place
    /// managing nonces) and waits for its receipt. Reverts, in estimation or on chain, become
    /// `BatchRejected`.
    ///
    /// The gas limit is the estimate plus [`L1_GAS_HEADROOM_PERCENT`]: other chains' batches
    /// executed between the estimate and inclusion change what appending to the Transaction Root
    /// costs (a new tree level writes a fresh slot).
    async fn send_l1<C: SolCall>(
        &self,
        batch: u64,
        step: &'static str,
        call: alloy::contract::SolCallBuilder<&DynProvider, C>,
    ) -> Result<B256, OperatorError> {
        let rejected =
            |e| classify(step, e, |reason| OperatorError::BatchRejected { batch, step, reason });
        let estimate = call.estimate_gas().await.map_err(rejected)?;
        let pending = call
            .gas(estimate + estimate * L1_GAS_HEADROOM_PERCENT / 100)
            .send()
            .await
            .map_err(rejected)?;
        let receipt =
            pending.with_timeout(Some(L1_RECEIPT_TIMEOUT)).get_receipt().await.map_err(|e| {
                OperatorError::Rpc { step: format!("{step}({batch}) receipt"), source: e.into() }
            })?;
        if !receipt.status() {
            return Err(OperatorError::BatchRejected {
                batch,
                step,
                reason: format!(
                    "transaction {} reverted (gas used {})",
                    receipt.transaction_hash, receipt.gas_used
                ),
            });
        }
        Ok(receipt.transaction_hash)
    }

    /// The batch's public input (`hyperchain-zkevm`), over the previous batch's state root and
    /// last block hash on L1.
    async fn public_input(&self, record: &BatchRecord) -> Result<B256, OperatorError> {
        let (prev_root, prev_block) = self.previous_batch_end(record.number).await?;
        Ok(hyperchain_zkevm::public_input(
            U256::from(self.chain_id),
            prev_root,
            prev_block,
            &record.info,
        ))
    }

    /// The state root and last block hash L1 holds for batch `number - 1`: where batch `number`
    /// continues from.
    pub(super) async fn previous_batch_end(
        &self,
        number: u64,
    ) -> Result<(B256, B256), OperatorError> {
        let root = self
            .settlement
            .stateRoot(number - 1)
            .call()
            .await
            .map_err(call_err("stateRoot(previous batch)"))?;
        let block = self
            .settlement
            .lastBlockHash(number - 1)
            .call()
            .await
            .map_err(call_err("lastBlockHash(previous batch)"))?;
        Ok((root, block))
    }

    /// Moves unexecuted batches forward once (commit, prove, execute).
    pub async fn settle_once(&mut self) -> Result<TickReport, OperatorError> {
        let mut report = TickReport::default();
        self.settle(&mut report).await?;
        Ok(report)
    }

    /// Sends only the commit of the next sealed batch (tests: crash between steps).
    pub async fn commit_next(&mut self) -> Result<Option<u64>, OperatorError> {
        let Some(record) = self
            .store
            .unexecuted_batches()
            .await?
            .into_iter()
            .find(|b| b.state == BatchState::Sealed)
        else {
            return Ok(None);
        };
        let tx = self
            .send_l1(
                record.number,
                "commitBatch",
                self.settlement.commitBatch(record.info.clone(), record.da_input.clone()),
            )
            .await?;
        self.store.advance(record.number, BatchState::Committed, Some(tx)).await?;
        Ok(Some(record.number))
    }
}
