//! End-to-end test harness: one [`World`] = an L1 anvil + N hyperchain anvils deployed with the
//! real forge scripts (`hyperchain-devnet`), one real `hyperchain-operator` per chain and the real
//! relayer (`hyperchain_relayer::relayer::Relayer`, in-process), plus the helpers the tests in
//! `tests/it` use to observe each step on chain: events, views, the operators' databases.
//!
//! Nothing here settles or relays anything itself: the operators and the relayer do. The one
//! independent computation is [`World::relay_proof`], which rebuilds a relay proof from L1 and L2
//! logs with `hyperchain-merkle` (to check the relayer's proofs and to craft refused ones).

use std::{path::PathBuf, sync::Once, time::Duration};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, Log, TransactionReceipt},
    signers::local::PrivateKeySigner,
    sol_types::{SolEvent, SolInterface},
};
use eyre::{WrapErr, eyre};
use hyperchain_bindings::{
    ChainSettlement, IOutbox, MerkleProof, Message, MessagesTree, RelayProof, SharedBridge,
    TransactionRoot, interop_address, predeploys,
};
use hyperchain_devnet::{Ecosystem, EcosystemConfig, roles};
use hyperchain_operator::{BatchRecord, BatchState, Operator, OperatorConfig, SealPolicy, Store};
use tokio::task::JoinHandle;

pub use hyperchain_devnet::{poll, roles as dev_roles};

/// Environment variable the in-process relayer reads its key from.
const RELAYER_KEY_ENV: &str = "HYPERCHAIN_E2E_RELAYER_KEY";

/// How long any single step may take before a test fails naming it.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// 1 ETH in wei.
pub fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// L1 + hyperchains + operators + relayer.
pub struct World {
    /// The launched ecosystem (anvils, L1 addresses, accounts).
    pub eco: Ecosystem,
    operators: Vec<Option<JoinHandle<()>>>,
    relayer: Option<JoinHandle<()>>,
    /// The attester processes the operators ask.
    pub attesters: Vec<hyperchain_devnet::AttesterProcess>,
    dir: tempfile::TempDir,
}

