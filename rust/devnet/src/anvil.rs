use crate::{DevnetError, Toolchain};
use alloy::{
    primitives::{Address, B256},
    providers::{Provider, ProviderBuilder},
};
use serde::{Deserialize, Serialize};
use std::{
    collections::VecDeque,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncBufReadExt, AsyncRead, BufReader},
    process::{Child, Command},
    sync::oneshot,
};

/// How to start one anvil node.
#[derive(Clone, Debug)]
pub struct AnvilConfig {
    /// Chain id (ignored by anvil when `genesis` sets one).
    pub chain_id: Option<u64>,
    /// TCP port; 0 lets the OS pick a free one (no race: anvil binds it and reports it).
    pub port: u16,
    /// Interval mining; `None` mines one block per transaction.
    pub block_time: Option<Duration>,
    /// Run as a fork of this RPC.
    pub fork_url: Option<String>,
    /// `--init` genesis file (hyperchains: the predeploys from `GenesisL2.s.sol`).
    pub genesis: Option<PathBuf>,
    /// `--base-fee`.
    pub base_fee: Option<u128>,
    /// `--gas-price`.
    pub gas_price: Option<u128>,
    /// Number of funded dev accounts (anvil default 10).
    pub accounts: Option<u32>,
    /// How long to wait for anvil to listen and answer.
    pub startup_timeout: Duration,
    /// Anything else to pass through.
    pub extra_args: Vec<String>,
}

impl Default for AnvilConfig {
    fn default() -> Self {
        Self {
            chain_id: None,
            port: 0,
            block_time: None,
            fork_url: None,
            genesis: None,
            base_fee: None,
            gas_price: None,
            accounts: None,
            startup_timeout: Duration::from_secs(20),
            extra_args: Vec::new(),
        }
    }
}

/// A funded anvil dev account.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DevAccount {
    /// The account's address.
    pub address: Address,
    /// Its private key (anvil's public test mnemonic: never use on a real network).
    pub private_key: B256,
}

/// `--config-out` file of anvil.
#[derive(Deserialize)]
struct AnvilConfigOut {
    available_accounts: Vec<Address>,
    private_keys: Vec<B256>,
}

/// A running anvil; killed (with its process group) when dropped.
#[derive(Debug)]
pub struct AnvilInstance {
    child: Option<Child>,
    pid: Option<u32>,
    port: u16,
    chain_id: u64,
    accounts: Vec<DevAccount>,
    ready_after: Duration,
    _config_out: tempfile::TempDir,
}

