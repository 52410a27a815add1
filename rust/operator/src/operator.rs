//! The operator of one hyperchain: priority delivery, Transaction Root import, sealing, settlement.

use crate::{
    BatchRecord, BatchState, OperatorError, Store,
    batch::{self, state_root_at},
    error::classify,
};
use alloy::{
    eips::BlockId,
    network::EthereumWallet,
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::{SignerSync, local::PrivateKeySigner},
    sol_types::{SolCall, SolEvent},
};
use hyperchain_attester::{
    AttestationDomain,
    api::{AttestRequest, AttestationFailure, request_attestation},
    batch_digest,
};
use hyperchain_bindings::{
    AttestationVerifier, ChainFactory, ChainSettlement, CommitBatchInfo, IInbox, ITransactionRoot,
    Message, ValidiumDAValidator, predeploys,
};
use serde::Serialize;
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// Gas of an `executePriorityMessage` system transaction besides the delivery's own L2 gas limit
/// (which the inbox forwards exactly) and the calldata: intrinsic gas, the inbox's checks and
/// bookkeeping, and the failure record it sends through the outbox if the delivery fails.
const PRIORITY_MESSAGE_OVERHEAD_GAS: u64 = 300_000;

/// Gas limit of the system transaction delivering a priority request with `l2_gas_limit` and a
/// payload of `payload_len` bytes: the inbox reverts the whole transaction unless 63/64 of what is
/// left at its delivery call covers `l2_gas_limit`, so that much plus 1/63 is reserved.
fn priority_message_gas(l2_gas_limit: u64, payload_len: usize) -> u64 {
    // 16 gas per calldata byte: the encoded message is ~0x180 bytes plus the padded payload.
    let calldata = 16 * (payload_len as u64 + 0x1a0);
    l2_gas_limit + l2_gas_limit / 63 + PRIORITY_MESSAGE_OVERHEAD_GAS + calldata
}

/// When to seal a batch.
#[derive(Clone, Debug)]
pub struct SealPolicy {
    /// Seal as soon as this many L2 blocks are pending.
    pub max_blocks: u64,
    /// Seal pending blocks that contain transactions at least this often.
    pub interval: Duration,
    /// Seal even blocks without transactions after this long (keeps the settled state fresh).
    pub idle_interval: Duration,
}

impl Default for SealPolicy {
    fn default() -> Self {
        Self {
            max_blocks: 100,
            interval: Duration::from_millis(300),
            idle_interval: Duration::from_secs(10),
        }
    }
}

/// The chain's DA mode (`ChainConfig.daMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DaMode {
    /// 0: pubdata in calldata, `daCommitment = keccak256(pubdata)`.
    Rollup,
    /// 1: pubdata kept off chain; the DA committee signs its hash.
    Validium,
}

/// Everything one operator needs.
#[derive(Clone, Debug)]
pub struct OperatorConfig {
    /// L1 JSON-RPC.
    pub l1_rpc: String,
    /// The hyperchain's JSON-RPC (anvil; SYSTEM_CALLER is impersonated on it).
    pub l2_rpc: String,
    /// The chain's `ChainSettlement` on L1.
    pub settlement: Address,
    /// Key of the chain's operator (sends commitBatch; pays L1 gas for prove/execute).
    pub operator_key: B256,
    /// The attester services (`hyperchain-attester`) asked to attest each batch, e.g.
    /// `http://127.0.0.1:7001`. The operator holds no attester key.
    pub attesters: Vec<String>,
    /// Validium DA committee keys (ignored in rollup mode).
    pub da_committee_keys: Vec<B256>,
    /// SQLite file; `None` keeps progress in memory.
    pub db_path: Option<PathBuf>,
    /// Batch sealing.
    pub seal: SealPolicy,
    /// How often to poll L1 and L2.
    pub poll_interval: Duration,
}

/// What one iteration did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TickReport {
    /// Priority messages delivered to L2.
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
    /// `priorityOpsProcessed()` (executed batches).
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

/// How long one attester may take to answer (it re-executes the batch).
const ATTESTATION_TIMEOUT: Duration = Duration::from_secs(30);

fn rpc_err(step: &str) -> impl Fn(alloy::transports::TransportError) -> OperatorError + '_ {
    move |e| OperatorError::Rpc { step: step.to_string(), reason: e.to_string() }
}

