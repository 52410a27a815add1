//! What every scenario shares: an L1 with hyperchains, their operators and attesters, the
//! relayer process, and reads from the chains.

use std::{
    collections::HashSet,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use hyperchain_bindings::{IInbox, IOutbox, interop_address, predeploys};
use hyperchain_devnet::{Ecosystem, EcosystemConfig, roles};
use hyperchain_operator::{Operator, OperatorConfig, SealPolicy};
use hyperchain_relayer::{db::Store, state::MessageState};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_hyperchain-relayer");

/// A recipient that counts `receiveMessage` calls in slot 0 and returns the ERC-7786 selector.
pub(crate) fn counter_recipient_code() -> Bytes {
    let selector = &keccak256("receiveMessage(bytes32,bytes,bytes)")[..4];
    let mut code = alloy::hex::decode("600054600101600055").unwrap_or_default(); // slot0 += 1
    code.push(0x63); // PUSH4 selector
    code.extend_from_slice(selector);
    code.extend_from_slice(&alloy::hex::decode("60e01b60005260206000f3").unwrap_or_default());
    code.into()
}

pub(crate) fn wallet_provider(url: &str, key: B256) -> DynProvider {
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().unwrap())
        .erased()
}

pub(crate) struct Env {
    pub(crate) eco: Ecosystem,
    pub(crate) operators: Vec<tokio::task::JoinHandle<()>>,
    /// The attester processes the operators ask (alive as long as the environment).
    pub(crate) _attesters: Vec<hyperchain_devnet::AttesterProcess>,
    pub(crate) dir: tempfile::TempDir,
}

impl Env {
    pub(crate) async fn launch(chains: usize) -> Self {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("hyperchain_operator=warn"))
            .with_test_writer()
            .try_init();
        let mut config = EcosystemConfig::local(chains);
        config.l2_block_time = None;
        config.backing = U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18));
        let eco = Ecosystem::launch(&config).await.expect("ecosystem launch");
        let dir = tempfile::tempdir().unwrap();
        let attesters = eco.start_attesters(dir.path()).await.expect("attesters");
        let committee = eco.da_committee().unwrap().private_key;
        let mut operators = Vec::new();
        for node in &eco.chains {
            let mut op = Operator::new(OperatorConfig {
                l1_rpc: eco.l1.rpc_url(),
                l2_rpc: node.anvil.rpc_url(),
                settlement: node.settlement,
                operator_key: node.operator.private_key,
                attesters: attesters.iter().map(|a| a.url.clone()).collect(),
                da_committee_keys: vec![committee],
                db_path: None,
                seal: SealPolicy {
                    max_blocks: 200,
                    interval: Duration::from_millis(200),
                    idle_interval: Duration::from_secs(2),
                },
                poll_interval: Duration::from_millis(100),
            })
            .await
            .expect("operator");
            operators.push(tokio::spawn(async move {
                if let Err(e) = op.run(std::future::pending()).await {
                    eprintln!("operator stopped: {e}");
                }
            }));
        }
        Self { eco, operators, _attesters: attesters, dir }
    }

    pub(crate) fn l2(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.eco.chains[i].anvil.rpc_url().parse().unwrap())
            .erased()
    }

    pub(crate) fn key(&self, account: usize) -> B256 {
        self.eco.accounts()[account].private_key
    }

    /// Writes a relayer config; returns its path.
    pub(crate) fn write_config(&self, name: &str, database_url: &str, extra: &str) -> PathBuf {
        let mut chains = String::new();
        for (i, node) in self.eco.chains.iter().enumerate() {
            chains.push_str(&format!(
                "[[chains]]\nname = \"chain{i}\"\nchain_id = {}\nrpc_url = \"{}\"\n\n",
                node.chain_id,
                node.anvil.rpc_url()
            ));
        }
        let text = format!(
            "database_url = \"{database_url}\"\n{extra}\n\n[signer]\nkey_env = \"IT_RELAYER_KEY\"\n\n\
             [l1]\nrpc_url = \"{}\"\ntransaction_root = \"{}\"\nchain_factory = \"{}\"\n\n{chains}\
             [fee]\npolicy = \"min-fee\"\nmin_fee = \"0\"\n\n[poll]\ninterval_ms = 100\nmax_batch = 100\n\
             lease_ms = 5000\nresubmit_after_ms = 3000\n",
            self.eco.l1.rpc_url(),
            self.eco.deployment.transaction_root,
            self.eco.deployment.chain_factory,
        );
        let path = self.dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(crate) fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.dir.path().join(format!("{name}.db")).display())
    }

    pub(crate) async fn shutdown(self) {
        for op in self.operators {
            op.abort();
        }
        self.eco.shutdown().await;
    }
}

/// A relayer process, `kill -9`ed when dropped: a test that panics leaves no relayer running.
pub(crate) struct RelayerProcess(Child);

