//! The attester service: one member of the attester set, with its own key.
//!
//! ```toml
//! l1_rpc = "http://127.0.0.1:8545"
//! chain_factory = "0x…"            # each chain's ChainSettlement is `settlementOf(chain_id)`
//! listen = "127.0.0.1:7001"
//! database = "attester.db"         # SQLite: what it signed (the equivocation guard)
//! key_env = "ATTESTER_PRIVATE_KEY" # hex private key in this environment variable
//! max_timestamp_ahead_secs = 60    # optional (default 60): how far an L2 block's timestamp may
//!                                  # be ahead of the L1 head's
//!
//! [[chains]]
//! chain_id = 901
//! rpc_url = "http://127.0.0.1:8546"
//! ```
//!
//! For `POST /v1/attest` it reads the previous batch's state root, the verifier and the protocol
//! version from L1, fetches the batch's blocks and witness from the chain's own RPC, reads the
//! context (outbox nonce, priority requests) at the block before the batch, reads the block
//! context's L1 bounds ([`L1View`]: the L1 head's timestamp, the queued priority requests and the
//! Transaction Roots the batch's system transactions deliver and import), and signs through
//! [`Attester::attest_batch`] only when every field of the claimed `CommitBatchInfo` equals the
//! re-executed batch's. The signature is returned only after the [`Guard`] has it on disk.
//!
//! A block more than `max_timestamp_ahead_secs` after the L1 head is refused
//! (`timestamp_ahead_of_l1`) when it is also that far ahead of the attester's own clock; otherwise
//! the attester's L1 view is what is behind (an L1 without a block for a while), and it answers
//! "not yet" rather than sign.

use crate::{
    AttestationDomain, Attester, AttesterError, BatchClaim,
    api::{AttestRequest, Attested, Health, NotYet, Refused, SignedRecord, refusal_reason},
    batch_context, batch_digest,
};
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    sol_types::SolValue,
};
use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use hyperchain_bindings::{ChainFactory, ChainSettlement, CommitBatchInfo, TransactionRoot};
use hyperchain_zkevm::{
    BatchBlocks, ExecutionRules, L1View, QueuedPriorityRequest, SystemTransaction, ValidationError,
    build_witness, system_transactions,
};
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Deserialize;
use sqlx::{
    Row,
    sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};
use std::{collections::BTreeMap, net::SocketAddr, path::PathBuf, sync::Arc, time::Instant};

/// The TOML configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// L1 JSON-RPC.
    pub l1_rpc: String,
    /// The `ChainFactory` whose chains it attests.
    pub chain_factory: Address,
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// SQLite file of what it signed.
    pub database: PathBuf,
    /// Environment variable holding its hex private key.
    pub key_env: String,
    /// Seconds an L2 block's timestamp may be ahead of the L1 head's.
    #[serde(default = "default_max_timestamp_ahead")]
    pub max_timestamp_ahead_secs: u64,
    /// The chains it attests.
    pub chains: Vec<ChainConfig>,
}

/// How far an L2 block's timestamp may be ahead of the L1 head's unless configured: a few L1
/// slots of clock skew and L1 latency, far below the priority queue's expiry (days).
pub const DEFAULT_MAX_TIMESTAMP_AHEAD_SECS: u64 = 60;

fn default_max_timestamp_ahead() -> u64 {
    DEFAULT_MAX_TIMESTAMP_AHEAD_SECS
}

/// One attested chain.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// The hyperchain's chain id.
    pub chain_id: u64,
    /// Its own JSON-RPC (not the operator's claim: the blocks are fetched from here).
    pub rpc_url: String,
}

