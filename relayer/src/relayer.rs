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
    network::EthereumWallet,
    primitives::{Address, B256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use hyperchain_bindings::MessagesTree;
use hyperchain_merkle::Tree;
use tokio::sync::Mutex;
use tracing::{info, warn};

use crate::{
    config::{ChainConfig, Config},
    db::{DbError, LeafRow, Store},
    metrics::{Health, rpc_error},
    nonce::NonceManager,
    state::MessageState,
};

mod confirm;
mod follow;
mod proof;
mod scan;
mod submit;

/// A failure that stops a loop iteration (the loop logs it and retries next poll).
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// The relayer database failed (a query, a lost connection, a corrupt row).
    #[error(transparent)]
    Db(#[from] DbError),
    /// An RPC call failed.
    #[error("{chain} RPC: {call}: {source}")]
    Rpc {
        /// Chain name (or `l1`).
        chain: String,
        /// The call that failed (`eth_getLogs`, `stateRoot(3)`, …).
        call: String,
        /// The transport or contract-call error.
        #[source]
        source: BoxError,
    },
    /// Chain data that contradicts what the relayer derived.
    #[error("{0}")]
    Inconsistent(String),
    /// A log the node returned for an event filter does not decode as that event.
    #[error("bad {event}: {source}")]
    Decode {
        /// The event filtered for.
        event: &'static str,
        /// The decoder's error.
        #[source]
        source: alloy::sol_types::Error,
    },
    /// A Merkle path could not be taken from a tree rebuilt from the database (the database and
    /// the chain disagree on the tree's size).
    #[error("{which} proof: {source}")]
    Proof {
        /// `message` (the batch's messages tree) or `batch` (the Transaction Root tree).
        which: &'static str,
        /// The tree's error.
        #[source]
        source: hyperchain_merkle::MerkleError,
    },
    /// Configuration problem discovered at start.
    #[error("{0}")]
    Setup(String),
    /// A step at start (or of signing) failed with a lower-level error.
    #[error("{what}: {source}")]
    SetupFailed {
        /// What the relayer was doing.
        what: String,
        /// The URL parse, transport, signer or task error.
        #[source]
        source: BoxError,
    },
}

/// A lower-level error kept as the cause of a [`RelayerError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

type Result<T, E = RelayerError> = std::result::Result<T, E>;

/// Maps the error of `call` on `chain` to [`RelayerError::Rpc`], counting it in the metrics.
fn rpc<E: Into<BoxError>>(chain: &str, call: impl Into<String>) -> impl FnOnce(E) -> RelayerError {
    let (chain, call) = (chain.to_string(), call.into());
    move |e| {
        rpc_error(&chain);
        RelayerError::Rpc { chain, call, source: e.into() }
    }
}

/// Plain HTTP provider (no fillers: the relayer owns nonces, gas and signing).
pub fn http_provider(url: &str) -> Result<DynProvider> {
    let parsed = url.parse::<alloy::transports::http::reqwest::Url>().map_err(|e| {
        RelayerError::SetupFailed { what: format!("invalid RPC URL {url}"), source: e.into() }
    })?;
    Ok(ProviderBuilder::new().disable_recommended_fillers().connect_http(parsed).erased())
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
    batches: HashMap<(u64, u64), (Arc<MessagesTree>, u64)>,
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
        let l1 = http_provider(&config.l1.rpc_url)?;
        let l1_chain_id = l1.get_chain_id().await.map_err(|e| RelayerError::SetupFailed {
            what: format!("L1 RPC {} is unreachable", config.l1.rpc_url),
            source: e.into(),
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
            let provider = http_provider(&cfg.rpc_url)?;
            let actual = provider.get_chain_id().await.map_err(|e| RelayerError::SetupFailed {
                what: format!("chain {} RPC {} is unreachable", cfg.name, cfg.rpc_url),
                source: e.into(),
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
                .map_err(|e| RelayerError::SetupFailed {
                    what: format!("chain {}: signer", cfg.name),
                    source: e.into(),
                })?;
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
        // Registered before they start: a loop that hangs in its first iteration shows as stalled.
        self.health.beat("l1");
        for chain in &self.chains {
            for role in ["scan", "submit", "confirm"] {
                self.health.beat(&format!("{role}:{}", chain.name()));
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
                return Err(RelayerError::SetupFailed {
                    what: "a relayer task panicked".into(),
                    source: e.into(),
                });
            }
        }
        Ok(())
    }

    fn interval(&self) -> Duration {
        self.config.poll.interval()
    }

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