fn call_err(step: &str) -> impl Fn(alloy::contract::Error) -> OperatorError + '_ {
    move |e| OperatorError::Rpc { step: step.to_string(), reason: e.to_string() }
}

fn parse_url(url: &str) -> Result<reqwest_url::Url, OperatorError> {
    url.parse().map_err(|e| OperatorError::Inconsistent(format!("invalid RPC URL {url:?}: {e}")))
}

mod reqwest_url {
    pub(crate) use alloy::transports::http::reqwest::Url;
}

/// Gas added to the estimate of every L1 settlement transaction, in percent of it.
const L1_GAS_HEADROOM_PERCENT: u64 = 25;

/// How long the operator waits for an L1 receipt before treating the wait as a transport error
/// (retried on the next tick, which first reconciles with L1): one lost transaction must not
/// hang deposits, root imports and settlement behind it.
const L1_RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

impl Operator {
    /// Connects to L1 and L2, checks the settlement contract, opens the database and reconciles it
    /// with L1 (re-syncing from L1 when the database is new or lost).
    pub async fn new(config: OperatorConfig) -> Result<Self, OperatorError> {
        let signer = PrivateKeySigner::from_bytes(&config.operator_key)
            .map_err(|e| OperatorError::Inconsistent(format!("invalid operator key: {e}")))?;
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
            .map_err(|e| {
                OperatorError::Inconsistent(format!(
                    "no ChainSettlement at {} on L1 ({e})",
                    config.settlement
                ))
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

    /// The L1 counters of this chain.
    pub async fn l1_counters(&self) -> Result<L1Counters, OperatorError> {
        let s = &self.settlement;
        Ok(L1Counters {
            committed: s
                .lastCommittedBatch()
                .call()
                .await
                .map_err(call_err("lastCommittedBatch"))?,
            proven: s.lastProvenBatch().call().await.map_err(call_err("lastProvenBatch"))?,
            executed: s.lastExecutedBatch().call().await.map_err(call_err("lastExecutedBatch"))?,
            priority_requests: s
                .priorityRequestCount()
                .call()
                .await
                .map_err(call_err("priorityRequestCount"))?
                .saturating_to(),
            priority_processed: s
                .priorityOpsProcessed()
                .call()
                .await
                .map_err(call_err("priorityOpsProcessed"))?
                .saturating_to(),
        })
    }

    /// Brings the database in line with L1: batches L1 already has move forward (our transaction
    /// was mined before a crash), sealed batches L1 reverted are dropped, and batches L1 knows
    /// but the database does not (lost database) are re-read from the `commitBatch` or
    /// `settleBatch` calldata.
    pub async fn reconcile(&mut self) -> Result<(), OperatorError> {
        let l1 = self.l1_counters().await?;
        for record in self.store.unexecuted_batches().await? {
            let on_l1 = if record.number <= l1.executed {
                BatchState::Executed
            } else if record.number <= l1.proven {
                BatchState::Proven
            } else if record.number <= l1.committed {
                BatchState::Committed
            } else {
                BatchState::Sealed
            };
            if on_l1 > record.state {
                tracing::info!(chain = self.chain_id, batch = record.number, state = ?on_l1, "reconciled with L1");
                self.store.advance(record.number, on_l1, None).await?;
            }
        }
        let last_in_db = self.store.last_batch().await?.map_or(0, |b| b.number);
        if last_in_db < l1.committed {
            self.resync_from_l1(last_in_db, &l1).await?;
        }
        Ok(())
    }

    /// Re-reads batches `after+1..=committed` from L1 `commitBatch`/`settleBatch` calldata (found
    /// through `BatchCommitted` events, which both emit) and finds their L2
    /// block ranges by state root.
    async fn resync_from_l1(&mut self, after: u64, l1: &L1Counters) -> Result<(), OperatorError> {
        tracing::warn!(
            chain = self.chain_id,
            from = after + 1,
            to = l1.committed,
            "re-syncing batches from L1"
        );
        let filter = Filter::new()
            .address(self.config.settlement)
            .event_signature(ChainSettlement::BatchCommitted::SIGNATURE_HASH)
            .from_block(0u64);
        let logs =
            self.l1.get_logs(&filter).await.map_err(rpc_err("eth_getLogs(BatchCommitted)"))?;
        let mut infos: std::collections::BTreeMap<u64, (CommitBatchInfo, Bytes, B256)> =
            Default::default();
        for log in logs {
            let Some(tx_hash) = log.transaction_hash else { continue };
            let tx = self
                .l1
                .get_transaction_by_hash(tx_hash)
                .await
                .map_err(rpc_err("eth_getTransactionByHash"))?
                .ok_or_else(|| OperatorError::Inconsistent(format!("L1 tx {tx_hash} missing")))?;
            use alloy::consensus::Transaction as _;
            // Later commits of the same number (after a revert) replace earlier ones.
            if let Some((batch, da_input)) = batch::committed_batch(tx.input()) {
                let n = batch.batchNumber;
                if n > after && n <= l1.committed {
                    infos.insert(n, (batch, da_input, tx_hash));
                }
            }
        }
        let mut first_block = match self.store.batch(after).await? {
            Some(b) => b.last_block + 1,
            None => 1,
        };
        let head = self.l2.get_block_number().await.map_err(rpc_err("L2 eth_blockNumber"))?;
        for n in after + 1..=l1.committed {
            let (info, da_input, tx) = infos.remove(&n).ok_or_else(|| {
                OperatorError::Inconsistent(format!(
                    "batch {n} is committed on L1 but its commitBatch/settleBatch call was not found"
                ))
            })?;
            let mut last_block = None;
            for block in first_block..=head {
                if state_root_at(&self.l2, block).await? == info.newStateRoot {
                    last_block = Some(block);
                    break;
                }
            }
            let last_block = last_block.ok_or_else(|| {
                OperatorError::Inconsistent(format!(
                    "batch {n}'s state root {} is not the state of any L2 block from {first_block}: the L2 does not match L1",
                    info.newStateRoot
                ))
            })?;
            let state = if n <= l1.executed {
                BatchState::Executed
            } else if n <= l1.proven {
                BatchState::Proven
            } else {
                BatchState::Committed
            };
            self.store
                .upsert_synced_batch(&BatchRecord {
                    number: n,
                    first_block,
                    last_block,
                    state,
                    info,
                    da_input,
                    commit_tx: Some(tx),
                    prove_tx: None,
                    execute_tx: None,
                    error: None,
                })
                .await?;
            first_block = last_block + 1;
        }
        Ok(())
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

    /// One iteration: deliver priority messages, import the newest Transaction Root, seal a batch
    /// if the policy says so, then move every unexecuted batch as far as it can go on L1.
    pub async fn tick(&mut self) -> Result<TickReport, OperatorError> {
        let mut report = TickReport {
            delivered: self.deliver_priority_messages().await?,
            ..TickReport::default()
        };
        if let Some(root) = self.import_latest_root().await? {
            report.imported.push(root);
        }
        report.sealed = self.maybe_seal(false).await?;
        self.settle(&mut report).await?;
        Ok(report)
    }

    /// Delivers every queued priority message the L2 inbox has not executed yet, in nonce order.
    pub async fn deliver_priority_messages(&mut self) -> Result<Vec<u64>, OperatorError> {
        let queued: u64 = self
            .settlement
            .priorityRequestCount()
            .call()
            .await
            .map_err(call_err("priorityRequestCount"))?
            .saturating_to();
        let done = self
            .inbox
            .priorityOpsCount()
            .call()
            .await
            .map_err(call_err("Inbox.priorityOpsCount"))?;
        if done >= queued {
            return Ok(Vec::new());
        }
        let from_block: u64 = self
            .store
            .progress("priority_scan_l1_block")
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let filter = Filter::new()
            .address(self.config.settlement)
            .event_signature(ChainSettlement::PriorityMessageQueued::SIGNATURE_HASH)
            .from_block(from_block);
        let logs = self
            .l1
            .get_logs(&filter)
            .await
            .map_err(rpc_err("eth_getLogs(PriorityMessageQueued)"))?;
        let mut pending: Vec<(Message, U256, u64)> = Vec::new();
        for log in logs {
            let block = log.block_number.unwrap_or(from_block);
            let event =
                ChainSettlement::PriorityMessageQueued::decode_log(&log.inner).map_err(|e| {
                    OperatorError::Inconsistent(format!("bad PriorityMessageQueued log: {e}"))
                })?;
            let nonce: u64 = event.data.nonce.saturating_to();
            if nonce >= done {
                pending.push((event.data.message, event.data.l2GasLimit, block));
            }
        }
        pending.sort_by_key(|(m, _, _)| m.nonce);
        let mut delivered = Vec::new();
        let mut last_tx = None;
        for (expected, (message, l2_gas_limit, block)) in (done..).zip(pending) {
            let nonce: u64 = message.nonce.saturating_to();
            if nonce != expected {
                break; // a gap: the log is not visible yet
            }
            if delivered.is_empty() {
                self.store.set_progress("priority_scan_l1_block", &block.to_string()).await?;
            }
            let hash = message.hash();
            // L1 keeps every limit <= MAX_L2_GAS_LIMIT (10M): it fits in u64.
            let gas = priority_message_gas(l2_gas_limit.saturating_to(), message.payload.len());
            let pending_tx = self
                .inbox
                .executePriorityMessage(message, l2_gas_limit)
                .from(predeploys::SYSTEM_CALLER)
                // Not estimated: the inbox records a failing recipient, so an estimate is the gas
                // of the *failure* path. Sized from the request's own L2 gas limit instead.
                .gas(gas)
                .send()
                .await
                .map_err(|e| {
                    classify("executePriorityMessage", e, |reason| OperatorError::L2Rejected {
                        step: format!("executePriorityMessage({nonce})"),
                        reason,
                    })
                })?;
            let tx = *pending_tx.tx_hash();
            self.store.record_priority_delivery(nonce, hash, tx).await?;
            last_tx = Some(pending_tx);
            delivered.push(nonce);
        }
        if let Some(tx) = last_tx {
            // Same sender, increasing nonces: the last mined means all mined.
            tx.get_receipt().await.map_err(|e| OperatorError::Rpc {
                step: "executePriorityMessage receipt".into(),
                reason: e.to_string(),
            })?;
        }
        Ok(delivered)
    }

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
                reason: e.to_string(),
            })?;
        self.store
            .record_import(root, receipt.transaction_hash, receipt.block_number.unwrap_or_default())
            .await?;
        self.store.set_progress("last_imported_root", &root.to_string()).await?;
        Ok(receipt.transaction_hash)
    }

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
        let prev_state_root = match &last {
            Some(b) => b.info.newStateRoot,
            None => self.settlement.stateRoot(0).call().await.map_err(call_err("stateRoot(0)"))?,
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
            prev_state_root,
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

    /// Moves every unexecuted batch forward, in order: a sealed batch in one `settleBatch` (commit +
    /// prove + execute, every older batch being executed by then), a batch already committed on
    /// L1 (by `commit_next`, or by an earlier operator version) through `proveBatch` and
    /// `executeBatch`.
    ///
    /// Each pass starts from L1's counters, not only the database: a transaction of ours that was
    /// mined after its receipt was lost, or while the operator restarted, has already moved the
    /// batch, and sending the step again would revert. A rejection is checked against L1 the same
    /// way before it counts as one (the transaction may have been mined in between).
    async fn settle(&mut self, report: &mut TickReport) -> Result<(), OperatorError> {
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
                OperatorError::Rpc {
                    step: format!("{step}({batch}) receipt"),
                    reason: e.to_string(),
                }
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

    /// The batch's public input (`hyperchain-zkevm`), over the previous batch's state root on L1.
    async fn public_input(&self, record: &BatchRecord) -> Result<B256, OperatorError> {
        let prev_root = self
            .settlement
            .stateRoot(record.number - 1)
            .call()
            .await
            .map_err(call_err("stateRoot(previous batch)"))?;
        Ok(hyperchain_zkevm::public_input(U256::from(self.chain_id), prev_root, &record.info))
    }

    /// The attestation L1's verifier accepts for `record`: every configured attester is asked in
    /// parallel; each signature is recovered against the digest computed here and must be from a
    /// member of the verifier's set. As soon as `threshold` (read from the verifier) are valid
    /// they are returned ascending by signer, as the verifier expects. Refusals are logged with
    /// their reason; with fewer valid the batch waits ([`OperatorError::AttestationsMissing`]).
    async fn attest(&self, record: &BatchRecord) -> Result<Bytes, OperatorError> {
        use futures::StreamExt as _;
        let n = record.number;
        let prev_state_root = self
            .settlement
            .stateRoot(n - 1)
            .call()
            .await
            .map_err(call_err("stateRoot(previous batch)"))?;
        let version =
            self.settlement.protocolVersion().call().await.map_err(call_err("protocolVersion"))?;
        let verifier = AttestationVerifier::new(self.verifier, &self.l1);
        let threshold: usize = verifier
            .threshold()
            .call()
            .await
            .map_err(call_err("verifier threshold"))?
            .saturating_to();
        let domain = AttestationDomain {
            l1_chain_id: U256::from(self.l1_chain_id),
            verifier: self.verifier,
            protocol_version: U256::from(version),
        };
        let digest =
            batch_digest(&domain, U256::from(self.chain_id), prev_state_root, &record.info);
        let request =
            AttestRequest::new(self.chain_id, record.first_block, record.last_block, &record.info);
        let mut answers: futures::stream::FuturesUnordered<_> = self
            .config
            .attesters
            .iter()
            .map(|url| {
                let request = &request;
                async move {
                    let answer =
                        request_attestation(&self.http, url, request, digest, ATTESTATION_TIMEOUT)
                            .await;
                    (url, answer)
                }
            })
            .collect();
        let mut valid: Vec<(Address, Bytes)> = Vec::new();
        let mut failures: Vec<String> = Vec::new();
        while let Some((url, answer)) = answers.next().await {
            let answer = match answer {
                Ok(a) => match verifier.isSigner(a.attester).call().await {
                    Ok(true) if valid.iter().any(|(addr, _)| *addr == a.attester) => Err(
                        AttestationFailure::BadSignature(format!("{} answered twice", a.attester)),
                    ),
                    Ok(true) => Ok(a),
                    Ok(false) => Err(AttestationFailure::BadSignature(format!(
                        "{} is not in the verifier's attester set",
                        a.attester
                    ))),
                    Err(e) => Err(AttestationFailure::Unreachable(format!("L1 isSigner: {e}"))),
                },
                Err(e) => Err(e),
            };
            match answer {
                Ok(a) => {
                    valid.push((a.attester, a.signature));
                    if valid.len() >= threshold {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(chain = self.chain_id, batch = n, attester = %url, "no attestation: {e}");
                    failures.push(format!("{url}: {e}"));
                }
            }
        }
        if valid.len() < threshold.max(1) {
            return Err(OperatorError::AttestationsMissing {
                batch: n,
                valid: valid.len(),
                threshold,
                failures: failures.join("; "),
            });
        }
        valid.sort_by_key(|(address, _)| *address);
        Ok(valid.into_iter().flat_map(|(_, sig)| sig.to_vec()).collect::<Vec<u8>>().into())
    }

    /// Validium: the committee's signatures over `ValidiumDAValidator.digest(chainId, n,
    /// daCommitment)`.
    async fn committee_signatures(&self, commitment: B256, n: u64) -> Result<Bytes, OperatorError> {
        let digest = ValidiumDAValidator::new(self.da_validator, &self.l1)
            .digest(U256::from(self.chain_id), n, commitment)
            .call()
            .await
            .map_err(call_err("ValidiumDAValidator.digest"))?;
        sign_sorted(&self.config.da_committee_keys, digest, n)
    }

    /// Test and admin hook: seal now regardless of the policy.
    pub async fn seal_now(&mut self) -> Result<Option<u64>, OperatorError> {
        self.maybe_seal(true).await
    }

    /// Moves unexecuted batches forward once (commit, prove, execute).
    pub async fn settle_once(&mut self) -> Result<TickReport, OperatorError> {
        let mut report = TickReport::default();
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

fn sign_sorted(keys: &[B256], digest: B256, batch: u64) -> Result<Bytes, OperatorError> {
    let mut signers =
        keys.iter().map(PrivateKeySigner::from_bytes).collect::<Result<Vec<_>, _>>().map_err(
            |e| OperatorError::Build { batch, reason: format!("invalid signer key: {e}") },
        )?;
    signers.sort_by_key(|s| s.address());
    let mut out = Vec::with_capacity(65 * signers.len());
    for signer in signers {
        let sig = signer
            .sign_hash_sync(&digest)
            .map_err(|e| OperatorError::Build { batch, reason: format!("signing failed: {e}") })?;
        out.extend_from_slice(&sig.as_bytes());
    }
    Ok(out.into())
}
