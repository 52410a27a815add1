//! The daemon: scanners, the L1 follower, and per-destination submitters and confirmers.
//!
//! Tasks (all loops; each persists before moving a message on):
//! - per hyperchain, a **scanner** indexes outbox `MessageQueued` (→ `discovered`) and inbox
//!   `TransactionRootImported` events;
//! - one **L1 follower** indexes `TransactionRootUpdated` leaves (with the executed batch's roots
//!   from the chain's settlement contract), checks for L1 reorgs, matches each executed batch to
//!   the outbox nonces its messages root covers (→ `batch_executed`) and, per destination, picks
//!   the largest imported Transaction Root (→ `root_imported`);
//! - per destination, a **submitter** claims ready messages, builds `RelayProof`s from
//!   `hyperchain-merkle` trees (→ `proof_built`), applies the fee policy (→ `held`), simulates
//!   `relayBatch` (→ `simulated`, or per message `retrying` with backoff), signs one `relayBatch`
//!   transaction, persists it and its messages (→ `submitted`) and only then broadcasts it;
//! - per destination, a **confirmer** follows every pending transaction to a receipt
//!   (→ `confirmed`, fee from `MessageRelayed`), rebroadcasts the persisted raw transaction when it
//!   is slow, and when the nonce was consumed elsewhere asks the inbox `delivered(hash)`.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use futures::{StreamExt, stream};
use hyperchain_merkle::{Frontier, Tree};
use tokio::sync::Mutex;
use tracing::{debug, info, warn};

use crate::{
    abi::{
        self, IChainFactory, IChainSettlement, IInbox, IOutbox, ITransactionRoot, Message,
        RelayProof,
    },
    config::{ChainConfig, Config, FeePolicyKind},
    db::{DbError, LeafRow, MessageRow, NewMessage, Store, SubmissionRow, now_ms},
    metrics::{Health, rpc_error},
    nonce::{NonceManager, is_nonce_error},
    state::MessageState,
};

/// A failure that stops a loop iteration (the loop logs it and retries next poll).
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// Database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// An RPC call failed.
    #[error("{chain} RPC: {message}")]
    Rpc {
        /// Chain name (or `l1`).
        chain: String,
        /// What failed.
        message: String,
    },
    /// Chain data that contradicts what the relayer derived.
    #[error("{0}")]
    Inconsistent(String),
    /// Configuration problem discovered at start.
    #[error("{0}")]
    Setup(String),
}

type Result<T, E = RelayerError> = std::result::Result<T, E>;

fn rpc(chain: &str) -> impl Fn(String) -> RelayerError + '_ {
    move |message| {
        rpc_error(chain);
        RelayerError::Rpc { chain: chain.to_string(), message }
    }
}

/// Plain HTTP provider (no fillers: the relayer owns nonces, gas and signing).
pub fn http_provider(url: &str) -> Result<DynProvider, String> {
    let url = url.parse().map_err(|e| format!("invalid RPC URL {url}: {e}"))?;
    Ok(ProviderBuilder::new().disable_recommended_fillers().connect_http(url).erased())
}

/// One hyperchain as the relayer uses it.
#[derive(Debug)]
pub struct Chain {
    /// Its configuration.
    pub config: ChainConfig,
    /// RPC.
    pub provider: DynProvider,
    /// Delivery signer.
    pub wallet: EthereumWallet,
    /// Its address.
    pub address: Address,
    /// The one nonce manager for this chain's signer.
    pub nonces: NonceManager,
}

impl Chain {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn id(&self) -> u64 {
        self.config.chain_id
    }
}

/// In-memory tree caches (pure functions of the database).
#[derive(Default)]
struct TreeCache {
    /// (source chain, batch number) → messages tree and first nonce.
    batches: HashMap<(u64, u64), (Arc<Tree>, u64)>,
    /// leaf count → Transaction Root tree.
    roots: HashMap<u64, Arc<Tree>>,
    /// leaf index → matched leaf row (only rows with a matched batch are cached).
    leaves: HashMap<u64, LeafRow>,
}

/// The running relayer.
pub struct Relayer {
    config: Config,
    store: Store,
    instance: String,
    l1: DynProvider,
    l1_chain_id: u64,
    chains: Vec<Arc<Chain>>,
    settlements: Mutex<HashMap<u64, Address>>,
    trees: Mutex<TreeCache>,
    health: Health,
    /// Last L1 block scanned and its hash (reorg detection between polls).
    l1_tip: Mutex<Option<(u64, B256)>>,
}