/// What stops the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The configuration file cannot be read.
    #[error("config {path}: {source}")]
    ConfigRead {
        /// The configuration file.
        path: PathBuf,
        /// The read error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML for [`Config`].
    #[error("config {path}: {source}")]
    ConfigParse {
        /// The configuration file.
        path: PathBuf,
        /// The TOML error (with line and column).
        #[source]
        source: toml::de::Error,
    },
    /// The configuration parses but breaks a rule (a chain listed twice).
    #[error("config {path}: {reason}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// The rule it breaks.
        reason: String,
    },
    /// The signing keys do not load.
    #[error(transparent)]
    Key(#[from] AttesterError),
    /// The guard database (what the attester signed, so it never signs two claims for one batch)
    /// does not open.
    #[error("attester database {path}: {source}")]
    Database {
        /// The SQLite file.
        path: PathBuf,
        /// sqlx error.
        #[source]
        source: sqlx::Error,
    },
    /// The HTTP listener cannot bind.
    #[error("listen on {addr}: {source}")]
    Listen {
        /// The configured listen address.
        addr: SocketAddr,
        /// I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An RPC URL that does not parse.
    #[error("invalid RPC URL {url:?}: {source}")]
    Url {
        /// The URL.
        url: String,
        /// The URL parser's error.
        #[source]
        source: <alloy::transports::http::reqwest::Url as std::str::FromStr>::Err,
    },
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, ServiceError> {
        let path_buf = || path.to_path_buf();
        let text = std::fs::read_to_string(path)
            .map_err(|source| ServiceError::ConfigRead { path: path_buf(), source })?;
        let config: Self = toml::from_str(&text)
            .map_err(|source| ServiceError::ConfigParse { path: path_buf(), source })?;
        let mut ids: Vec<u64> = config.chains.iter().map(|c| c.chain_id).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(ServiceError::Config {
                path: path_buf(),
                reason: format!("chain {} is listed twice", w[0]),
            });
        }
        Ok(config)
    }
}

/// What it signed, per (chain, batch number): it never signs a second digest for the same pair.
/// Written with `synchronous = FULL` before a signature leaves the process, so a `kill -9` right
/// after an answer cannot forget it.
#[derive(Clone, Debug)]
pub struct Guard {
    pool: SqlitePool,
}

/// What the guard says about a new signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuardDecision {
    /// Nothing was signed for this batch yet.
    New,
    /// The same digest was signed before: this is its signature.
    Repeat(Bytes),
    /// Another digest was signed for this batch.
    Equivocation {
        /// What was signed.
        signed: B256,
    },
}

impl Guard {
    /// Opens (creating) the database at `path`.
    pub async fn open(path: &std::path::Path) -> Result<Self, sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS signed (\
               chain_id INTEGER NOT NULL, batch_number INTEGER NOT NULL, digest BLOB NOT NULL, \
               signature BLOB NOT NULL, signed_at_ms INTEGER NOT NULL, \
               validation_ms INTEGER NOT NULL, PRIMARY KEY (chain_id, batch_number))",
        )
        .execute(&pool)
        .await?;
        Ok(Self { pool })
    }

    /// What was signed for (`chain_id`, `batch`), compared with `digest`.
    pub async fn check(
        &self,
        chain_id: u64,
        batch: u64,
        digest: B256,
    ) -> Result<GuardDecision, sqlx::Error> {
        let row = sqlx::query(
            "SELECT digest, signature FROM signed WHERE chain_id = ?1 AND batch_number = ?2",
        )
        .bind(chain_id as i64)
        .bind(batch as i64)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => GuardDecision::New,
            Some(row) => {
                let signed = B256::try_from(row.get::<Vec<u8>, _>(0).as_slice())
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
                if signed == digest {
                    GuardDecision::Repeat(row.get::<Vec<u8>, _>(1).into())
                } else {
                    GuardDecision::Equivocation { signed }
                }
            }
        })
    }

    /// Records a signature and how long fetching and re-executing the batch took; the insert
    /// fails if another digest got there first (the primary key).
    pub async fn record(
        &self,
        chain_id: u64,
        batch: u64,
        digest: B256,
        signature: &Bytes,
        validation_ms: u64,
    ) -> Result<(), sqlx::Error> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        sqlx::query(
            "INSERT INTO signed \
             (chain_id, batch_number, digest, signature, signed_at_ms, validation_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(chain_id as i64)
        .bind(batch as i64)
        .bind(digest.as_slice())
        .bind(signature.as_ref())
        .bind(now)
        .bind(validation_ms as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// What it signed at or after `since_ms` (Unix milliseconds), oldest first, at most 10,000.
    pub async fn signed_since(&self, since_ms: u64) -> Result<Vec<SignedRecord>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT chain_id, batch_number, digest, signed_at_ms, validation_ms FROM signed \
             WHERE signed_at_ms >= ?1 ORDER BY signed_at_ms LIMIT 10000",
        )
        .bind(since_ms as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SignedRecord {
                    chain_id: r.get::<i64, _>(0) as u64,
                    batch_number: r.get::<i64, _>(1) as u64,
                    digest: B256::try_from(r.get::<Vec<u8>, _>(2).as_slice())
                        .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                    signed_at_ms: r.get::<i64, _>(3) as u64,
                    validation_ms: r.get::<i64, _>(4) as u64,
                })
            })
            .collect()
    }

    /// Highest batch signed per chain.
    pub async fn last_signed(&self) -> Result<BTreeMap<u64, u64>, sqlx::Error> {
        let rows = sqlx::query("SELECT chain_id, MAX(batch_number) FROM signed GROUP BY chain_id")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| (r.get::<i64, _>(0) as u64, r.get::<i64, _>(1) as u64)).collect())
    }
}