impl World {
    /// Launches L1 + `chains` hyperchains (one block per transaction), starts one operator per
    /// chain (sqlite database in a temp dir); each chain is backed with 1000 ETH deposited on L1
    /// ([`EcosystemConfig::backing`]). The relayer is started separately ([`World::start_relayer`]).
    pub async fn launch(chains: usize) -> eyre::Result<Self> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                std::env::var("E2E_LOG").unwrap_or_else(|_| "warn".into()),
            ))
            .with_test_writer()
            .try_init();
        let mut config = EcosystemConfig::local(chains);
        config.l2_block_time = None;
        config.backing = eth(1000);
        let eco = Ecosystem::launch(&config).await.wrap_err("ecosystem launch")?;
        let dir = tempfile::tempdir()?;
        let attesters = eco.start_attesters(dir.path()).await.wrap_err("attesters")?;
        let committee = eco.da_committee()?.private_key;
        let mut operators = Vec::new();
        for node in &eco.chains {
            let mut op = Operator::new(OperatorConfig {
                l1_rpc: eco.l1.rpc_url(),
                l2_rpc: node.anvil.rpc_url(),
                settlement: node.settlement,
                operator_key: node.operator.private_key,
                attesters: attesters.iter().map(|a| a.url.clone()).collect(),
                da_committee_keys: vec![committee],
                db_path: Some(dir.path().join(format!("operator-{}.db", node.chain_id))),
                seal: SealPolicy {
                    max_blocks: 200,
                    interval: Duration::from_millis(200),
                    idle_interval: Duration::from_secs(2),
                },
                poll_interval: Duration::from_millis(100),
            })
            .await
            .wrap_err_with(|| format!("operator of chain {}", node.chain_id))?;
            operators.push(Some(tokio::spawn(async move {
                if let Err(e) = op.run(std::future::pending()).await {
                    eprintln!("operator stopped: {e}");
                }
            })));
        }
        let world = Self { eco, operators, relayer: None, attesters, dir };
        Ok(world)
    }

    /// Starts the real relayer in-process with account [`roles::RELAYER`] (min-fee 0, 100 ms
    /// polls, sqlite database in the temp dir).
    pub async fn start_relayer(&mut self) -> eyre::Result<()> {
        static KEY: Once = Once::new();
        let key = self.account(roles::RELAYER).private_key;
        KEY.call_once(|| {
            // SAFETY: set once per process, to the same value (the anvil dev key of the relayer
            // role), before any relayer of this process reads it.
            unsafe { std::env::set_var(RELAYER_KEY_ENV, key.to_string()) };
        });
        let db = format!("sqlite://{}", self.dir.path().join("relayer.db").display());
        let mut chains = String::new();
        for node in &self.eco.chains {
            chains.push_str(&format!(
                "[[chains]]\nname = \"chain{}\"\nchain_id = {}\nrpc_url = \"{}\"\n\n",
                node.chain_id,
                node.chain_id,
                node.anvil.rpc_url()
            ));
        }
        let text = format!(
            "database_url = \"{db}\"\ninstance_id = \"e2e\"\n\n[signer]\nkey_env = \"{RELAYER_KEY_ENV}\"\n\n\
             [l1]\nrpc_url = \"{}\"\ntransaction_root = \"{}\"\nchain_factory = \"{}\"\n\n{chains}\
             [fee]\npolicy = \"min-fee\"\nmin_fee = \"0\"\n\n[poll]\ninterval_ms = 100\nmax_batch = 100\n\
             lease_ms = 5000\nresubmit_after_ms = 3000\n",
            self.eco.l1.rpc_url(),
            self.eco.deployment.transaction_root,
            self.eco.deployment.chain_factory,
        );
        let config = hyperchain_relayer::config::Config::parse(&text, "e2e relayer config", &[])
            .map_err(|e| eyre!("relayer config: {e}"))?;
        let store = hyperchain_relayer::db::Store::connect(&db)
            .await
            .map_err(|e| eyre!("relayer database: {e}"))?;
        let health = hyperchain_relayer::metrics::Health::new(Duration::from_secs(30));
        let relayer = hyperchain_relayer::relayer::Relayer::new(config, store, health)
            .await
            .map_err(|e| eyre!("relayer: {e}"))?;
        self.relayer = Some(tokio::spawn(async move {
            if let Err(e) = relayer.run().await {
                eprintln!("relayer stopped: {e}");
            }
        }));
        Ok(())
    }

    /// Stops the operator of chain `i` (its chain then neither imports roots nor settles).
    pub fn stop_operator(&mut self, i: usize) {
        if let Some(handle) = self.operators.get_mut(i).and_then(Option::take) {
            handle.abort();
        }
    }

    /// Stops everything.
    pub async fn shutdown(mut self) {
        if let Some(r) = self.relayer.take() {
            r.abort();
        }
        for op in self.operators.iter_mut().filter_map(Option::take) {
            op.abort();
        }
        self.eco.shutdown().await;
    }

    /// Dev account `i` (same key on every chain).
    pub fn account(&self, i: usize) -> hyperchain_devnet::DevAccount {
        self.eco.accounts()[i].clone()
    }

    /// The relayer's address.
    pub fn relayer_address(&self) -> Address {
        self.account(roles::RELAYER).address
    }

    /// Chain id of hyperchain `i`.
    pub fn chain_id(&self, i: usize) -> u64 {
        self.eco.chains[i].chain_id
    }

    /// L1 chain id.
    pub fn l1_chain_id(&self) -> u64 {
        self.eco.l1.chain_id()
    }

    /// Read-only L1 provider.
    pub fn l1(&self) -> eyre::Result<DynProvider> {
        Ok(ProviderBuilder::new().connect_http(self.eco.l1.rpc_url().parse()?).erased())
    }

    /// Read-only provider of hyperchain `i`.
    pub fn l2(&self, i: usize) -> eyre::Result<DynProvider> {
        Ok(ProviderBuilder::new()
            .connect_http(self.eco.chains[i].anvil.rpc_url().parse()?)
            .erased())
    }

    /// L1 provider signing with dev account `account`.
    pub fn l1_wallet(&self, account: usize) -> eyre::Result<DynProvider> {
        wallet(&self.eco.l1.rpc_url(), self.account(account).private_key)
    }

    /// Provider of hyperchain `i` signing with dev account `account`.
    pub fn l2_wallet(&self, i: usize, account: usize) -> eyre::Result<DynProvider> {
        wallet(&self.eco.chains[i].anvil.rpc_url(), self.account(account).private_key)
    }

    /// The settlement contract of chain `i` on L1.
    pub fn settlement(
        &self,
        i: usize,
    ) -> eyre::Result<ChainSettlement::ChainSettlementInstance<DynProvider>> {
        Ok(ChainSettlement::new(self.eco.chains[i].settlement, self.l1()?))
    }

    /// L1's `TransactionRoot`.
    pub fn transaction_root(
        &self,
    ) -> eyre::Result<TransactionRoot::TransactionRootInstance<DynProvider>> {
        Ok(TransactionRoot::new(self.eco.deployment.transaction_root, self.l1()?))
    }

    /// L1's `SharedBridge`, signing with dev account `account`.
    pub fn shared_bridge(
        &self,
        account: usize,
    ) -> eyre::Result<SharedBridge::SharedBridgeInstance<DynProvider>> {
        Ok(SharedBridge::new(self.eco.deployment.shared_bridge, self.l1_wallet(account)?))
    }

    /// The operator database of chain `i` (read alongside the running operator).
    pub async fn operator_store(&self, i: usize) -> eyre::Result<Store> {
        let path: PathBuf = self.dir.path().join(format!("operator-{}.db", self.chain_id(i)));
        Ok(Store::open(&path).await?)
    }

    /// Sends a message from chain `from` (signed by dev account `sender`) to `recipient` on chain
    /// id `destination` through the Outbox, with `value` and relayer `fee`. Returns the
    /// `MessageQueued` message and the receipt.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        from: usize,
        sender: usize,
        destination: u64,
        recipient: Address,
        payload: Bytes,
        value: U256,
        fee: U256,
    ) -> eyre::Result<(Message, TransactionReceipt)> {
        let provider = self.l2_wallet(from, sender)?;
        let mut attributes = Vec::new();
        if !fee.is_zero() {
            attributes.push(hyperchain_bindings::relayer_fee_attribute(fee));
        }
        let receipt = IOutbox::new(predeploys::OUTBOX, provider)
            .sendMessage(interop_address(U256::from(destination), recipient), payload, attributes)
            .value(value + fee)
            .send()
            .await
            .map_err(|e| eyre!("Outbox.sendMessage: {}", revert_text(&e)))?
            .get_receipt()
            .await?;
        eyre::ensure!(receipt.status(), "sendMessage {} reverted", receipt.transaction_hash);
        let queued = receipt
            .inner
            .logs()
            .iter()
            .find_map(|l| IOutbox::MessageQueued::decode_log(&l.inner).ok())
            .ok_or_else(|| eyre!("no MessageQueued in {}", receipt.transaction_hash))?;
        eyre::ensure!(queued.data.messageHash == queued.data.message.hash(), "MessageQueued hash");
        Ok((queued.data.message.clone(), receipt))
    }

    /// Waits until chain `i`'s operator has executed on L1 the batch containing L2 block `block`;
    /// returns its record.
    pub async fn executed_batch_of(
        &self,
        i: usize,
        block: u64,
        step: &str,
    ) -> eyre::Result<BatchRecord> {
        let store = self.operator_store(i).await?;
        poll(step, STEP_TIMEOUT, || async {
            Ok(store.batches().await?.into_iter().find(|b| {
                b.first_block <= block && block <= b.last_block && b.state == BatchState::Executed
            }))
        })
        .await
    }

    /// Logs of `event` at `address` on `provider` from block 0, decoded.
    pub async fn events<E: SolEvent>(
        provider: &DynProvider,
        address: Address,
    ) -> eyre::Result<Vec<(E, Log)>> {
        let filter =
            Filter::new().address(address).event_signature(E::SIGNATURE_HASH).from_block(0u64);
        let mut out = Vec::new();
        for log in provider.get_logs(&filter).await? {
            let ev = E::decode_log(&log.inner)?.data;
            out.push((ev, log));
        }
        Ok(out)
    }

    /// Every Transaction Root leaf on L1, in leaf order, as `(chain id, batch number, leaf)`.
    pub async fn transaction_root_leaves(&self) -> eyre::Result<Vec<(U256, u64, B256)>> {
        let mut evs = Self::events::<TransactionRoot::TransactionRootUpdated>(
            &self.l1()?,
            self.eco.deployment.transaction_root,
        )
        .await?;
        evs.sort_by_key(|(e, _)| e.leafIndex);
        for (i, (e, _)) in evs.iter().enumerate() {
            eyre::ensure!(e.leafIndex == U256::from(i), "Transaction Root leaf {i} missing");
        }
        Ok(evs.into_iter().map(|(e, _)| (e.chainId, e.batchNumber, e.leaf)).collect())
    }

    /// The outbound messages of a batch of chain `i`, in outbox order (the messages tree leaves).
    pub async fn batch_messages(
        &self,
        i: usize,
        batch: &BatchRecord,
    ) -> eyre::Result<Vec<Message>> {
        Ok(hyperchain_operator::batch::outbound_messages(
            &self.l2(i)?,
            batch.first_block,
            batch.last_block,
        )
        .await?)
    }

    /// Builds, independently of the relayer, the proof of `message` (sent on chain `src`, in its
    /// executed `batch`) against the Transaction Root made of the first `leaf_count` L1 leaves.
    /// Returns the proof and that root.
    pub async fn relay_proof(
        &self,
        src: usize,
        batch: &BatchRecord,
        message: &Message,
        leaf_count: usize,
    ) -> eyre::Result<(RelayProof, B256)> {
        let message_proof = MessagesTree::new(&self.batch_messages(src, batch).await?)
            .proof_of(message.hash())
            .ok_or_else(|| eyre!("message not in batch {}", batch.number))?;
        let all = self.transaction_root_leaves().await?;
        let chain = U256::from(self.chain_id(src));
        let batch_index =
            all.iter().position(|(c, n, _)| *c == chain && *n == batch.number).ok_or_else(
                || eyre!("batch {} of chain {chain} not in the Transaction Root", batch.number),
            )?;
        eyre::ensure!(batch_index < leaf_count, "root too old for batch {}", batch.number);
        let tr_leaves: Vec<B256> = all[..leaf_count].iter().map(|(_, _, l)| *l).collect();
        let tree = hyperchain_merkle::Tree::new(&tr_leaves);
        let batch_proof = tree.proof(batch_index as u64)?;
        let proof = RelayProof {
            batchNumber: batch.number,
            stateRoot: batch.info.newStateRoot,
            messageProof: message_proof.into(),
            batchProof: batch_proof.into(),
        };
        Ok((proof, tree.root()))
    }
}

