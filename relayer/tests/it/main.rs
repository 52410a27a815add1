//! The relayer binary against real anvils and the real contracts: L1 + hyperchains launched by
//! `hyperchain-devnet` (the forge deploy scripts), settled by `hyperchain-operator`, relayed by
//! the `hyperchain-relayer` process itself (so it can be `kill -9`ed).

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

const BIN: &str = env!("CARGO_BIN_EXE_hyperchain-relayer");

/// A recipient that counts `receiveMessage` calls in slot 0 and returns the ERC-7786 selector.
fn counter_recipient_code() -> Bytes {
    let selector = &keccak256("receiveMessage(bytes32,bytes,bytes)")[..4];
    let mut code = alloy::hex::decode("600054600101600055").unwrap_or_default(); // slot0 += 1
    code.push(0x63); // PUSH4 selector
    code.extend_from_slice(selector);
    code.extend_from_slice(&alloy::hex::decode("60e01b60005260206000f3").unwrap_or_default());
    code.into()
}

fn wallet_provider(url: &str, key: B256) -> DynProvider {
    let signer = PrivateKeySigner::from_bytes(&key).unwrap();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(url.parse().unwrap())
        .erased()
}

struct Env {
    eco: Ecosystem,
    operators: Vec<tokio::task::JoinHandle<()>>,
    /// The attester processes the operators ask (alive as long as the environment).
    _attesters: Vec<hyperchain_devnet::AttesterProcess>,
    dir: tempfile::TempDir,
}

impl Env {
    async fn launch(chains: usize) -> Self {
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

    fn l2(&self, i: usize) -> DynProvider {
        ProviderBuilder::new()
            .connect_http(self.eco.chains[i].anvil.rpc_url().parse().unwrap())
            .erased()
    }

    fn key(&self, account: usize) -> B256 {
        self.eco.accounts()[account].private_key
    }

    /// Writes a relayer config; returns its path.
    fn write_config(&self, name: &str, database_url: &str, extra: &str) -> PathBuf {
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

    fn sqlite_url(&self, name: &str) -> String {
        format!("sqlite://{}", self.dir.path().join(format!("{name}.db")).display())
    }

    async fn shutdown(self) {
        for op in self.operators {
            op.abort();
        }
        self.eco.shutdown().await;
    }
}

fn spawn_relayer(config: &Path, key: B256, log: &Path) -> Child {
    spawn_relayer_with(config, key, log, &[])
}

fn spawn_relayer_with(config: &Path, key: B256, log: &Path, env: &[(&str, &str)]) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
    Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "run"])
        .env("IT_RELAYER_KEY", key.to_string())
        .env("RUST_LOG", "info,hyperchain_relayer=debug")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn relayer")
}