impl std::fmt::Debug for Relayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relayer").field("instance", &self.instance).finish()
    }
}

impl Relayer {
    /// Connects to every chain and the database; checks chain ids.
    pub async fn new(config: Config, store: Store, health: Health) -> Result<Arc<Self>> {
        let l1 = http_provider(&config.l1.rpc_url).map_err(RelayerError::Setup)?;
        let l1_chain_id = l1.get_chain_id().await.map_err(|e| {
            RelayerError::Setup(format!("L1 RPC {} is unreachable: {e}", config.l1.rpc_url))
        })?;
        if let Some(expected) = config.l1.chain_id
            && expected != l1_chain_id
        {
            return Err(RelayerError::Setup(format!(
                "L1 RPC {} has chain id {l1_chain_id}, config says {expected}",
                config.l1.rpc_url
            )));
        }
        let mut chains = Vec::new();
        let mut first_signer = None;
        for cfg in &config.chains {
            let provider = http_provider(&cfg.rpc_url).map_err(RelayerError::Setup)?;
            let actual = provider.get_chain_id().await.map_err(|e| {
                RelayerError::Setup(format!(
                    "chain {} RPC {} is unreachable: {e}",
                    cfg.name, cfg.rpc_url
                ))
            })?;
            if actual != cfg.chain_id {
                return Err(RelayerError::Setup(format!(
                    "chain {}: RPC {} has chain id {actual}, config says {}",
                    cfg.name, cfg.rpc_url, cfg.chain_id
                )));
            }
            let signer: PrivateKeySigner = config
                .signer_of(cfg)
                .ok_or_else(|| RelayerError::Setup(format!("chain {}: no signer", cfg.name)))?
                .load()
                .map_err(|e| RelayerError::Setup(e.to_string()))?;
            let address = signer.address();
            first_signer.get_or_insert(address);
            chains.push(Arc::new(Chain {
                config: cfg.clone(),
                nonces: NonceManager::new(provider.clone(), address),
                provider,
                wallet: EthereumWallet::from(signer),
                address,
            }));
        }
        let instance = config.instance_id.clone().unwrap_or_else(|| match first_signer {
            Some(a) => format!("relayer-{a}"),
            None => config.instance(),
        });
        Ok(Arc::new(Self {
            config,
            store,
            instance,
            l1,
            l1_chain_id,
            chains,
            settlements: Mutex::new(HashMap::new()),
            trees: Mutex::new(TreeCache::default()),
            health,
            l1_tip: Mutex::new(None),
        }))
    }

