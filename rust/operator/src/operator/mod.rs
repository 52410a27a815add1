//! The operator of one hyperchain: priority delivery, Transaction Root import, sealing, settlement.
//!
//! One file per step of `Operator::tick`: `priority` delivers L1 priority requests, `roots`
//! imports Transaction Roots, `seal` seals batches, `settle` moves them on L1 with the
//! attestation `attest` collects; `reconcile` brings the database in line with L1.

mod attest;
mod config;
mod priority;
mod reconcile;
mod roots;
mod seal;
mod settle;

pub use config::{DaMode, OperatorConfig, SealPolicy};

use crate::error::{call_err, rpc_err};
use crate::{OperatorError, Store, batch::state_root_at};
use alloy::{
    eips::BlockId,
    network::EthereumWallet,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use hyperchain_bindings::{
    ChainFactory, ChainSettlement, IInbox, ITransactionRoot, ValidiumDAValidator, predeploys,
};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What one iteration did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TickReport {
    /// Priority requests delivered to L2.
    pub delivered: Vec<u64>,
    /// Transaction Roots imported into L2.
    pub imported: Vec<B256>,
    /// Batch sealed.
    pub sealed: Option<u64>,
    /// Batches committed / proven / executed on L1.
    pub committed: Vec<u64>,
    /// Proven batches.
    pub proven: Vec<u64>,
    /// Executed batches.
    pub executed: Vec<u64>,
}

impl TickReport {
    fn is_idle(&self) -> bool {
        self.delivered.is_empty()
            && self.imported.is_empty()
            && self.sealed.is_none()
            && self.committed.is_empty()
            && self.proven.is_empty()
            && self.executed.is_empty()
    }
}

/// L1 view of the chain.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct L1Counters {
    /// `lastCommittedBatch()`.
    pub committed: u64,
    /// `lastProvenBatch()`.
    pub proven: u64,
    /// `lastExecutedBatch()`.
    pub executed: u64,
    /// `priorityRequestCount()`.
    pub priority_requests: u64,
    /// `priorityRequestsExecuted()` (executed batches).
    pub priority_processed: u64,
}

/// One hyperchain operator.
pub struct Operator {
    config: OperatorConfig,
    store: Store,
    l1: DynProvider,
    l2: DynProvider,
    settlement: ChainSettlement::ChainSettlementInstance<DynProvider>,
    inbox: IInbox::IInboxInstance<DynProvider>,
    transaction_root: ITransactionRoot::ITransactionRootInstance<DynProvider>,
    chain_id: u64,
    l1_chain_id: u64,
    da_mode: DaMode,
    verifier: Address,
    da_validator: Address,
    factory: ChainFactory::ChainFactoryInstance<DynProvider>,
    http: reqwest::Client,
    last_seal: Instant,
    /// Set once the chain is seen to have left the ecosystem (`root_at_leaving`).
    root_at_leaving: Option<B256>,
}

fn parse_url(url: &str) -> Result<reqwest_url::Url, OperatorError> {
    url.parse().map_err(|e| OperatorError::Config {
        what: format!("invalid RPC URL {url:?}"),
        source: Box::new(e),
    })
}

mod reqwest_url {
    pub(crate) use alloy::transports::http::reqwest::Url;
}

