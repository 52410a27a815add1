//! The **L1 follower**: indexes `TransactionRootUpdated` leaves with the executed batch's roots,
//! detects L1 reorgs, matches each executed batch to the outbox nonces its messages root covers
//! (→ `batch_executed`) and, per destination, picks the largest imported Transaction Root
//! (→ `root_imported`).

use super::{Relayer, RelayerError, Result, rpc};
use crate::{
    abi::{self, IChainFactory, IChainSettlement, ITransactionRoot},
    db::{LeafRow, Store},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use hyperchain_merkle::Frontier;
use std::sync::Arc;
use tracing::{debug, info, warn};

impl Relayer {
    pub(super) async fn l1_loop(self: Arc<Self>) {
        loop {
            let followed = self.l1_once().await;
            let advanced = self.advance_messages().await;
            let more = match (followed, advanced) {
                (Ok(more), Ok(())) => {
                    self.health.beat("l1");
                    more
                }
                (followed, advanced) => {
                    if let Err(e) = followed {
                        warn!(error = %e, "L1 follower failed");
                    }
                    if let Err(e) = advanced {
                        warn!(error = %e, "advancing messages failed");
                    }
                    false
                }
            };
            if !more {
                tokio::time::sleep(self.interval()).await;
            }
        }
    }

    pub(super) async fn settlement(&self, chain_id: u64) -> Result<Address> {
        if let Some(a) = self.settlements.lock().await.get(&chain_id) {
            return Ok(*a);
        }
        let factory = IChainFactory::new(self.config.l1.chain_factory, &self.l1);
        let address = factory
            .settlementOf(U256::from(chain_id))
            .call()
            .await
            .map_err(rpc("l1", format!("settlementOf({chain_id})")))?;
        if address == Address::ZERO {
            return Err(RelayerError::Inconsistent(format!(
                "chain {chain_id} is not registered in the ChainFactory"
            )));
        }
        self.settlements.lock().await.insert(chain_id, address);
        Ok(address)
    }

    /// Detects an L1 reorg that removed Transaction Roots and drops what depended on them.
    pub(super) async fn check_reorg(&self) -> Result<()> {
        let Some(last) = self.store.last_leaf().await? else { return Ok(()) };
        let tr = ITransactionRoot::new(self.config.l1.transaction_root, &self.l1);
        let alive = |root: B256| {
            let tr = tr.clone();
            async move {
                tr.isTransactionRoot(root).call().await.map_err(rpc("l1", "isTransactionRoot"))
            }
        };
        if alive(last.root).await? {
            return Ok(());
        }
        // Largest stored index whose root is still a Transaction Root (roots commit to prefixes,
        // so liveness is monotonic in the index).
        let (mut lo, mut hi) = (0u64, last.leaf_index + 1); // answer in [lo-1, hi-1]
        while lo < hi {
            let mid = (lo + hi) / 2;
            let leaf = self.store.leaf(mid).await?.ok_or_else(|| {
                RelayerError::Inconsistent(format!("leaf {mid} missing from the database"))
            })?;
            if alive(leaf.root).await? { lo = mid + 1 } else { hi = mid }
        }
        let keep = lo; // leaves [0, keep) survive
        let rescan_from = match keep.checked_sub(1) {
            Some(i) => self.store.leaf(i).await?.map(|l| l.l1_block).unwrap_or(0),
            None => self.config.l1.start_block,
        };
        warn!(
            kept = keep,
            dropped = last.leaf_index + 1 - keep,
            rescan_from,
            "L1 reorg removed Transaction Roots"
        );
        self.store.truncate_leaves(keep).await?;
        self.store.reset_cursor("l1", rescan_from.saturating_sub(1)).await?;
        *self.l1_tip.lock().await = None;
        let mut trees = self.trees.lock().await;
        trees.roots.clear();
        trees.batches.clear();
        trees.leaves.clear();
        Ok(())
    }

    /// Indexes one range of Transaction Root leaves; true when more remain.
    pub(super) async fn l1_once(&self) -> Result<bool> {
        self.check_reorg().await?;
        // A reorg that replaced scanned blocks without touching a stored root: rescan.
        let tip = *self.l1_tip.lock().await;
        if let Some((number, hash)) = tip {
            let block = self
                .l1
                .get_block_by_number(number.into())
                .await
                .map_err(rpc("l1", "eth_getBlockByNumber"))?;
            if block.map(|b| b.header.hash) != Some(hash) {
                let back = number.saturating_sub(64);
                warn!(block = number, rescan_from = back, "L1 block replaced; rescanning");
                self.store.reset_cursor("l1", back).await?;
                *self.l1_tip.lock().await = None;
            }
        }
        let head = self.l1.get_block_number().await.map_err(rpc("l1", "eth_blockNumber"))?;
        let from = match self.store.cursor("l1").await? {
            Some(c) => c + 1,
            None => self.config.l1.start_block,
        };
        if from > head {
            return Ok(false);
        }
        let to = head.min(from + self.config.poll.max_log_range - 1);
        let filter = Filter::new()
            .address(self.config.l1.transaction_root)
            .event_signature(ITransactionRoot::TransactionRootUpdated::SIGNATURE_HASH)
            .from_block(from)
            .to_block(to);
        let logs = self.l1.get_logs(&filter).await.map_err(rpc("l1", "eth_getLogs"))?;
        let mut expected = self.store.last_leaf().await?.map(|l| l.leaf_index + 1).unwrap_or(0);
        let mut leaves = Vec::new();
        for log in &logs {
            let ev =
                log.log_decode::<ITransactionRoot::TransactionRootUpdated>().map_err(|source| {
                    RelayerError::Decode { event: "TransactionRootUpdated", source }
                })?;
            let d = ev.inner.data;
            let index = u64::try_from(d.leafIndex).unwrap_or(u64::MAX);
            if index < expected {
                continue; // rescanned range
            }
            if index > expected {
                return Err(RelayerError::Inconsistent(format!(
                    "Transaction Root leaf {index} seen before leaf {expected} (set l1.start_block \
                     to the TransactionRoot deployment block or earlier)"
                )));
            }
            let chain_id = u64::try_from(d.chainId).unwrap_or(u64::MAX);
            let l1_block = log.block_number.unwrap_or(to);
            let block_hash = log.block_hash.unwrap_or_default();
            let (state_root, messages_root) = if self.chain(chain_id).is_some() {
                let settlement = IChainSettlement::new(self.settlement(chain_id).await?, &self.l1);
                let state_root = settlement
                    .stateRoot(d.batchNumber)
                    .block(l1_block.into())
                    .call()
                    .await
                    .map_err(rpc("l1", format!("stateRoot({})", d.batchNumber)))?;
                let messages_root = settlement
                    .messagesRoot(d.batchNumber)
                    .block(l1_block.into())
                    .call()
                    .await
                    .map_err(rpc("l1", format!("messagesRoot({})", d.batchNumber)))?;
                let leaf = abi::transaction_root_leaf(
                    U256::from(chain_id),
                    d.batchNumber,
                    messages_root,
                    state_root,
                );
                if leaf != d.leaf {
                    return Err(RelayerError::Inconsistent(format!(
                        "leaf {index} of chain {chain_id} batch {} does not match the batch's \
                         roots on its settlement contract",
                        d.batchNumber
                    )));
                }
                (state_root, messages_root)
            } else {
                // Another chain's batch: only its leaf hash matters (for the tree).
                (B256::ZERO, B256::ZERO)
            };
            leaves.push(LeafRow {
                leaf_index: index,
                root: d.root,
                chain_id,
                batch_number: d.batchNumber,
                leaf: d.leaf,
                state_root,
                messages_root,
                l1_block,
                l1_block_hash: block_hash,
                first_nonce: None,
                message_count: None,
            });
            expected += 1;
        }
        if !leaves.is_empty() {
            info!(
                leaves = leaves.len(),
                last_index = expected - 1,
                "Transaction Root leaves indexed"
            );
            self.store.insert_leaves(&leaves).await?;
        }
        self.store.advance_cursor("l1", to).await?;
        if let Ok(Some(block)) = self.l1.get_block_by_number(to.into()).await {
            *self.l1_tip.lock().await = Some((to, block.header.hash));
        }
        Ok(to < head)
    }

    /// `discovered` → `batch_executed` → `root_imported`, from what is indexed.
    pub(super) async fn advance_messages(&self) -> Result<()> {
        for chain in &self.chains {
            self.match_batches(chain.id()).await?;
        }
        for chain in &self.chains {
            if let Some((root, leaf_count)) = self.store.best_imported_root(chain.id()).await? {
                let moved = self.store.promote_root_imported(chain.id(), root, leaf_count).await?;
                if moved > 0 {
                    debug!(chain = chain.name(), moved, %root, "covered by an imported Transaction Root");
                }
            }
        }
        Ok(())
    }

    /// Matches executed batches of `chain_id` to outbox nonces: a batch's messages are the next
    /// consecutive outbox messages whose tree root equals the batch's `messagesRoot`.
    pub(super) async fn match_batches(&self, chain_id: u64) -> Result<()> {
        let (mut next_nonce, batches) = self.store.unmatched_batches(chain_id).await?;
        for leaf in batches {
            if leaf.messages_root == B256::ZERO {
                self.store.assign_batch(&leaf, next_nonce, 0).await?;
                continue;
            }
            let found =
                batch_message_count(&self.store, chain_id, next_nonce, leaf.messages_root).await?;
            let Some(count) = found else {
                debug!(
                    chain_id,
                    batch = leaf.batch_number,
                    next_nonce,
                    "batch messages not all indexed yet"
                );
                return Ok(());
            };
            info!(
                chain_id,
                batch = leaf.batch_number,
                first_nonce = next_nonce,
                count,
                "batch executed on L1"
            );
            self.store.assign_batch(&leaf, next_nonce, count).await?;
            next_nonce += count;
        }
        Ok(())
    }
}

/// Messages read per query while matching a batch.
const MATCH_PAGE: u64 = 1_000;

/// How many consecutive outbox messages of `chain_id` from nonce `first` make a tree with root
/// `messages_root`, or `None` while they are not all indexed (a gap, or too few). Reads the
/// messages a page at a time and stops at the match, so catching up on many batches costs what
/// their messages cost, not every later message once per batch.
async fn batch_message_count(
    store: &Store,
    chain_id: u64,
    first: u64,
    messages_root: B256,
) -> Result<Option<u64>> {
    let mut frontier = Frontier::default();
    let mut count = 0u64;
    loop {
        let page = store.messages_from_nonce(chain_id, first + count, MATCH_PAGE).await?;
        for (nonce, hash) in &page {
            if *nonce != first + count {
                return Ok(None); // a gap: wait for the scanner
            }
            count += 1;
            if frontier.append(*hash) == messages_root {
                return Ok(Some(count));
            }
        }
        if (page.len() as u64) < MATCH_PAGE {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{abi::Message, db::NewMessage, state::MessageState};
    use alloy::primitives::Bytes;

    async fn store_with(
        nonces: impl Iterator<Item = u64>,
    ) -> (tempfile::TempDir, Store, Vec<B256>) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        let store = Store::connect(&url).await.unwrap();
        let messages: Vec<NewMessage> = nonces
            .map(|nonce| NewMessage {
                message: Message {
                    sourceChainId: U256::from(1),
                    destinationChainId: U256::from(2),
                    nonce: U256::from(nonce),
                    sender: Address::repeat_byte(1),
                    recipient: Address::repeat_byte(2),
                    value: U256::ZERO,
                    fee: U256::ZERO,
                    payload: Bytes::new(),
                },
                state: MessageState::Discovered,
                reason: None,
                block: nonce,
            })
            .collect();
        store.insert_messages(&messages).await.unwrap();
        let hashes = messages.iter().map(|m| m.message.hash()).collect();
        (dir, store, hashes)
    }

    fn root_of(hashes: &[B256]) -> B256 {
        let mut frontier = Frontier::default();
        hashes.iter().fold(B256::ZERO, |_, h| frontier.append(*h))
    }

    /// A batch larger than one page is matched across pages; a later batch starts after it.
    #[tokio::test]
    async fn batches_spanning_pages_are_matched_exactly() {
        let total = 2 * MATCH_PAGE + 500;
        let (_dir, store, hashes) = store_with(0..total).await;
        let first = MATCH_PAGE + 700; // ends inside the third page
        let root = root_of(&hashes[..first as usize]);
        assert_eq!(batch_message_count(&store, 1, 0, root).await.unwrap(), Some(first));
        let rest = root_of(&hashes[first as usize..]);
        assert_eq!(batch_message_count(&store, 1, first, rest).await.unwrap(), Some(total - first));
    }

    /// Not all indexed yet: a gap before the batch's last message, or too few messages, is
    /// `None` (wait), never a shorter or longer match.
    #[tokio::test]
    async fn a_gap_or_missing_messages_wait_for_the_scanner() {
        let (_dir, store, _) = store_with((0..10).chain(11..20)).await;
        let (_d, full, hashes) = store_with(0..20).await;
        drop(full);
        let root = root_of(&hashes);
        assert_eq!(batch_message_count(&store, 1, 0, root).await.unwrap(), None, "gap at 10");
        let (_dir2, short, _) = store_with(0..15).await;
        assert_eq!(batch_message_count(&short, 1, 0, root).await.unwrap(), None, "15 of 20");
    }
}
