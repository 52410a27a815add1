//! Step 2 of a tick: importing L1's newest Transaction Root into the L2 inbox.

use super::Operator;
use crate::error::{call_err, rpc_err};
use crate::{OperatorError, error::classify};
use alloy::{
    primitives::{B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_bindings::{ITransactionRoot, predeploys};

impl Operator {
    /// Imports the newest Transaction Root L1 accepts in this chain's batches into the L2 inbox,
    /// unless it is already imported: L1's current root, or, once the chain left the ecosystem,
    /// the root it had when the chain left (later ones are refused with `RootAfterLeaving`, and a
    /// batch importing one could never settle).
    pub async fn import_latest_root(&mut self) -> Result<Option<B256>, OperatorError> {
        let latest =
            self.transaction_root.root().call().await.map_err(call_err("TransactionRoot.root"))?;
        // Read after `latest`: a chain that has not left by now left after `latest` was current.
        let root = match self.root_at_leaving().await? {
            Some(pinned) => pinned,
            None => latest,
        };
        if root.is_zero() {
            return Ok(None);
        }
        let imported =
            self.inbox.isImported(root).call().await.map_err(call_err("Inbox.isImported"))?;
        if imported {
            return Ok(None);
        }
        self.import_transaction_root(root).await?;
        Ok(Some(root))
    }

    /// `None` while the chain is in the ecosystem; once it left, the Transaction Root of
    /// `leftAtLeafCount()` leaves (zero if there was none), found from its `TransactionRootUpdated`
    /// event and kept (leaving is permanent).
    async fn root_at_leaving(&mut self) -> Result<Option<B256>, OperatorError> {
        if let Some(root) = self.root_at_leaving {
            return Ok(Some(root));
        }
        if !self.settlement.hasLeft().call().await.map_err(call_err("hasLeft"))? {
            return Ok(None);
        }
        let leaves =
            self.settlement.leftAtLeafCount().call().await.map_err(call_err("leftAtLeafCount"))?;
        let root = if leaves == 0 {
            B256::ZERO
        } else {
            let filter = Filter::new()
                .address(*self.transaction_root.address())
                .event_signature(ITransactionRoot::TransactionRootUpdated::SIGNATURE_HASH)
                .from_block(0u64);
            let logs = self
                .l1
                .get_logs(&filter)
                .await
                .map_err(rpc_err("eth_getLogs(TransactionRootUpdated)"))?;
            let index = U256::from(leaves - 1);
            logs.iter()
                .filter_map(|log| ITransactionRoot::TransactionRootUpdated::decode_log(&log.inner).ok())
                .find(|event| event.data.leafIndex == index)
                .map(|event| event.data.root)
                .ok_or_else(|| {
                    OperatorError::Inconsistent(format!(
                        "the chain left at {leaves} Transaction Root leaves but L1 has no TransactionRootUpdated event for leaf {}",
                        leaves - 1
                    ))
                })?
        };
        tracing::info!(chain = self.chain_id, leaves, %root, "chain left the ecosystem: Transaction Root imports pinned");
        self.root_at_leaving = Some(root);
        Ok(Some(root))
    }

    /// Sends `Inbox.importTransactionRoot(root)` as SYSTEM_CALLER and waits for it. No check that
    /// `root` is real: L1 refuses to execute a batch that imported a root it never had (step 7).
    pub async fn import_transaction_root(&mut self, root: B256) -> Result<B256, OperatorError> {
        let receipt = self
            .inbox
            .importTransactionRoot(root)
            .from(predeploys::SYSTEM_CALLER)
            .send()
            .await
            .map_err(|e| {
                classify("importTransactionRoot", e, |reason| OperatorError::L2Rejected {
                    step: format!("importTransactionRoot({root})"),
                    reason,
                })
            })?
            .get_receipt()
            .await
            .map_err(|e| OperatorError::Rpc {
                step: "importTransactionRoot receipt".into(),
                source: e.into(),
            })?;
        self.store
            .record_import(root, receipt.transaction_hash, receipt.block_number.unwrap_or_default())
            .await?;
        self.store.set_progress("last_imported_root", &root.to_string()).await?;
        Ok(receipt.transaction_hash)
    }
}