impl Operator {
    /// Connects to L1 and L2, checks the settlement contract, opens the database and reconciles it
    /// with L1 (re-syncing from L1 when the database is new or lost).
    pub async fn new(config: OperatorConfig) -> Result<Self, OperatorError> {
        let signer = PrivateKeySigner::from_bytes(&config.operator_key).map_err(|e| {
            OperatorError::Config { what: "invalid operator key".into(), source: Box::new(e) }
        })?;
        // Nonces from the node on every transaction, not alloy's default cache: a cached nonce
        // that a failed estimate or broadcast consumed would put every later transaction at a
        // future nonce. The operator sends one transaction at a time and waits for it, so
        // asking the node costs one call and never races itself.
        let l1 = ProviderBuilder::new()
            .disable_recommended_fillers()
            .with_gas_estimation()
            .with_simple_nonce_management()
            .fetch_chain_id()
            .wallet(EthereumWallet::from(signer))
            .connect_http(parse_url(&config.l1_rpc)?)
            .erased();
        let l2 = ProviderBuilder::new().connect_http(parse_url(&config.l2_rpc)?).erased();
        let l1_chain_id = l1.get_chain_id().await.map_err(rpc_err("L1 eth_chainId"))?;
        let chain_id_l2 = l2.get_chain_id().await.map_err(rpc_err("L2 eth_chainId"))?;

        let settlement = ChainSettlement::new(config.settlement, l1.clone());
        let chain_id: u64 = settlement
            .chainId()
            .call()
            .await
            .map_err(|e| OperatorError::NoSettlement {
                settlement: config.settlement,
                source: Box::new(e),
            })?
            .try_into()
            .map_err(|_| OperatorError::Inconsistent("chain id exceeds u64".into()))?;
        if chain_id != chain_id_l2 {
            return Err(OperatorError::Inconsistent(format!(
                "settlement {} is for chain {chain_id} but the L2 RPC serves chain {chain_id_l2}",
                config.settlement
            )));
        }
        let verifier = settlement.verifier().call().await.map_err(call_err("verifier()"))?;
        let da_validator =
            settlement.daValidator().call().await.map_err(call_err("daValidator()"))?;
        let tr =
            settlement.TRANSACTION_ROOT().call().await.map_err(call_err("TRANSACTION_ROOT()"))?;
        let factory = ChainFactory::new(
            settlement.FACTORY().call().await.map_err(call_err("FACTORY()"))?,
            l1.clone(),
        );
        // The validium validator has a committee; the rollup one has no `threshold()`, so the
        // call reverts. Only a revert means rollup: an unreachable node or a timeout is no
        // answer, and taking it for one would run a validium chain as a rollup.
        let da_mode =
            match ValidiumDAValidator::new(da_validator, l1.clone()).threshold().call().await {
                Ok(_) => DaMode::Validium,
                Err(e) if e.as_revert_data().is_some() => DaMode::Rollup,
                Err(e) => return Err(call_err("daValidator().threshold()")(e)),
            };

        l2.raw_request::<_, ()>("anvil_impersonateAccount".into(), (predeploys::SYSTEM_CALLER,))
            .await
            .map_err(rpc_err("anvil_impersonateAccount(SYSTEM_CALLER)"))?;

        if config.attesters.is_empty() {
            return Err(OperatorError::Inconsistent("no attester URLs configured".into()));
        }
        let store = match &config.db_path {
            Some(path) => Store::open(path).await?,
            None => Store::in_memory().await?,
        };
        let mut operator = Self {
            inbox: IInbox::new(predeploys::INBOX, l2.clone()),
            transaction_root: ITransactionRoot::new(tr, l1.clone()),
            settlement,
            l1,
            l2,
            store,
            chain_id,
            l1_chain_id,
            da_mode,
            verifier,
            da_validator,
            factory,
            http: reqwest::Client::new(),
            last_seal: Instant::now(),
            root_at_leaving: None,
            config,
        };
        operator.reconcile().await?;
        Ok(operator)
    }

    /// The hyperchain's chain id.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The DA mode read from the chain's DA validator.
    pub fn da_mode(&self) -> DaMode {
        self.da_mode
    }

    /// The operator's database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Runs until `shutdown` resolves. Transport errors are retried with capped exponential
    /// backoff; an L1 rejection is recorded on the batch and retried at the capped interval.
    pub async fn run(
        &mut self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> Result<(), OperatorError> {
        tokio::pin!(shutdown);
        let mut backoff = Duration::ZERO;
        loop {
            let wait = if backoff.is_zero() { self.config.poll_interval } else { backoff };
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(wait) => {}
            }
            match self.tick().await {
                Ok(report) => {
                    backoff = Duration::ZERO;
                    if !report.is_idle() {
                        tracing::info!(chain = self.chain_id, ?report, "operator progress");
                    }
                }
                Err(err) => {
                    backoff =
                        (backoff * 2).clamp(Duration::from_millis(200), Duration::from_secs(5));
                    tracing::warn!(chain = self.chain_id, error = %err, retry_in = ?backoff, "operator step failed");
                }
            }
        }
    }

    /// One iteration: deliver priority requests, import the newest Transaction Root, seal a batch
    /// if the policy says so, then move every unexecuted batch as far as it can go on L1.
    pub async fn tick(&mut self) -> Result<TickReport, OperatorError> {
        let mut report = TickReport {
            delivered: self.deliver_priority_requests().await?,
            ..TickReport::default()
        };
        if let Some(root) = self.import_latest_root().await? {
            report.imported.push(root);
        }
        report.sealed = self.maybe_seal(false).await?;
        self.settle(&mut report).await?;
        Ok(report)
    }

    /// The L2 state root at `block` (for checks against L1).
    pub async fn l2_state_root(&self, block: u64) -> Result<B256, OperatorError> {
        state_root_at(&self.l2, block).await
    }

    /// The L1 chain id.
    pub fn l1_chain_id(&self) -> u64 {
        self.l1_chain_id
    }

    /// Current L2 block number.
    pub async fn l2_head(&self) -> Result<u64, OperatorError> {
        self.l2.get_block_number().await.map_err(rpc_err("L2 eth_blockNumber"))
    }

    /// Balance of `who` on L2.
    pub async fn l2_balance(&self, who: Address) -> Result<U256, OperatorError> {
        self.l2
            .get_balance(who)
            .block_id(BlockId::latest())
            .await
            .map_err(rpc_err("L2 eth_getBalance"))
    }
}