impl RelayerProcess {
    /// SIGKILL, and wait until it is gone.
    pub(crate) fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for RelayerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn spawn_relayer(config: &Path, key: B256, log: &Path) -> RelayerProcess {
    spawn_relayer_with(config, key, log, &[])
}

pub(crate) fn spawn_relayer_with(
    config: &Path,
    key: B256,
    log: &Path,
    env: &[(&str, &str)],
) -> RelayerProcess {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    let child = Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "run"])
        .env("IT_RELAYER_KEY", key.to_string())
        .env("RUST_LOG", "info,hyperchain_relayer=debug")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn relayer");
    RelayerProcess(child)
}

/// Sends `n` messages from chain `from` to `recipient` on chain `to`, each with `value` and
/// `fee`; returns their hashes (from `MessageQueued`).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn send_messages(
    env: &Env,
    from: usize,
    to: usize,
    recipient: Address,
    payload: &[u8],
    value: U256,
    fee: U256,
    n: usize,
    sender_account: usize,
) -> Vec<B256> {
    let url = env.eco.chains[from].anvil.rpc_url();
    let provider = wallet_provider(&url, env.key(sender_account));
    let dest = U256::from(env.eco.chains[to].chain_id);
    let fee_attr = hyperchain_bindings::relayer_fee_attribute(fee);
    let call = IOutbox::sendMessageCall {
        recipient: interop_address(dest, recipient),
        payload: payload.to_vec().into(),
        attributes: vec![fee_attr],
    };
    let from_addr = env.eco.accounts()[sender_account].address;
    let mut nonce = provider.get_transaction_count(from_addr).await.unwrap();
    let mut pending = Vec::new();
    for _ in 0..n {
        let tx = TransactionRequest::default()
            .with_to(predeploys::OUTBOX)
            .with_input(call.abi_encode())
            .with_value(value + fee)
            .with_nonce(nonce)
            .with_gas_limit(400_000)
            .with_max_fee_per_gas(20_000_000_000)
            .with_max_priority_fee_per_gas(1_000_000);
        nonce += 1;
        pending.push((*provider.send_transaction(tx.clone()).await.unwrap().tx_hash(), tx));
    }
    let mut hashes = Vec::new();
    // The timeout is on progress, not on the whole run: under a loaded CI machine 1,000 automined
    // blocks can take minutes, which is slow, not stuck.
    let mut last_progress = Instant::now();
    let mut nudged = Instant::now();
    for i in 0..pending.len() {
        let tx = pending[i].0;
        let receipt = loop {
            if let Some(r) = provider.get_transaction_receipt(tx).await.unwrap() {
                last_progress = Instant::now();
                break r;
            }
            if last_progress.elapsed() > Duration::from_secs(60) {
                let sent = provider.get_transaction_by_hash(tx).await.unwrap();
                let mined_nonce = provider.get_transaction_count(from_addr).await.unwrap();
                let head = provider.get_block_by_number(Default::default()).await.unwrap();
                let pool: serde_json::Value =
                    provider.raw_request("txpool_inspect".into(), ()).await.unwrap();
                panic!(
                    "sendMessage {tx} not mined: no new receipt for 60 s; the node has {sent:?}, \
                     {from_addr} has nonce {mined_nonce} mined, head {:?}, pool {pool}",
                    head.map(|b| (b.header.number, b.header.base_fee_per_gas, b.header.gas_used))
                );
            }
            // A receipt is late. anvil's pool can leave a transaction queued although its nonce is
            // the account's next one (seen under load: the transaction with nonce 216 queued, the
            // account's nonce 216, nothing pending, so no block ever takes it), apparently when
            // it is added while its predecessor is being mined. Empty the sender's part of the
            // pool and send the rest again in nonce order (the same signed bytes): added afresh,
            // the first is ready and the automine takes them.
            if last_progress.elapsed() > Duration::from_secs(3)
                && nudged.elapsed() > Duration::from_secs(3)
            {
                let _: serde_json::Value = provider
                    .raw_request("anvil_removePoolTransactions".into(), (from_addr,))
                    .await
                    .unwrap();
                for (_, request) in &pending[i..] {
                    // One mined in the meantime answers "nonce too low": nothing to send again.
                    let _ = provider.send_transaction(request.clone()).await;
                }
                eprintln!(
                    "sendMessage {tx} late: the sender's {} transactions left sent again",
                    pending.len() - i
                );
                nudged = Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(receipt.status(), "sendMessage reverted");
        for log in receipt.inner.logs() {
            if let Ok(ev) = log.log_decode::<IOutbox::MessageQueued>() {
                hashes.push(ev.inner.data.messageHash);
            }
        }
    }
    assert_eq!(hashes.len(), n);
    hashes
}

/// One `MessageRelayed` event: which message, who was paid how much, in which transaction.
pub(crate) struct Relayed {
    pub(crate) hash: B256,
    pub(crate) relayer: Address,
    pub(crate) fee: U256,
    pub(crate) tx: B256,
}

/// Every `MessageRelayed` on chain `i`.
pub(crate) async fn relayed(env: &Env, i: usize) -> Vec<Relayed> {
    let filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::MessageRelayed::SIGNATURE_HASH)
        .from_block(0u64);
    let provider = env.l2(i);
    let logs = read("eth_getLogs(MessageRelayed)", || provider.get_logs(&filter)).await;
    logs.iter()
        .map(|l| {
            let ev = IInbox::MessageRelayed::decode_log(&l.inner).unwrap().data;
            Relayed {
                hash: ev.messageHash,
                relayer: ev.relayer,
                fee: ev.fee,
                tx: l.transaction_hash.expect("a mined log has its transaction hash"),
            }
        })
        .collect()
}

/// A read from a chain, retried: on a loaded 2-core machine an anvil can drop a connection, and a
/// test that panics on the first dropped read reports that instead of what it checks. Panics
/// (naming the read and the last error) only after five failures in a row.
pub(crate) async fn read<
    T,
    E: std::fmt::Display,
    Fut: std::future::Future<Output = Result<T, E>>,
>(
    what: &str,
    mut call: impl FnMut() -> Fut,
) -> T {
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(v) => return v,
            Err(e) if attempt < 5 => {
                eprintln!("{what} failed (attempt {attempt} of 5, retrying): {e}");
                tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                attempt += 1;
            }
            Err(e) => panic!("{what} failed 5 times in a row: {e}"),
        }
    }
}

