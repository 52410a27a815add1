//! Per hyperchain, the **scanner**: indexes the outbox's `MessageQueued` events (→ `discovered`)
//! and the inbox's `TransactionRootImported` events.

use super::{Chain, Relayer, Result, rpc};
use crate::{
    abi::{self, IInbox, IOutbox, Message},
    db::NewMessage,
    state::MessageState,
};
use alloy::{primitives::U256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use std::sync::Arc;
use tracing::{debug, warn};

impl Relayer {
    pub(super) async fn scan_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.scan_once(&chain).await {
                Ok(true) => {
                    self.health.beat(&format!("scan:{}", chain.name()));
                    continue;
                }
                Ok(false) => self.health.beat(&format!("scan:{}", chain.name())),
                Err(e) => warn!(chain = chain.name(), error = %e, "scan failed"),
            }
            tokio::time::sleep(self.interval()).await;
        }
    }

    /// Indexes one range of the chain's outbox and inbox logs; true when more remain.
    pub(super) async fn scan_once(&self, chain: &Chain) -> Result<bool> {
        let cursor_name = format!("l2:{}", chain.id());
        let head = chain
            .provider
            .get_block_number()
            .await
            .map_err(rpc(chain.name(), "eth_blockNumber"))?;
        let from = match self.store.cursor(&cursor_name).await? {
            Some(c) => c + 1,
            None => chain.config.start_block,
        };
        if from > head {
            return Ok(false);
        }
        let to = head.min(from + self.config.poll.max_log_range - 1);
        let filter = Filter::new()
            .address(vec![abi::OUTBOX, abi::INBOX])
            .event_signature(vec![
                IOutbox::MessageQueued::SIGNATURE_HASH,
                IInbox::TransactionRootImported::SIGNATURE_HASH,
            ])
            .from_block(from)
            .to_block(to);
        let logs =
            chain.provider.get_logs(&filter).await.map_err(rpc(chain.name(), "eth_getLogs"))?;
        let mut messages = Vec::new();
        let mut roots = Vec::new();
        for log in &logs {
            let block = log.block_number.unwrap_or(to);
            if log.address() == abi::OUTBOX
                && let Ok(ev) = log.log_decode::<IOutbox::MessageQueued>()
            {
                let message = ev.inner.data.message;
                if message.hash() != ev.inner.data.messageHash {
                    warn!(
                        chain = chain.name(),
                        "MessageQueued hash does not match its message; skipped"
                    );
                    continue;
                }
                if message.sourceChainId != U256::from(chain.id()) {
                    warn!(
                        chain = chain.name(),
                        "MessageQueued from another source chain id; skipped"
                    );
                    continue;
                }
                messages.push(self.classify(message, block));
            } else if log.address() == abi::INBOX
                && let Ok(ev) = log.log_decode::<IInbox::TransactionRootImported>()
            {
                roots.push((ev.inner.data.root, block));
            }
        }
        if !messages.is_empty() {
            let new = self.store.insert_messages(&messages).await?;
            if new > 0 {
                debug!(chain = chain.name(), new, "messages discovered");
            }
        }
        if !roots.is_empty() {
            self.store.insert_imported_roots(chain.id(), &roots).await?;
            debug!(chain = chain.name(), roots = roots.len(), "Transaction Roots imported");
        }
        self.store.advance_cursor(&cursor_name, to).await?;
        Ok(to < head)
    }

    pub(super) fn classify(&self, message: Message, block: u64) -> NewMessage {
        let dest = u64::try_from(message.destinationChainId).unwrap_or(u64::MAX);
        let (state, reason) = if dest == self.l1_chain_id {
            (MessageState::Withdrawal, None)
        } else if U256::from(dest) == message.sourceChainId {
            (MessageState::Held, Some("destination is the source chain".to_string()))
        } else if self.chain(dest).is_some() {
            (MessageState::Discovered, None)
        } else {
            (
                MessageState::Held,
                Some(format!("destination chain {dest} is not in this relayer's config")),
            )
        };
        NewMessage { message, state, reason, block }
    }
}