impl AnvilInstance {
    /// Starts anvil and waits until it answers `eth_chainId`.
    pub async fn spawn(toolchain: &Toolchain, config: &AnvilConfig) -> Result<Self, DevnetError> {
        let started = Instant::now();
        let chain_label = config.chain_id.map_or_else(|| "?".to_string(), |id| id.to_string());
        let config_dir = tempfile::tempdir()
            .map_err(|source| DevnetError::Io { path: std::env::temp_dir(), source })?;
        let config_out = config_dir.path().join("anvil.json");

        let mut cmd = Command::new(&toolchain.anvil);
        cmd.arg("--port").arg(config.port.to_string()).arg("--host").arg("127.0.0.1");
        cmd.arg("--config-out").arg(&config_out);
        if let Some(id) = config.chain_id {
            cmd.arg("--chain-id").arg(id.to_string());
        }
        if let Some(block_time) = config.block_time {
            cmd.arg("--block-time").arg(format!("{}", block_time.as_secs_f64()));
        }
        if let Some(url) = &config.fork_url {
            cmd.arg("--fork-url").arg(url);
        }
        if let Some(genesis) = &config.genesis {
            cmd.arg("--init").arg(genesis);
        }
        if let Some(fee) = config.base_fee {
            cmd.arg("--base-fee").arg(fee.to_string());
        }
        if let Some(price) = config.gas_price {
            cmd.arg("--gas-price").arg(price.to_string());
        }
        if let Some(n) = config.accounts {
            cmd.arg("--accounts").arg(n.to_string());
        }
        cmd.args(&config.extra_args);
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        // Own process group: a Ctrl-C in the terminal reaches us, and we stop the nodes in order.
        cmd.process_group(0);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe; runs in the child between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                // Dies with us even on `kill -9` of the parent: no orphan anvils.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = cmd.spawn().map_err(|source| DevnetError::Spawn {
            what: format!("{}", toolchain.anvil.display()),
            source,
        })?;
        let pid = child.id();

        let (tx_port, rx_port) = oneshot::channel();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let label = chain_label.clone();
        let tail = std::sync::Arc::new(std::sync::Mutex::new(VecDeque::new()));
        if let Some(stdout) = stdout {
            tokio::spawn(drain(stdout, label.clone(), Some(tx_port), tail.clone()));
        }
        if let Some(stderr) = stderr {
            tokio::spawn(drain(stderr, label, None, tail.clone()));
        }

        let tail_text = |tail: &std::sync::Mutex<VecDeque<String>>| {
            tail.lock()
                .map(|t| t.iter().cloned().collect::<Vec<_>>().join("\n"))
                .unwrap_or_default()
        };
        let port = match tokio::time::timeout(config.startup_timeout, rx_port).await {
            Ok(Ok(port)) => port,
            Ok(Err(_)) => {
                let status = child.wait().await.ok();
                return Err(DevnetError::AnvilStart {
                    chain: chain_label,
                    reason: format!("exited ({status:?}):\n{}", tail_text(&tail)),
                });
            }
            Err(_) => {
                return Err(DevnetError::AnvilStart {
                    chain: chain_label,
                    reason: format!(
                        "no \"Listening on\" within {:?}:\n{}",
                        config.startup_timeout,
                        tail_text(&tail)
                    ),
                });
            }
        };

        let url = format!("http://127.0.0.1:{port}");
        let chain_id = wait_ready(&url, config.startup_timeout).await?;
        let accounts = read_accounts(&config_out)?;
        Ok(Self {
            child: Some(child),
            pid,
            port,
            chain_id,
            accounts,
            ready_after: started.elapsed(),
            _config_out: config_dir,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn rpc_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `ws://127.0.0.1:<port>`.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The chain id anvil reports.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// Funded dev accounts (anvil's test mnemonic).
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// OS process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Time from spawn to answering JSON-RPC.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.exit_status().is_none()
    }

    /// How the process ended (`signal: 9 (SIGKILL)`), once it has, reaping it so no zombie is
    /// left; `None` while it runs.
    pub fn exit_status(&mut self) -> Option<String> {
        let Some(child) = self.child.as_mut() else { return Some("shut down".into()) };
        match child.try_wait() {
            Ok(status) => status.map(|s| s.to_string()),
            Err(e) => Some(format!("not waitable: {e}")),
        }
    }

    /// Stops anvil and waits for it to exit.
    pub async fn shutdown(mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(self.pid);
            let _ = child.kill().await;
        }
    }
}

impl Drop for AnvilInstance {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(self.pid);
            let _ = child.start_kill();
        }
    }
}

fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: plain syscall; the group id is the child's pid (process_group(0)).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Forwards a child's output to tracing; reports the port from anvil's "Listening on" line and
/// keeps the last lines for error messages.
async fn drain(
    stream: impl AsyncRead + Unpin,
    chain: String,
    mut port: Option<oneshot::Sender<u16>>,
    tail: std::sync::Arc<std::sync::Mutex<VecDeque<String>>>,
) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.trim().strip_prefix("Listening on ") {
            let parsed = rest.rsplit(':').next().and_then(|p| p.trim().parse::<u16>().ok());
            if let (Some(p), Some(tx)) = (parsed, port.take()) {
                let _ = tx.send(p);
            }
        }
        tracing::trace!(target: "anvil", chain = %chain, "{line}");
        if let Ok(mut tail) = tail.lock() {
            if tail.len() == 20 {
                tail.pop_front();
            }
            tail.push_back(line);
        }
    }
}

/// Polls `eth_chainId` until anvil answers; returns the chain id.
pub async fn wait_ready(url: &str, timeout: Duration) -> Result<u64, DevnetError> {
    let parsed = url
        .parse()
        .map_err(|e| DevnetError::Rpc { url: url.to_string(), reason: format!("bad URL: {e}") })?;
    let provider = ProviderBuilder::new().connect_http(parsed);
    let deadline = Instant::now() + timeout;
    let mut delay = Duration::from_millis(5);
    loop {
        match provider.get_chain_id().await {
            Ok(id) => return Ok(id),
            Err(err) if Instant::now() >= deadline => {
                return Err(DevnetError::NotReady {
                    url: url.to_string(),
                    timeout,
                    reason: err.to_string(),
                });
            }
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_millis(100));
            }
        }
    }
}

fn read_accounts(path: &std::path::Path) -> Result<Vec<DevAccount>, DevnetError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| DevnetError::Io { path: path.to_path_buf(), source })?;
    let out: AnvilConfigOut = serde_json::from_str(&text)
        .map_err(|e| DevnetError::Output { path: path.to_path_buf(), reason: e.to_string() })?;
    Ok(out
        .available_accounts
        .into_iter()
        .zip(out.private_keys)
        .map(|(address, private_key)| DevAccount { address, private_key })
        .collect())
}