/// The last 40 lines of a relayer log, for failure messages.
pub(crate) fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

pub(crate) async fn confirmed_count(db_url: &str) -> usize {
    match Store::connect(db_url).await {
        Ok(store) => store
            .counts()
            .await
            .map(|c| {
                c.iter()
                    .filter(|(_, s, _)| *s == MessageState::Confirmed)
                    .map(|(_, _, n)| *n as usize)
                    .sum()
            })
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Waits until every hash is delivered on chain `i` (or panics after `timeout`, with the relayer
/// log's tail). Reads the chain's `MessageRelayed` events, one request per poll.
pub(crate) async fn wait_delivered(
    env: &Env,
    i: usize,
    hashes: &[B256],
    timeout: Duration,
    log: &Path,
) {
    let started = Instant::now();
    loop {
        let done: HashSet<B256> = relayed(env, i).await.into_iter().map(|e| e.hash).collect();
        let remaining = hashes.iter().filter(|h| !done.contains(*h)).count();
        if remaining == 0 {
            return;
        }
        assert!(
            started.elapsed() < timeout,
            "{remaining} of {} messages not delivered after {timeout:?}; relayer log tail:\n{}",
            hashes.len(),
            log_tail(log)
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Deploys the counter recipient on chain `i` with a real transaction and returns its address.
/// (`anvil_setCode` would edit the state outside a block: no batch of that chain could be
/// attested afterwards, as the validity program re-executes blocks, not RPC edits.)
pub(crate) async fn deploy_counter_recipient(env: &Env, i: usize) -> Address {
    let runtime = counter_recipient_code();
    let len = u8::try_from(runtime.len()).unwrap();
    // PUSH1 len DUP1 PUSH1 9 PUSH0 CODECOPY PUSH0 RETURN (9 bytes), then the runtime code.
    let mut init = vec![0x60, len, 0x80, 0x60, 0x09, 0x5f, 0x39, 0x5f, 0xf3];
    init.extend_from_slice(&runtime);
    let provider = wallet_provider(&env.eco.chains[i].anvil.rpc_url(), env.key(roles::DEPLOYER));
    let receipt = provider
        .send_transaction(TransactionRequest::default().with_deploy_code(Bytes::from(init)))
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "counter recipient deployment reverted");
    let at = receipt.contract_address.unwrap();
    assert_eq!(env.l2(i).get_code_at(at).await.unwrap(), runtime, "deployed runtime code");
    at
}

pub(crate) async fn counter(env: &Env, i: usize, at: Address) -> U256 {
    let provider = env.l2(i);
    read("eth_getStorageAt(counter)", || provider.get_storage_at(at, U256::ZERO).into_future())
        .await
}

/// A throwaway PostgreSQL started by `tools/postgres.sh` (which installs it from Debian when it is
/// missing). A PostgreSQL that cannot be started fails the test: it is never a skip.
pub(crate) struct Postgres {
    pub(crate) url: String,
    dir: String,
}

impl Postgres {
    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/postgres.sh")
    }

    pub(crate) fn start() -> Self {
        let out = Command::new("bash").arg(Self::script()).output().unwrap();
        assert!(
            out.status.success(),
            "PostgreSQL could not be installed or started by tools/postgres.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let get = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {key}=")))
                .map(|v| v.trim_matches('\'').to_string())
                .unwrap_or_else(|| panic!("tools/postgres.sh printed no {key}: {text}"))
        };
        Self { url: get("DATABASE_URL"), dir: get("PG_DIR") }
    }

    pub(crate) fn stop(self) {
        let _ = Command::new("bash").arg(Self::script()).args(["--stop", &self.dir]).status();
    }
}