/// The outcome of one request, as the HTTP answer.
#[derive(Debug)]
pub enum Outcome {
    /// 200.
    Attested(Attested),
    /// 422.
    Refused(Refused),
    /// 503.
    NotYet(String),
}

impl IntoResponse for Outcome {
    fn into_response(self) -> Response {
        match self {
            Self::Attested(a) => (StatusCode::OK, Json(a)).into_response(),
            Self::Refused(r) => (StatusCode::UNPROCESSABLE_ENTITY, Json(r)).into_response(),
            Self::NotYet(why) => {
                (StatusCode::SERVICE_UNAVAILABLE, Json(NotYet { not_yet: why })).into_response()
            }
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn refused(reason: &str, detail: impl Into<String>) -> Outcome {
    Outcome::Refused(Refused { refused: reason.into(), detail: detail.into() })
}

/// The running service's state.
pub struct Service {
    attester: Attester,
    address: Address,
    l1: DynProvider,
    factory: ChainFactory::ChainFactoryInstance<DynProvider>,
    chains: BTreeMap<u64, DynProvider>,
    guard: Guard,
    rules: ExecutionRules,
    max_timestamp_ahead: u64,
    /// One validation at a time: the guard's check-then-record must not interleave, and the
    /// machine it runs on is not assumed to have cores to spare.
    lock: tokio::sync::Mutex<()>,
}

fn provider(url: &str) -> Result<DynProvider, ServiceError> {
    let parsed: alloy::transports::http::reqwest::Url =
        url.parse().map_err(|source| ServiceError::Url { url: url.into(), source })?;
    Ok(ProviderBuilder::new().connect_http(parsed).erased())
}

impl Service {
    /// The service for `config`, signing with `attester` (one key).
    pub async fn new(config: &Config, attester: Attester) -> Result<Self, ServiceError> {
        let l1 = provider(&config.l1_rpc)?;
        let chains = config
            .chains
            .iter()
            .map(|c| Ok((c.chain_id, provider(&c.rpc_url)?)))
            .collect::<Result<_, ServiceError>>()?;
        let guard = Guard::open(&config.database)
            .await
            .map_err(|source| ServiceError::Database { path: config.database.clone(), source })?;
        let address = attester.addresses()[0];
        Ok(Self {
            address,
            factory: ChainFactory::new(config.chain_factory, l1.clone()),
            l1,
            chains,
            guard,
            attester,
            rules: ExecutionRules::ANVIL,
            max_timestamp_ahead: config.max_timestamp_ahead_secs,
            lock: tokio::sync::Mutex::new(()),
        })
    }

    /// Its signing address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Answers one attestation request (and counts it in the metrics).
    pub async fn attest(&self, request: &AttestRequest) -> Outcome {
        let _one_at_a_time = self.lock.lock().await;
        let outcome = self.decide(request).await;
        let chain = request.chain_id.to_string();
        match &outcome {
            Outcome::Attested(_) => {
                metrics::counter!("attester_attested_total", "chain" => chain.clone()).increment(1);
                metrics::gauge!("attester_last_signed_batch", "chain" => chain)
                    .set(request.batch_number as f64);
            }
            Outcome::Refused(r) => {
                metrics::counter!("attester_refused_total", "reason" => r.refused.clone())
                    .increment(1);
                tracing::warn!(chain, batch = request.batch_number, reason = %r.refused, detail = %r.detail, "refused");
            }
            Outcome::NotYet(why) => {
                metrics::counter!("attester_not_yet_total", "chain" => chain.clone()).increment(1);
                tracing::info!(chain, batch = request.batch_number, %why, "not yet");
            }
        }
        outcome
    }

    async fn decide(&self, request: &AttestRequest) -> Outcome {
        let started = Instant::now();
        let n = request.batch_number;
        let Some(l2) = self.chains.get(&request.chain_id) else {
            return refused(
                "unknown_chain",
                format!("this attester does not attest chain {}", request.chain_id),
            );
        };
        let commit = match CommitBatchInfo::abi_decode(&request.commit) {
            Ok(c) => c,
            Err(e) => {
                return refused("bad_request", format!("commit is not a CommitBatchInfo: {e}"));
            }
        };
        if commit.batchNumber != n || n == 0 {
            return refused(
                "bad_request",
                format!("batch_number {n} but the commit is batch {}", commit.batchNumber),
            );
        }
        let (first, last) = (request.first_block, request.last_block);
        if first == 0 || last < first || (first == 1) != (n == 1) {
            return refused(
                "invalid_blocks",
                format!("blocks {first}..={last} cannot be batch {n} (batch 1 starts at block 1)"),
            );
        }

        // L1: where the batch continues from, and the verifier it is signed for.
        let l1_err =
            |step: &str, e: alloy::contract::Error| Outcome::NotYet(format!("L1 {step}: {e}"));
        let settlement = match self.factory.settlementOf(U256::from(request.chain_id)).call().await
        {
            Ok(a) if a.is_zero() => {
                return refused(
                    "unknown_chain",
                    format!("chain {} is not registered on L1", request.chain_id),
                );
            }
            Ok(a) => ChainSettlement::new(a, &self.l1),
            Err(e) => return l1_err("settlementOf", e),
        };
        let committed = match settlement.lastCommittedBatch().call().await {
            Ok(c) => c,
            Err(e) => return l1_err("lastCommittedBatch", e),
        };
        if n - 1 > committed {
            return Outcome::NotYet(format!(
                "L1 has batches up to {committed}; batch {n} needs batch {} first",
                n - 1
            ));
        }
        let prev_state_root = match settlement.stateRoot(n - 1).call().await {
            Ok(r) if r.is_zero() => {
                return Outcome::NotYet(format!("L1 has no state root for batch {}", n - 1));
            }
            Ok(r) => r,
            Err(e) => return l1_err("stateRoot", e),
        };
        let prev_block_hash = match settlement.lastBlockHash(n - 1).call().await {
            Ok(h) => h,
            Err(e) => return l1_err("lastBlockHash", e),
        };
        let (verifier, version, l1_chain_id) = match tokio::try_join!(
            async { settlement.verifier().call().await.map_err(|e| l1_err("verifier", e)) },
            async {
                settlement.protocolVersion().call().await.map_err(|e| l1_err("protocolVersion", e))
            },
            async {
                self.l1
                    .get_chain_id()
                    .await
                    .map_err(|e| Outcome::NotYet(format!("L1 eth_chainId: {e}")))
            },
        ) {
            Ok(v) => v,
            Err(o) => return o,
        };
        let domain = AttestationDomain {
            l1_chain_id: U256::from(l1_chain_id),
            verifier,
            protocol_version: U256::from(version),
        };

        // The chain's own node: is the batch there yet?
        let chain_err = |what: &str, e: String| {
            Outcome::NotYet(format!("chain {} RPC ({what}): {e}", request.chain_id))
        };
        let head = match l2.get_block_number().await {
            Ok(h) => h,
            Err(e) => return chain_err("eth_blockNumber", e.to_string()),
        };
        if head < last {
            return Outcome::NotYet(format!(
                "chain {} is at block {head}, the batch ends at {last}",
                request.chain_id
            ));
        }
        let context = match batch_context(l2, l1_chain_id, first, prev_block_hash).await {
            Ok(c) => c,
            Err(e) => return chain_err("batch context", e.to_string()),
        };

        // The guard first: a repeat is answered from disk, an equivocation never re-executed.
        let claim_digest =
            batch_digest(&domain, context.chain_id, prev_state_root, prev_block_hash, &commit);
        match self.guard.check(request.chain_id, n, claim_digest).await {
            Ok(GuardDecision::New) => {}
            Ok(GuardDecision::Repeat(signature)) => {
                return Outcome::Attested(Attested { signature, attester: self.address });
            }
            Ok(GuardDecision::Equivocation { signed }) => {
                return refused(
                    "equivocation",
                    format!(
                        "already signed digest {signed} for chain {} batch {n}; this claim's is {claim_digest}",
                        request.chain_id
                    ),
                );
            }
            Err(e) => return Outcome::NotYet(format!("attester database: {e}")),
        }

        let (blocks, mut witness) = match build_witness(l2, first, last).await {
            Ok(w) => w,
            Err(e) => return chain_err("witness", e.to_string()),
        };
        if first == 1 {
            // anvil's `--init` genesis header carries the empty-trie root; the witness proofs are
            // checked against the genesis root registered on L1.
            witness.prev_state_root = prev_state_root;
        }
        let predeploys = if n == 1 {
            match self.factory.predeployCodes(version).call().await {
                Ok(p) => p,
                Err(e) => return l1_err("predeployCodes", e),
            }
        } else {
            Vec::new()
        };
        let l1_view = match self.l1_view(&settlement, &blocks).await {
            Ok(v) => v,
            Err(o) => return o,
        };
        let claim = BatchClaim {
            blocks: &blocks,
            witness: &witness,
            prev_state_root,
            context: &context,
            commit: &commit,
            predeploys: &predeploys,
            l1: &l1_view,
        };
        let signed = match self.attester.attest_batch(&domain, &claim, &self.rules) {
            Ok(s) => s,
            Err(AttesterError::Invalid(ValidationError::TimestampAheadOfL1 {
                block,
                timestamp,
                l1_timestamp,
                ..
            })) if timestamp <= unix_now().saturating_add(self.max_timestamp_ahead) => {
                return Outcome::NotYet(format!(
                    "block {block} has timestamp {timestamp} but the L1 head is at \
                     {l1_timestamp}: L1 is behind"
                ));
            }
            Err(AttesterError::Invalid(e)) => return refused(&refusal_reason(&e), e.to_string()),
            Err(e) => return Outcome::NotYet(format!("signing: {e}")),
        };
        let took = started.elapsed();
        let validation_ms = took.as_millis() as u64;
        if let Err(e) = self
            .guard
            .record(request.chain_id, n, signed.digest, &signed.proof, validation_ms)
            .await
        {
            return Outcome::NotYet(format!("attester database: {e}"));
        }
        // Batches signed for the first time only: a repeat is answered from the database.
        metrics::histogram!("attester_validation_seconds").record(took.as_secs_f64());
        tracing::info!(chain = request.chain_id, batch = n, first, last, digest = %signed.digest, "attested");
        Outcome::Attested(Attested { signature: signed.proof, attester: self.address })
    }

    /// The block context's L1 bounds for `blocks`: the L1 head's timestamp, and what L1 holds of
    /// the priority requests and Transaction Roots the batch's system transactions deliver and
    /// import (what it does not hold stays out, and the program refuses the transaction).
    async fn l1_view(
        &self,
        settlement: &ChainSettlement::ChainSettlementInstance<&DynProvider>,
        blocks: &BatchBlocks,
    ) -> Result<L1View, Outcome> {
        let system =
            system_transactions(blocks).map_err(|e| refused(&refusal_reason(&e), e.to_string()))?;
        let l1_err =
            |step: &str, e: alloy::contract::Error| Outcome::NotYet(format!("L1 {step}: {e}"));
        let head = self
            .l1
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| Outcome::NotYet(format!("L1 eth_getBlockByNumber(latest): {e}")))?
            .ok_or_else(|| Outcome::NotYet("L1 has no latest block".into()))?;
        let mut view = L1View {
            timestamp: head.header.timestamp,
            max_timestamp_ahead: self.max_timestamp_ahead,
            ..L1View::default()
        };
        if system.is_empty() {
            return Ok(view);
        }
        let queued: u64 = settlement
            .priorityRequestCount()
            .call()
            .await
            .map_err(|e| l1_err("priorityRequestCount", e))?
            .saturating_to();
        let roots = match self.factory.transactionRoot().call().await {
            Ok(a) => TransactionRoot::new(a, &self.l1),
            Err(e) => return Err(l1_err("transactionRoot", e)),
        };
        for tx in system {
            match tx {
                SystemTransaction::PriorityDelivery { message, .. } => {
                    let Ok(nonce) = u64::try_from(message.nonce) else { continue };
                    if nonce >= queued || view.priority_requests.contains_key(&nonce) {
                        continue;
                    }
                    let (request, hash_before, hash_after) = tokio::try_join!(
                        async { settlement.priorityRequest(U256::from(nonce)).call().await },
                        async { settlement.priorityRollingHash(U256::from(nonce)).call().await },
                        async {
                            settlement.priorityRollingHash(U256::from(nonce + 1)).call().await
                        },
                    )
                    .map_err(|e| l1_err("priority request", e))?;
                    view.priority_requests.insert(
                        nonce,
                        QueuedPriorityRequest {
                            l2_gas_limit: request.l2GasLimit,
                            hash_before,
                            hash_after,
                        },
                    );
                }
                SystemTransaction::RootImport { root, .. } => {
                    if roots
                        .isTransactionRoot(root)
                        .call()
                        .await
                        .map_err(|e| l1_err("isTransactionRoot", e))?
                    {
                        view.transaction_roots.insert(root);
                    }
                }
            }
        }
        Ok(view)
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<Health, sqlx::Error> {
        Ok(Health {
            status: "ok".into(),
            attester: self.address,
            last_signed: self.guard.last_signed().await?,
        })
    }
}

#[derive(Clone)]
struct App {
    service: Arc<Service>,
    metrics: PrometheusHandle,
}

/// The HTTP routes.
pub fn router(service: Arc<Service>, metrics: PrometheusHandle) -> Router {
    Router::new()
        .route("/v1/attest", post(attest_handler))
        .route("/healthz", get(health_handler))
        .route("/v1/signed", get(signed_handler))
        .route("/metrics", get(metrics_handler))
        .with_state(App { service, metrics })
}

async fn attest_handler(
    State(app): State<App>,
    body: Result<Json<AttestRequest>, axum::extract::rejection::JsonRejection>,
) -> Outcome {
    match body {
        Ok(Json(request)) => app.service.attest(&request).await,
        Err(e) => refused("bad_request", e.body_text()),
    }
}

async fn health_handler(State(app): State<App>) -> Response {
    match app.service.health().await {
        Ok(h) => Json(h).into_response(),
        Err(e) => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("attester database: {e}")).into_response()
        }
    }
}

#[derive(Deserialize)]
struct SignedQuery {
    #[serde(default)]
    since_ms: u64,
}

async fn signed_handler(
    State(app): State<App>,
    axum::extract::Query(q): axum::extract::Query<SignedQuery>,
) -> Response {
    match app.service.guard.signed_since(q.since_ms).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => {
            (StatusCode::SERVICE_UNAVAILABLE, format!("attester database: {e}")).into_response()
        }
    }
}

