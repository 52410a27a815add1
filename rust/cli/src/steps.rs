//! Where a hyperbridge message is among the 7 steps (the README step table), from L1, both chains and the
//! operators' databases.

use crate::{common::DevnetFile, relayer_api::RelayerView};
use alloy::{
    primitives::{B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_bindings::{IInbox, Message, SharedBridge, TransactionRoot, predeploys};
use hyperchain_operator::{BatchState, Store};
use serde::Serialize;

/// A message and its step.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageStep {
    pub(crate) message_hash: B256,
    pub(crate) source_chain_id: u64,
    pub(crate) destination_chain_id: u64,
    pub(crate) nonce: u64,
    pub(crate) l2_block: u64,
    /// 1..=7; 8 = done (withdrawal finalized on L1 / delivery settled).
    pub(crate) step: u8,
    pub(crate) batch: Option<u64>,
    pub(crate) detail: String,
    /// Why the destination hyperchain is unreachable (down), if it is.
    pub(crate) destination_down: Option<String>,
    /// The devnet relayer's view of a message between hyperchains.
    pub(crate) relayer: Option<RelayerView>,
}

impl MessageStep {
    /// The relayer's reason for not delivering it, while it is not delivered.
    pub(crate) fn held_reason(&self) -> Option<String> {
        if self.step >= 6 {
            return None;
        }
        self.relayer.as_ref().and_then(RelayerView::held_reason)
    }

    /// What else holds the message up besides its step: a destination that is down, a relayer
    /// that holds it.
    fn notes(&self) -> String {
        let mut notes = String::new();
        if let Some(why) = &self.destination_down {
            notes.push_str(&format!(
                "; destination chain {} is DOWN ({why}): the message will be delivered when it is back",
                self.destination_chain_id
            ));
        }
        if let Some(reason) = self.held_reason() {
            notes.push_str(&format!("; held: {reason}"));
        }
        notes
    }
}

pub(crate) async fn message_step(
    devnet: &DevnetFile,
    l1: &DynProvider,
    message: &Message,
    l2_block: u64,
) -> eyre::Result<MessageStep> {
    let hash = message.hash();
    let source: u64 = message.sourceChainId.saturating_to();
    let dest: u64 = message.destinationChainId.saturating_to();
    // Between hyperchains: is the destination up, and what does the relayer say?
    let (dst_l2, relayer) = if dest == devnet.l1.chain_id {
        (None, None)
    } else {
        let dst = devnet.chain(dest)?;
        let provider = match &dst.down {
            Some(why) => Err(why.clone()),
            None => crate::common::connect(&dst.rpc_url, &format!("chain {dest}"), None)
                .await
                .map_err(|e| format!("{e:#}")),
        };
        (Some(provider), Some(RelayerView::of(devnet, hash).await))
    };
    let mut out = MessageStep {
        message_hash: hash,
        source_chain_id: source,
        destination_chain_id: dest,
        nonce: message.nonce.saturating_to(),
        l2_block,
        step: 1,
        batch: None,
        detail: String::new(),
        destination_down: dst_l2.as_ref().and_then(|p| p.as_ref().err().cloned()),
        relayer,
    };
    let src = devnet.chain(source)?;
    let store = Store::open(&src.operator_db).await?;
    let batch = store
        .batches()
        .await?
        .into_iter()
        .find(|b| b.first_block <= l2_block && l2_block <= b.last_block);
    let Some(batch) = batch else {
        out.detail = format!(
            "1 initiated on chain {source}; waiting for its batch to be sealed{}",
            out.notes()
        );
        return Ok(out);
    };
    out.batch = Some(batch.number);
    if batch.state != BatchState::Executed {
        out.step = 2;
        let state = match batch.state {
            BatchState::Sealed => "sealed, being settled on L1",
            BatchState::Committed => "committed on L1",
            BatchState::Proven => "proven on L1",
            BatchState::Executed => "executed on L1",
        };
        out.detail = format!(
            "2 settling: batch {} is {state}{}{}",
            batch.number,
            batch.error.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default(),
            out.notes()
        );
        return Ok(out);
    }
    if dest == devnet.l1.chain_id {
        let bridge = SharedBridge::new(devnet.contracts.shared_bridge, l1);
        if bridge.withdrawalFinalized(hash).call().await? {
            out.step = 8;
            out.detail = "withdrawal finalized on L1".into();
        } else {
            out.step = 3;
            out.detail = format!(
                "3 batch {} executed: withdrawal ready to finalize on L1 (`hyperchain withdraw --finalize`)",
                batch.number
            );
        }
        return Ok(out);
    }
    let dst = devnet.chain(dest)?;
    let dst_l2 = match dst_l2 {
        Some(Ok(provider)) => provider,
        Some(Err(_)) => {
            out.step = 3;
            out.detail = format!("3 batch {} executed on L1{}", batch.number, out.notes());
            return Ok(out);
        }
        None => eyre::bail!("message {hash} to chain {dest}: no destination provider"),
    };
    let inbox = IInbox::new(predeploys::INBOX, &dst_l2);
    if inbox.delivered(hash).call().await? {
        let filter = Filter::new()
            .address(predeploys::INBOX)
            .event_signature(IInbox::MessageRelayed::SIGNATURE_HASH)
            .topic1(hash)
            .from_block(0u64);
        let block = dst_l2.get_logs(&filter).await?.first().and_then(|l| l.block_number);
        let dst_store = Store::open(&dst.operator_db).await?;
        let settled = match block {
            Some(b) => dst_store
                .batches()
                .await?
                .into_iter()
                .find(|x| x.first_block <= b && b <= x.last_block),
            None => None,
        };
        match settled {
            Some(b) if b.state == BatchState::Executed => {
                out.step = 8;
                out.detail =
                    format!("7 done: delivered on chain {dest}, settled in its batch {}", b.number);
            }
            Some(b) => {
                out.step = 7;
                out.detail =
                    format!("7 delivered on chain {dest}; its batch {} is settling", b.number);
            }
            None => {
                out.step = 6;
                out.detail = format!("6 delivered on chain {dest} (relayer paid)");
            }
        }
        return Ok(out);
    }
    // Step 3 done; 4: has the destination imported a root that contains the source batch?
    let tr_filter = Filter::new()
        .address(devnet.contracts.transaction_root)
        .event_signature(TransactionRoot::TransactionRootUpdated::SIGNATURE_HASH)
        .topic2(B256::from(U256::from(source)))
        .from_block(0u64);
    let leaf_index = l1
        .get_logs(&tr_filter)
        .await?
        .iter()
        .filter_map(|l| TransactionRoot::TransactionRootUpdated::decode_log(&l.inner).ok())
        .find(|e| e.data.batchNumber == batch.number)
        .map(|e| e.data.leafIndex);
    let import_filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::TransactionRootImported::SIGNATURE_HASH)
        .from_block(0u64);
    let last_import =
        dst_l2.get_logs(&import_filter).await?.last().and_then(|l| l.topics().get(1).copied());
    let imported_count = match last_import {
        Some(root) => {
            TransactionRoot::new(devnet.contracts.transaction_root, l1)
                .rootInfo(root)
                .call()
                .await?
                .leafCount
        }
        None => 0,
    };
    match leaf_index {
        Some(i) if U256::from(imported_count) > i => {
            out.step = 5;
            let waiting = out
                .relayer
                .as_ref()
                .map_or_else(|| "waiting for a relayer".to_string(), RelayerView::waiting_detail);
            out.detail = format!("5 root imported on chain {dest}; {waiting}");
        }
        _ => {
            out.step = 4;
            out.detail = format!(
                "4 batch {} is in the Transaction Root; waiting for chain {dest} to import it{}",
                batch.number,
                out.notes()
            );
        }
    }
    Ok(out)
}
