//! Step 3 of a tick: sealing pending L2 blocks into a batch, its CommitBatchInfo and DA input.

use super::{DaMode, Operator};
use crate::error::{call_err, rpc_err};
use crate::{OperatorError, batch};
use alloy::{
    primitives::{B256, Bytes, U256},
    providers::Provider,
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use hyperchain_attester::sign_sorted;
use hyperchain_bindings::{IInbox, ValidiumDAValidator, predeploys};
use std::time::Instant;

impl Operator {
    /// Seals the pending L2 blocks into the next batch when the policy says so (or `force`).
    pub async fn maybe_seal(&mut self, force: bool) -> Result<Option<u64>, OperatorError> {
        let last = self.store.last_batch().await?;
        let (number, first) = match &last {
            Some(b) => (b.number + 1, b.last_block + 1),
            None => (1, 1),
        };
        let head = self.l2.get_block_number().await.map_err(rpc_err("L2 eth_blockNumber"))?;
        if head < first {
            return Ok(None);
        }
        let elapsed = self.last_seal.elapsed();
        let policy = &self.config.seal;
        let due = force
            || head - first + 1 >= policy.max_blocks
            || elapsed >= policy.idle_interval
            || (elapsed >= policy.interval && self.has_transactions(first, head).await?);
        if !due {
            return Ok(None);
        }
        let previous = match &last {
            Some(b) => (b.info.newStateRoot, b.info.lastBlockHash),
            None => self.previous_batch_end(1).await?,
        };
        let genesis_predeploys = if number == 1 {
            let version = self
                .settlement
                .protocolVersion()
                .call()
                .await
                .map_err(call_err("protocolVersion"))?;
            let codes = self
                .factory
                .predeployCodes(version)
                .call()
                .await
                .map_err(call_err("ChainFactory.predeployCodes"))?;
            Some(codes)
        } else {
            None
        };
        let (info, pubdata) = batch::build_commit_info(
            &self.l2,
            self.l1_chain_id,
            number,
            first,
            head,
            previous,
            genesis_predeploys.as_deref(),
        )
        .await?;
        let da_input = match self.da_mode {
            DaMode::Rollup => pubdata,
            DaMode::Validium => self.committee_signatures(info.daCommitment, number).await?,
        };
        self.store.insert_batch(number, first, head, &info, &da_input).await?;
        self.last_seal = Instant::now();
        tracing::debug!(chain = self.chain_id, batch = number, first, last = head, "sealed");
        Ok(Some(number))
    }

    /// Whether blocks `first..=last` hold a transaction other than a Transaction Root import.
    /// Import-only blocks wait for `idle_interval`: sealing them at once would make every
    /// settlement produce a new root that every other chain imports and settles in turn, a loop
    /// of empty batches.
    async fn has_transactions(&self, first: u64, last: u64) -> Result<bool, OperatorError> {
        let import = IInbox::importTransactionRootCall::SELECTOR;
        for n in (first..=last).rev() {
            let Some(block) = self
                .l2
                .get_block_by_number(n.into())
                .full()
                .await
                .map_err(rpc_err("eth_getBlockByNumber"))?
            else {
                continue;
            };
            let only_imports = block.transactions.txns().all(|tx| {
                tx.inner.signer() == predeploys::SYSTEM_CALLER
                    && alloy::consensus::Transaction::input(tx.inner.inner()).get(..4)
                        == Some(&import[..])
            });
            if !only_imports {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Validium: the committee's signatures over `ValidiumDAValidator.digest(chainId, n,
    /// daCommitment)`.
    async fn committee_signatures(&self, commitment: B256, n: u64) -> Result<Bytes, OperatorError> {
        let digest = ValidiumDAValidator::new(self.da_validator, &self.l1)
            .digest(U256::from(self.chain_id), n, commitment)
            .call()
            .await
            .map_err(call_err("ValidiumDAValidator.digest"))?;
        let committee = self
            .config
            .da_committee_keys
            .iter()
            .map(PrivateKeySigner::from_bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| OperatorError::BuildFailed {
                batch: n,
                what: "invalid DA committee key".into(),
                source: e.into(),
            })?;
        sign_sorted(&committee, digest).map_err(|e| OperatorError::BuildFailed {
            batch: n,
            what: "DA committee signing failed".into(),
            source: e.into(),
        })
    }

    /// Test and admin hook: seal now regardless of the policy.
    pub async fn seal_now(&mut self) -> Result<Option<u64>, OperatorError> {
        self.maybe_seal(true).await
    }
}