async fn metrics_handler(State(app): State<App>) -> String {
    app.metrics.render()
}

/// Installs the global Prometheus recorder (once per process).
pub fn install_metrics() -> Result<PrometheusHandle, String> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("attester_validation_seconds".into()),
            &[0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
        )
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())
}

/// Binds `config.listen` and serves until `shutdown` resolves.
pub async fn serve(
    config: &Config,
    service: Arc<Service>,
    metrics: PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServiceError> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServiceError::Listen { addr: config.listen, source })?;
    tracing::info!(listen = %config.listen, attester = %service.address(), chains = config.chains.len(), "attester serving");
    axum::serve(listener, router(service, metrics))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|source| ServiceError::Listen { addr: config.listen, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn guard_repeats_the_same_digest_refuses_another_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("attester.db");
        let (digest, other) = (B256::repeat_byte(1), B256::repeat_byte(2));
        let signature = Bytes::from(vec![7u8; 65]);
        {
            let guard = Guard::open(&path).await.unwrap();
            assert_eq!(guard.check(901, 3, digest).await.unwrap(), GuardDecision::New);
            guard.record(901, 3, digest, &signature, 12).await.unwrap();
            // The primary key refuses a second row for the batch even if a caller skipped check.
            assert!(guard.record(901, 3, other, &signature, 12).await.is_err());
        }
        let guard = Guard::open(&path).await.unwrap();
        assert_eq!(guard.check(901, 3, digest).await.unwrap(), GuardDecision::Repeat(signature));
        assert_eq!(
            guard.check(901, 3, other).await.unwrap(),
            GuardDecision::Equivocation { signed: digest }
        );
        assert_eq!(guard.check(902, 3, other).await.unwrap(), GuardDecision::New);
        assert_eq!(guard.last_signed().await.unwrap(), BTreeMap::from([(901, 3)]));
        let signed = guard.signed_since(0).await.unwrap();
        assert_eq!((signed.len(), signed[0].validation_ms, signed[0].digest), (1, 12, digest));
    }
}