/// The root an inbox recomputes from `message` and `proof` (what `Inbox._relay` checks).
pub fn recomputed_root(message: &Message, proof: &RelayProof) -> eyre::Result<B256> {
    let mp: hyperchain_merkle::MerkleProof = proof.messageProof.clone().try_into()?;
    let bp: hyperchain_merkle::MerkleProof = proof.batchProof.clone().try_into()?;
    let messages_root = hyperchain_merkle::compute_root(message.hash(), &mp)?;
    let leaf = transaction_root_leaf(
        message.sourceChainId,
        proof.batchNumber,
        messages_root,
        proof.stateRoot,
    );
    Ok(hyperchain_merkle::compute_root(leaf, &bp)?)
}

pub use hyperchain_bindings::transaction_root_leaf;

/// Decodes a contract call's revert data as `E` (a contract's error enum).
pub fn revert_as<E: SolInterface>(err: &alloy::contract::Error) -> Option<E> {
    err.as_revert_data().and_then(|d| E::abi_decode(&d).ok())
}

/// A contract error as `Name(args)` when decodable.
pub fn revert_text(err: &alloy::contract::Error) -> String {
    hyperchain_bindings::decode_revert(err).unwrap_or_else(|| err.to_string())
}

fn wallet(url: &str, key: B256) -> eyre::Result<DynProvider> {
    let signer = PrivateKeySigner::from_bytes(&key)?;
    Ok(ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse()?)
        .erased())
}

/// `MerkleProof` helper for crafting refused proofs.
pub fn merkle_proof(index: u64, leaf_count: u64, siblings: Vec<B256>) -> MerkleProof {
    MerkleProof { index: U256::from(index), leafCount: U256::from(leaf_count), siblings }
}

/// Deploys the forge artifact `out/<file>/<contract>.json` (an existing test contract, e.g.
/// `Mocks.sol`/`L1TestToken`) with ABI-encoded constructor `args`; returns its address.
pub async fn deploy_artifact(
    provider: &DynProvider,
    file: &str,
    contract: &str,
    args: &[u8],
) -> eyre::Result<Address> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../out/{file}/{contract}.json"));
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&path).wrap_err_with(|| path.display().to_string())?,
    )?;
    let code = json["bytecode"]["object"]
        .as_str()
        .ok_or_else(|| eyre!("{} has no bytecode", path.display()))?;
    let mut input = alloy::hex::decode(code)?;
    input.extend_from_slice(args);
    let tx = alloy::rpc::types::TransactionRequest::default().with_deploy_code(input);
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
    eyre::ensure!(receipt.status(), "deploying {contract} reverted");
    receipt.contract_address.ok_or_else(|| eyre!("no contract address deploying {contract}"))
}