    /// This instance's claim name.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    fn chain(&self, chain_id: u64) -> Option<&Arc<Chain>> {
        self.chains.iter().find(|c| c.id() == chain_id)
    }

    /// Runs every loop until one fails fatally (they do not, short of a panic).
    pub async fn run(self: Arc<Self>) -> Result<()> {
        info!(instance = %self.instance, chains = self.chains.len(), l1_chain_id = self.l1_chain_id, "relayer starting");
        // Reconcile what a previous run left in flight before taking new nonces.
        for chain in &self.chains {
            if let Err(e) = self.confirm_pass(chain, true).await {
                warn!(chain = chain.name(), error = %e, "startup reconciliation incomplete");
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for chain in &self.chains {
            let (me, c) = (self.clone(), chain.clone());
            tasks.spawn(async move { me.scan_loop(c).await });
            let (me, c) = (self.clone(), chain.clone());
            tasks.spawn(async move { me.submit_loop(c).await });
            let (me, c) = (self.clone(), chain.clone());
            tasks.spawn(async move { me.confirm_loop(c).await });
        }
        let me = self.clone();
        tasks.spawn(async move { me.l1_loop().await });
        let me = self.clone();
        tasks.spawn(async move { me.gauge_loop().await });
        while let Some(joined) = tasks.join_next().await {
            if let Err(e) = joined {
                return Err(RelayerError::Setup(format!("a relayer task panicked: {e}")));
            }
        }
        Ok(())
    }

    fn interval(&self) -> Duration {
        self.config.poll.interval()
    }

    // ------------------------------------------------------------------ scanning L2s

    async fn scan_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.scan_once(&chain).await {
                Ok(true) => {
                    self.health.beat();
                    continue;
                }
                Ok(false) => self.health.beat(),
                Err(e) => warn!(chain = chain.name(), error = %e, "scan failed"),
            }
            tokio::time::sleep(self.interval()).await;
        }
    }

    /// Indexes one range of the chain's outbox and inbox logs; true when more remain.
    async fn scan_once(&self, chain: &Chain) -> Result<bool> {
        let err = rpc(chain.name());
        let cursor_name = format!("l2:{}", chain.id());
        let head = chain.provider.get_block_number().await.map_err(|e| err(e.to_string()))?;
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
        let logs = chain.provider.get_logs(&filter).await.map_err(|e| err(e.to_string()))?;
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

    fn classify(&self, message: Message, block: u64) -> NewMessage {
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

    // ------------------------------------------------------------------ L1

    async fn l1_loop(self: Arc<Self>) {
        loop {
            let more = match self.l1_once().await {
                Ok(more) => {
                    self.health.beat();
                    more
                }
                Err(e) => {
                    warn!(error = %e, "L1 follower failed");
                    false
                }
            };
            if let Err(e) = self.advance_messages().await {
                warn!(error = %e, "advancing messages failed");
            }
            if !more {
                tokio::time::sleep(self.interval()).await;
            }
        }
    }

    async fn settlement(&self, chain_id: u64) -> Result<Address> {
        if let Some(a) = self.settlements.lock().await.get(&chain_id) {
            return Ok(*a);
        }
        let factory = IChainFactory::new(self.config.l1.chain_factory, &self.l1);
        let address = factory
            .settlementOf(U256::from(chain_id))
            .call()
            .await
            .map_err(|e| rpc("l1")(format!("settlementOf({chain_id}): {e}")))?;
        if address == Address::ZERO {
            return Err(RelayerError::Inconsistent(format!(
                "chain {chain_id} is not registered in the ChainFactory"
            )));
        }
        self.settlements.lock().await.insert(chain_id, address);
        Ok(address)
    }

    /// Detects an L1 reorg that removed Transaction Roots and drops what depended on them.
    async fn check_reorg(&self) -> Result<()> {
        let Some(last) = self.store.last_leaf().await? else { return Ok(()) };
        let tr = ITransactionRoot::new(self.config.l1.transaction_root, &self.l1);
        let alive = |root: B256| {
            let tr = tr.clone();
            async move {
                tr.isTransactionRoot(root)
                    .call()
                    .await
                    .map_err(|e| rpc("l1")(format!("isTransactionRoot: {e}")))
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
    async fn l1_once(&self) -> Result<bool> {
        let err = rpc("l1");
        self.check_reorg().await?;
        // A reorg that replaced scanned blocks without touching a stored root: rescan.
        let tip = *self.l1_tip.lock().await;
        if let Some((number, hash)) = tip {
            let block =
                self.l1.get_block_by_number(number.into()).await.map_err(|e| err(e.to_string()))?;
            if block.map(|b| b.header.hash) != Some(hash) {
                let back = number.saturating_sub(64);
                warn!(block = number, rescan_from = back, "L1 block replaced; rescanning");
                self.store.reset_cursor("l1", back).await?;
                *self.l1_tip.lock().await = None;
            }
        }
        let head = self.l1.get_block_number().await.map_err(|e| err(e.to_string()))?;
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
        let logs = self.l1.get_logs(&filter).await.map_err(|e| err(e.to_string()))?;
        let mut expected = self.store.last_leaf().await?.map(|l| l.leaf_index + 1).unwrap_or(0);
        let mut leaves = Vec::new();
        for log in &logs {
            let ev = log.log_decode::<ITransactionRoot::TransactionRootUpdated>().map_err(|e| {
                RelayerError::Inconsistent(format!("bad TransactionRootUpdated: {e}"))
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
                    .map_err(|e| err(format!("stateRoot({}): {e}", d.batchNumber)))?;
                let messages_root = settlement
                    .messagesRoot(d.batchNumber)
                    .block(l1_block.into())
                    .call()
                    .await
                    .map_err(|e| err(format!("messagesRoot({}): {e}", d.batchNumber)))?;
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
    async fn advance_messages(&self) -> Result<()> {
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
    async fn match_batches(&self, chain_id: u64) -> Result<()> {
        let (mut next_nonce, batches) = self.store.unmatched_batches(chain_id).await?;
        for leaf in batches {
            if leaf.messages_root == B256::ZERO {
                self.store.assign_batch(&leaf, next_nonce, 0).await?;
                continue;
            }
            let candidates =
                self.store.messages_from_nonce(chain_id, next_nonce, 1_000_000).await?;
            let mut frontier = Frontier::default();
            let mut found = None;
            for (i, (nonce, hash)) in candidates.iter().enumerate() {
                if *nonce != next_nonce + i as u64 {
                    break; // a gap: wait for the scanner
                }
                if frontier.append(*hash) == leaf.messages_root {
                    found = Some(i as u64 + 1);
                    break;
                }
            }
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

    // ------------------------------------------------------------------ proofs

    async fn build_proof(&self, m: &MessageRow) -> Result<RelayProof> {
        let missing =
            |what: &str| RelayerError::Inconsistent(format!("message {}: no {what}", m.hash));
        let leaf_index = m.leaf_index.ok_or_else(|| missing("source batch"))?;
        let leaf_count = m.root_leaf_count.ok_or_else(|| missing("Transaction Root"))?;
        let leaf =
            self.store.leaf(leaf_index).await?.ok_or_else(|| missing("batch leaf (reorg?)"))?;
        let (first, count) = match (leaf.first_nonce, leaf.message_count) {
            (Some(f), Some(c)) => (f, c),
            _ => return Err(missing("matched batch")),
        };
        let chain_id = leaf.chain_id;
        let mut cache = self.trees.lock().await;
        let batch_tree = match cache.batches.get(&(chain_id, leaf.batch_number)) {
            Some((t, f)) if *f == first => t.clone(),
            _ => {
                let hashes = self.store.batch_message_hashes(chain_id, first, count).await?;
                let tree = Arc::new(Tree::new(&hashes));
                if tree.root() != leaf.messages_root {
                    return Err(RelayerError::Inconsistent(format!(
                        "rebuilt messages tree of chain {chain_id} batch {} has the wrong root",
                        leaf.batch_number
                    )));
                }
                cache.batches.insert((chain_id, leaf.batch_number), (tree.clone(), first));
                tree
            }
        };
        let root_tree = match cache.roots.get(&leaf_count) {
            Some(t) => t.clone(),
            None => {
                let leaves = self.store.leaf_hashes(leaf_count).await?;
                let tree = Arc::new(Tree::new(&leaves));
                if Some(tree.root()) != m.root {
                    return Err(RelayerError::Inconsistent(format!(
                        "rebuilt Transaction Root over {leaf_count} leaves is not the imported root"
                    )));
                }
                if cache.roots.len() > 8 {
                    cache.roots.clear();
                }
                cache.roots.insert(leaf_count, tree.clone());
                tree
            }
        };
        drop(cache);
        let nonce = u64::try_from(m.message.nonce).unwrap_or(u64::MAX);
        let index = nonce.checked_sub(first).ok_or_else(|| missing("position in its batch"))?;
        let message_proof = batch_tree
            .proof(index)
            .map_err(|e| RelayerError::Inconsistent(format!("message proof: {e}")))?;
        let batch_proof = root_tree
            .proof(leaf_index)
            .map_err(|e| RelayerError::Inconsistent(format!("batch proof: {e}")))?;
        Ok(RelayProof {
            batchNumber: leaf.batch_number,
            stateRoot: leaf.state_root,
            messageProof: abi::to_abi_proof(&message_proof),
            batchProof: abi::to_abi_proof(&batch_proof),
        })
    }

    // ------------------------------------------------------------------ delivery

    async fn submit_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.submit_once(&chain).await {
                Ok(0) => tokio::time::sleep(self.interval()).await,
                Ok(_) => self.health.beat(),
                Err(e) => {
                    warn!(chain = chain.name(), error = %e, "delivery failed");
                    tokio::time::sleep(self.interval()).await;
                }
            }
        }
    }

    /// One delivery round for `chain` as destination; returns messages submitted.
    async fn submit_once(&self, chain: &Chain) -> Result<usize> {
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
                Err(RelayerError::Inconsistent(why)) => {
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
                tr.isTransactionRoot(root).call().await.map_err(|e| rpc("l1")(e.to_string()))?;
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
        let mut ready = keep;
        let gas_price = if fee.policy == FeePolicyKind::CoverGas {
            Some(
                chain
                    .provider
                    .get_gas_price()
                    .await
                    .map_err(|e| rpc(chain.name())(e.to_string()))?,
            )
        } else {
            None
        };
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
            return Ok(0);
        }
        let hashes: Vec<B256> = ready.iter().map(|(m, _)| m.hash).collect();
        self.store
            .set_claimed_state(&self.instance, &hashes, MessageState::Simulated, None)
            .await?;
        self.submit(chain, ready, batch_estimate).await
    }

    /// Simulates `relay` for each message; returns those that pass (and whose fee covers their
    /// gas under `cover-gas`), and records why the others are not delivered.
    async fn simulate_each(
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
    async fn submit(
        &self,
        chain: &Chain,
        ready: Vec<(MessageRow, RelayProof)>,
        estimate: Option<u64>,
    ) -> Result<usize> {
        let err = rpc(chain.name());
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
                .map_err(|e| err(format!("estimate relayBatch: {e}")))?,
        };
        let fees = chain.provider.estimate_eip1559_fees().await.map_err(|e| err(e.to_string()))?;
        let nonce = chain.nonces.next().await.map_err(|e| err(e.to_string()))?;
        let request: TransactionRequest = call
            .into_transaction_request()
            .with_from(chain.address)
            .with_chain_id(chain.id())
            .with_nonce(nonce)
            .with_gas_limit(gas + gas / 4)
            .with_max_fee_per_gas(fees.max_fee_per_gas)
            .with_max_priority_fee_per_gas(fees.max_priority_fee_per_gas);
        let envelope = request
            .build(&chain.wallet)
            .await
            .map_err(|e| RelayerError::Setup(format!("cannot sign delivery: {e}")))?;
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

    // ------------------------------------------------------------------ confirmation

    async fn confirm_loop(self: Arc<Self>, chain: Arc<Chain>) {
        loop {
            match self.confirm_pass(&chain, false).await {
                Ok(n) if n > 0 => self.health.beat(),
                Ok(_) => {}
                Err(e) => warn!(chain = chain.name(), error = %e, "confirmation failed"),
            }
            tokio::time::sleep(self.interval() / 2).await;
        }
    }

    /// Follows pending deliveries to `chain`; returns how many were settled. With `startup`,
    /// this instance's own pending transactions are rebroadcast at once.
    async fn confirm_pass(&self, chain: &Chain, startup: bool) -> Result<usize> {
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
    async fn follow(&self, chain: &Chain, s: SubmissionRow, startup: bool) -> Result<bool> {
        let err = rpc(chain.name());
        let receipt = chain
            .provider
            .get_transaction_receipt(s.tx_hash)
            .await
            .map_err(|e| err(e.to_string()))?;
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
                    rpc_error(chain.name());
                    return Err(err(format!("rebroadcast {}: {text}", s.tx_hash)));
                }
                // The nonce was used by another transaction: mined meanwhile, or replaced.
                if let Some(receipt) = chain
                    .provider
                    .get_transaction_receipt(s.tx_hash)
                    .await
                    .map_err(|e| err(e.to_string()))?
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
                    let done =
                        inbox.delivered(m.hash).call().await.map_err(|e| err(e.to_string()))?;
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

    async fn settle_receipt(
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
            warn!(chain = chain.name(), tx = %s.tx_hash, "delivery transaction reverted; messages requeued");
            self.store
                .settle_submission(
                    s.tx_hash,
                    "failed",
                    &HashMap::new(),
                    Some("delivery tx reverted; requeued"),
                )
                .await?;
        }
        Ok(())
    }

    fn observe_confirmed(&self, chain: &Chain, confirmed: &[MessageRow]) {
        let label = chain.name().to_string();
        for m in confirmed {
            if let Some(at) = m.confirmed_at {
                metrics::histogram!("relayer_delivery_latency_seconds", "chain" => label.clone())
                    .record((at - m.discovered_at).max(0) as f64 / 1000.0);
            }
            if let Some(fee) = m.fee_earned {
                let wei: f64 = fee.to_string().parse().unwrap_or(0.0);
                metrics::counter!("relayer_fees_earned_wei_total", "chain" => label.clone())
                    .increment(wei.min(u64::MAX as f64) as u64);
            }
        }
        metrics::counter!("relayer_delivered_total", "chain" => label)
            .increment(confirmed.len() as u64);
    }

    // ------------------------------------------------------------------ gauges

    async fn gauge_loop(self: Arc<Self>) {
        loop {
            if let Ok(counts) = self.store.counts().await {
                let mut seen = HashSet::new();
                for (dest, state, n) in counts {
                    let chain =
                        self.chain(dest).map(|c| c.name().to_string()).unwrap_or_else(|| {
                            if dest == self.l1_chain_id { "l1".into() } else { dest.to_string() }
                        });
                    seen.insert((chain.clone(), state));
                    metrics::gauge!("relayer_messages", "chain" => chain, "state" => state.as_str()).set(n as f64);
                }
                for c in &self.chains {
                    for state in MessageState::ALL {
                        if !seen.contains(&(c.name().to_string(), state)) {
                            metrics::gauge!("relayer_messages", "chain" => c.name().to_string(), "state" => state.as_str()).set(0.0);
                        }
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
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