/// Sends `n` messages from chain `from` to `recipient` on chain `to`, each with `value` and
/// `fee`; returns their hashes (from `MessageQueued`).
#[allow(clippy::too_many_arguments)]
async fn send_messages(
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
        pending.push(*provider.send_transaction(tx).await.unwrap().tx_hash());
    }
    let mut hashes = Vec::new();
    let started = Instant::now();
    for tx in pending {
        let receipt = loop {
            if let Some(r) = provider.get_transaction_receipt(tx).await.unwrap() {
                break r;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "sendMessage {tx} not mined within 120 s"
            );
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

/// Every `MessageRelayed` on chain `i`: (message hash, relayer, fee).
async fn relayed(env: &Env, i: usize) -> Vec<(B256, Address, U256)> {
    let filter = Filter::new()
        .address(predeploys::INBOX)
        .event_signature(IInbox::MessageRelayed::SIGNATURE_HASH)
        .from_block(0u64);
    let provider = env.l2(i);
    let logs = read("eth_getLogs(MessageRelayed)", || provider.get_logs(&filter)).await;
    logs.iter()
        .map(|l| {
            let ev = IInbox::MessageRelayed::decode_log(&l.inner).unwrap().data;
            (ev.messageHash, ev.relayer, ev.fee)
        })
        .collect()
}

/// A read from a chain, retried: on a loaded 2-core machine an anvil can drop a connection, and a
/// test that panics on the first dropped read reports that instead of what it checks. Panics
/// (naming the read and the last error) only after five failures in a row.
async fn read<T, E: std::fmt::Display, Fut: std::future::Future<Output = Result<T, E>>>(
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
fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

async fn confirmed_count(db_url: &str) -> usize {
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
async fn wait_delivered(env: &Env, i: usize, hashes: &[B256], timeout: Duration, log: &Path) {
    let started = Instant::now();
    loop {
        let done: HashSet<B256> = relayed(env, i).await.into_iter().map(|e| e.0).collect();
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
async fn deploy_counter_recipient(env: &Env, i: usize) -> Address {
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

async fn counter(env: &Env, i: usize, at: Address) -> U256 {
    let provider = env.l2(i);
    read("eth_getStorageAt(counter)", || provider.get_storage_at(at, U256::ZERO).into_future())
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_and_asset_delivered_and_relayer_paid() {
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let user = Address::repeat_byte(0x77);
    let fee = U256::from(1_000_000_000_000u64);
    // A call with a payload to a contract, and an ETH transfer to an account.
    let msg = send_messages(&env, 0, 1, recipient, b"hello", U256::ZERO, fee, 1, 2).await;
    let asset = send_messages(&env, 0, 1, user, b"", U256::from(5_000_000u64), fee, 1, 2).await;

    let db = env.sqlite_url("paid");
    let metrics_port =
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = env.write_config(
        "paid",
        &db,
        &format!("instance_id = \"paid\"\nmetrics_addr = \"127.0.0.1:{metrics_port}\""),
    );
    let log = env.dir.path().join("paid.log");
    let relayer_key = env.key(roles::RELAYER);
    let relayer_addr = env.eco.accounts()[roles::RELAYER].address;
    let mut child = spawn_relayer(&config, relayer_key, &log);
    let all: Vec<B256> = msg.iter().chain(&asset).copied().collect();
    wait_delivered(&env, 1, &all, Duration::from_secs(120), &log).await;
    // The relayer reaches `confirmed` after the chain does.
    let started = Instant::now();
    while confirmed_count(&db).await < 2 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Operations endpoints (the gauges refresh every 2 s).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let base = format!("http://127.0.0.1:{metrics_port}");
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let metrics = reqwest::get(format!("{base}/metrics")).await.unwrap().text().await.unwrap();
    for needle in [
        "relayer_messages{chain=\"chain1\",state=\"confirmed\"} 2",
        "relayer_delivery_latency_seconds_bucket",
        "relayer_fees_earned_gwei_total{chain=\"chain1\"} 2000",
        "relayer_delivered_total{chain=\"chain1\"} 2",
    ] {
        assert!(metrics.contains(needle), "{needle} missing from /metrics:\n{metrics}");
    }
    child.kill().unwrap();
    let _ = child.wait();

    assert_eq!(counter(&env, 1, recipient).await, U256::from(1), "recipient called once");
    assert_eq!(env.l2(1).get_balance(user).await.unwrap(), U256::from(5_000_000u64));
    let events = relayed(&env, 1).await;
    assert_eq!(events.len(), 2);
    for (hash, by, paid) in &events {
        assert!(all.contains(hash));
        assert_eq!(*by, relayer_addr, "paid to the relayer's signer");
        assert_eq!(*paid, fee);
    }
    let store = Store::connect(&db).await.unwrap();
    for h in &all {
        let row = store.message(*h).await.unwrap().unwrap();
        assert_eq!(row.state, MessageState::Confirmed);
        assert_eq!(row.fee_earned, Some(fee), "fee recorded as earned");
    }
    // The admin listing shows them.
    let out = Command::new(BIN)
        .args(["--config", config.to_str().unwrap(), "messages", "--state", "confirmed", "--json"])
        .env("IT_RELAYER_KEY", relayer_key.to_string())
        .output()
        .unwrap();
    assert!(out.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().map(|a| a.len()), Some(2));
    env.shutdown().await;
}

/// N messages, the relayer `kill -9`ed twice mid-run and restarted: exactly N deliveries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_nine_twice_delivers_each_message_exactly_once() {
    let n: usize = std::env::var("RELAYER_IT_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let db = env.sqlite_url("kill");
    let config = env.write_config("kill", &db, "instance_id = \"kill\"");
    let log = env.dir.path().join("kill.log");
    let key = env.key(roles::RELAYER);

    let mut child = spawn_relayer(&config, key, &log);
    let hashes =
        send_messages(&env, 0, 1, recipient, b"x", U256::ZERO, U256::from(1000), n, 2).await;
    for (round, threshold) in [(1, n / 4), (2, n / 2)] {
        let started = Instant::now();
        while confirmed_count(&db).await < threshold.max(1) {
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "no progress before kill {round}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child.kill().unwrap(); // SIGKILL
        let _ = child.wait();
        eprintln!("kill -9 #{round} at {} confirmed", confirmed_count(&db).await);
        child = spawn_relayer(&config, key, &log);
    }
    wait_delivered(&env, 1, &hashes, Duration::from_secs(300), &log).await;
    child.kill().unwrap();
    let _ = child.wait();

    let events = relayed(&env, 1).await;
    let unique: HashSet<B256> = events.iter().map(|e| e.0).collect();
    let tail = log_tail(&log);
    assert_eq!(events.len(), n, "exactly N MessageRelayed events; relayer log tail:\n{tail}");
    assert_eq!(unique.len(), n, "no duplicates");
    assert!(hashes.iter().all(|h| unique.contains(h)), "none lost");
    assert_eq!(counter(&env, 1, recipient).await, U256::from(n), "recipient executed N times");
    env.shutdown().await;
}

/// Two relayer instances (different keys) on one PostgreSQL: each message delivered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_split_the_work() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/postgres.sh");
    let out = Command::new("bash").arg(&script).output().unwrap();
    // A missing PostgreSQL is a failure, not a skip: tools/postgres.sh installs it from Debian.
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
            .unwrap()
    };
    let (db, pg_dir) = (get("DATABASE_URL"), get("PG_DIR"));
    let n = 300;
    let env = Env::launch(2).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    let hashes = send_messages(&env, 0, 1, recipient, b"pg", U256::ZERO, U256::from(7), n, 2).await;
    let mut children = Vec::new();
    let mut signers = Vec::new();
    for (i, account) in [roles::RELAYER, 7].into_iter().enumerate() {
        let config = env.write_config(&format!("pg{i}"), &db, &format!("instance_id = \"pg{i}\""));
        let log = env.dir.path().join(format!("pg{i}.log"));
        children.push(spawn_relayer(&config, env.key(account), &log));
        signers.push(env.eco.accounts()[account].address);
    }
    let log = env.dir.path().join("pg0.log");
    wait_delivered(&env, 1, &hashes, Duration::from_secs(300), &log).await;
    for mut c in children {
        c.kill().unwrap();
        let _ = c.wait();
    }
    let events = relayed(&env, 1).await;
    let unique: HashSet<B256> = events.iter().map(|e| e.0).collect();
    assert_eq!(events.len(), n);
    assert_eq!(unique.len(), n);
    assert_eq!(counter(&env, 1, recipient).await, U256::from(n));
    let by: Vec<usize> =
        signers.iter().map(|s| events.iter().filter(|e| e.1 == *s).count()).collect();
    eprintln!("deliveries per instance: {by:?}");
    // No message went into two delivery transactions (none failed or was dropped here).
    let store = Store::connect(&db).await.unwrap();
    drop(store);
    let pool = sqlx::AnyPool::connect(&db).await.unwrap();
    let subs: i64 = sqlx::query_scalar::<_, i64>(
        "SELECT CAST(COALESCE(SUM(message_count), 0) AS BIGINT) FROM submissions \
         WHERE status IN ('pending', 'confirmed')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(subs, n as i64, "submissions carried each message once");
    env.shutdown().await;
    let _ = Command::new("bash").arg(&script).args(["--stop", &pg_dir]).status();
}

#[tokio::test]
async fn malformed_config_and_dead_rpc_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[l1]\nrpc_url = \"http://127.0.0.1:1\"\ntransaction_root = 5\n").unwrap();
    let out = Command::new(BIN)
        .args(["--config", bad.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("transaction_root"), "{err}");

    // A dead RPC (nothing listens on the port).
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = dir.path().join("dead.toml");
    std::fs::write(
        &dead,
        format!(
            "database_url = \"sqlite://{}\"\n[signer]\nkey_env = \"IT_KEY\"\n[l1]\nrpc_url = \"http://127.0.0.1:{port}\"\n\
             transaction_root = \"0x0000000000000000000000000000000000000001\"\n\
             chain_factory = \"0x0000000000000000000000000000000000000002\"\n\
             [[chains]]\nname = \"a\"\nchain_id = 901\nrpc_url = \"http://127.0.0.1:{port}\"\n",
            dir.path().join("d.db").display()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--config", dead.to_str().unwrap(), "check-config"])
        .env("IT_KEY", format!("0x{}", "11".repeat(32)))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("RPC http://127.0.0.1:{port} is unreachable")), "{stdout}");
    assert!(stdout.contains("ERROR l1"), "{stdout}");
    assert!(stdout.contains("ERROR chain a (901)"), "{stdout}");
    assert!(stdout.contains("ok    database"), "{stdout}");
}

#[tokio::test]
async fn unknown_chain_id_is_reported() {
    let anvil = alloy::node_bindings::Anvil::new()
        .path(Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/bin/anvil"))
        .chain_id(777)
        .spawn();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        format!(
            "database_url = \"sqlite://{}\"\n[signer]\nkey_env = \"IT_KEY\"\n[l1]\nrpc_url = \"{url}\"\n\
             transaction_root = \"0x0000000000000000000000000000000000000001\"\n\
             chain_factory = \"0x0000000000000000000000000000000000000002\"\n\
             [[chains]]\nname = \"a\"\nchain_id = 901\nrpc_url = \"{url}\"\n",
            dir.path().join("d.db").display(),
            url = anvil.endpoint()
        ),
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env("IT_KEY", format!("0x{}", "11".repeat(32)))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("has chain id 777, config says 901"), "{stdout}");
    assert!(
        stdout.contains("no contract at 0x0000000000000000000000000000000000000001"),
        "{stdout}"
    );
}

/// Throughput: N messages already settled and covered by imported roots, then one relayer
/// starts from an empty database; prints `{"relayer_msgs_per_s": …}`. Run with
/// `cargo test --release -p hyperchain-relayer --test it bench -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark; run explicitly"]
async fn bench_relayer_throughput() {
    let n: usize =
        std::env::var("RELAYER_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let env = Env::launch(3).await;
    let recipient = deploy_counter_recipient(&env, 1).await;
    // Same deployer, same nonce: the same address on both destinations.
    assert_eq!(deploy_counter_recipient(&env, 2).await, recipient);
    // Chains 0 → 1 and 0 → 2 (two destinations pipelined), half each.
    let a = send_messages(&env, 0, 1, recipient, b"b", U256::ZERO, U256::from(1), n / 2, 2).await;
    let b = send_messages(&env, 0, 2, recipient, b"b", U256::ZERO, U256::from(1), n / 2, 3).await;
    // Wait until the source batches are executed and both destinations imported a covering root:
    // a probe relayer with its own database reports when every message is `root_imported`.
    let probe_db = env.sqlite_url("probe");
    let probe_cfg = env.write_config("probe", &probe_db, "instance_id = \"probe\"");
    let probe_log = env.dir.path().join("probe.log");
    // The probe has no funds on purpose: it can index and prove but never deliver.
    let mut probe = spawn_relayer(&probe_cfg, B256::repeat_byte(0x55), &probe_log);
    let started = Instant::now();
    loop {
        let store = Store::connect(&probe_db).await.unwrap();
        let ready: u64 = store
            .counts()
            .await
            .unwrap()
            .iter()
            .filter(|(_, s, _)| {
                !matches!(s, MessageState::Discovered | MessageState::BatchExecuted)
            })
            .map(|(_, _, c)| *c)
            .sum();
        if ready as usize >= n {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "settlement too slow");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    probe.kill().unwrap();
    let _ = probe.wait();
    let db = env.sqlite_url("bench");
    let config = env.write_config("bench", &db, "instance_id = \"bench\"");
    let log = env.dir.path().join("bench.log");
    let t0 = Instant::now();
    let mut child = spawn_relayer_with(
        &config,
        env.key(roles::RELAYER),
        &log,
        &[("HYPERCHAIN_RELAYER__POLL__MAX_BATCH", "250"), ("RUST_LOG", "info")],
    );
    // One eth_getLogs per destination per poll (cheap for the 2 shared cores).
    loop {
        let done = relayed(&env, 1).await.len() + relayed(&env, 2).await.len();
        if done >= n {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(600), "only {done} of {n} delivered");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    child.kill().unwrap();
    let _ = child.wait();
    let rate = n as f64 / secs;
    println!(
        "{}",
        serde_json::json!({"relayer_msgs_per_s": (rate * 10.0).round() / 10.0, "messages": n, "seconds": (secs * 1000.0).round() / 1000.0, "destinations": 2})
    );
    let delivered: HashSet<B256> =
        relayed(&env, 1).await.iter().chain(relayed(&env, 2).await.iter()).map(|e| e.0).collect();
    assert_eq!(delivered.len(), n);
    assert!(a.iter().chain(&b).all(|h| delivered.contains(h)));
    env.shutdown().await;
}

/// Store level, no chains: two instances claiming concurrently from one PostgreSQL get disjoint
/// sets (`FOR UPDATE SKIP LOCKED`), and only the claimer can record a submission.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_claims_are_disjoint_between_instances() {
    use hyperchain_relayer::db::{LeafRow, NewMessage, SubmissionRow};
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/postgres.sh");
    let out = Command::new("bash").arg(&script).output().unwrap();
    // A missing PostgreSQL is a failure, not a skip: tools/postgres.sh installs it from Debian.
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
            .unwrap()
    };
    let (url, pg_dir) = (get("DATABASE_URL"), get("PG_DIR"));
    let store = Store::connect(&url).await.unwrap();
    assert!(store.is_postgres());
    let n = 500u64;
    let messages: Vec<NewMessage> = (0..n)
        .map(|nonce| NewMessage {
            message: hyperchain_bindings::Message {
                sourceChainId: U256::from(1),
                destinationChainId: U256::from(2),
                nonce: U256::from(nonce),
                sender: Address::repeat_byte(1),
                recipient: Address::repeat_byte(2),
                value: U256::ZERO,
                fee: U256::from(3),
                payload: Bytes::new(),
            },
            state: MessageState::Discovered,
            reason: None,
            block: 1,
        })
        .collect();
    assert_eq!(store.insert_messages(&messages).await.unwrap(), n);
    let leaf = LeafRow {
        leaf_index: 0,
        root: B256::repeat_byte(9),
        chain_id: 1,
        batch_number: 1,
        leaf: B256::repeat_byte(8),
        state_root: B256::ZERO,
        messages_root: B256::ZERO,
        l1_block: 1,
        l1_block_hash: B256::ZERO,
        first_nonce: None,
        message_count: None,
    };
    store.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
    store.assign_batch(&leaf, 0, n).await.unwrap();
    store.imported_and_promote_for_test(2, leaf.root).await;
    // Two instances (separate pools) race to claim in small batches until nothing is left.
    let claim_all = |name: &'static str, url: String| async move {
        let s = Store::connect(&url).await.unwrap();
        let mut mine = Vec::new();
        loop {
            let got = s.claim_ready(2, name, 7, 60_000).await.unwrap();
            if got.is_empty() {
                break;
            }
            let hashes: Vec<B256> = got.iter().map(|m| m.hash).collect();
            s.set_claimed_state(name, &hashes, MessageState::Simulated, None).await.unwrap();
            let sub = SubmissionRow {
                tx_hash: keccak256(format!("{name}{}", mine.len())),
                chain_id: 2,
                signer: Address::ZERO,
                nonce: mine.len() as u64,
                raw_tx: Bytes::new(),
                status: "pending".into(),
                created_at: 0,
                updated_at: 0,
            };
            assert!(s.record_submission(name, &sub, &hashes).await.unwrap());
            mine.extend(hashes);
        }
        mine
    };
    let (a, b) = tokio::join!(claim_all("a", url.clone()), claim_all("b", url.clone()));
    let sa: HashSet<B256> = a.iter().copied().collect();
    let sb: HashSet<B256> = b.iter().copied().collect();
    eprintln!("instance a claimed {}, b claimed {}", sa.len(), sb.len());
    assert!(sa.is_disjoint(&sb), "a message was claimed by both instances");
    assert_eq!(sa.len() + sb.len(), n as usize, "every message claimed once");
    assert_eq!(a.len(), sa.len());
    let _ = Command::new("bash").arg(&script).args(["--stop", &pg_dir]).status();
}
