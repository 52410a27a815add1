//! Attester processes (`hyperchain-attester`) for a devnet or a test: each a separate process with
//! its own key, config, database and log, so a test can `kill -9` one and start it again.

use crate::DevnetError;
use alloy::{
    primitives::{Address, B256, keccak256},
    signers::local::PrivateKeySigner,
};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// The environment variable the devnet's attester configs name as `key_env`.
pub const ATTESTER_KEY_ENV: &str = "HYPERCHAIN_ATTESTER_KEY";

/// Dev-only attester key `i`: `keccak256("hyperchains dev attester <i>")`. Public like the dev
/// accounts (anyone can compute it) and unfunded (attesters send no transactions); never use one
/// outside a local devnet.
pub fn dev_attester_key(i: usize) -> B256 {
    keccak256(format!("hyperchains dev attester {i}"))
}

/// The address of [`dev_attester_key`]`(i)`.
pub fn dev_attester_address(i: usize) -> Address {
    PrivateKeySigner::from_bytes(&dev_attester_key(i)).map_or(Address::ZERO, |s| s.address())
}

/// Where the `hyperchain-attester` binary is: `$HYPERCHAIN_ATTESTER_BIN`, else next to the running
/// executable or one folder up (cargo puts test binaries in `target/<profile>/deps/`).
pub fn attester_binary() -> Result<PathBuf, DevnetError> {
    if let Some(bin) = std::env::var_os("HYPERCHAIN_ATTESTER_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe().map_err(|source| DevnetError::Spawn {
        what: "hyperchain-attester (locating the current executable)".into(),
        source,
    })?;
    let dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    [dir.join("hyperchain-attester"), dir.join("../hyperchain-attester")]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| DevnetError::Spawn {
            what: format!(
                "hyperchain-attester (not next to {}: build it with `cargo build -p hyperchain-attester`)",
                exe.display()
            ),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        })
}

/// What one attester process attests.
#[derive(Clone, Debug)]
pub struct AttesterSpec {
    /// Its key (passed in [`ATTESTER_KEY_ENV`], never on the command line).
    pub key: B256,
    /// L1 JSON-RPC.
    pub l1_rpc: String,
    /// The `ChainFactory`.
    pub chain_factory: Address,
    /// `(chain_id, rpc_url)` of each chain it attests.
    pub chains: Vec<(u64, String)>,
    /// Folder of its config, database and log.
    pub dir: PathBuf,
    /// Name of its files (`<name>.toml`, `<name>.db`, `<name>.log`).
    pub name: String,
}

/// A running (or stopped) attester process.
#[derive(Debug)]
pub struct AttesterProcess {
    /// What it runs with.
    pub spec: AttesterSpec,
    /// Its signing address.
    pub address: Address,
    /// Its HTTP API, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Its config file.
    pub config: PathBuf,
    /// Its log (stdout and stderr, appended across restarts).
    pub log: PathBuf,
    bin: PathBuf,
    port: u16,
    child: Option<Child>,
}

fn free_port() -> Result<u16, DevnetError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|source| DevnetError::Spawn { what: "a free port".into(), source })
}

impl AttesterProcess {
    /// Writes its config and starts it; returns once its HTTP port answers.
    pub async fn start(spec: AttesterSpec) -> Result<Self, DevnetError> {
        let bin = attester_binary()?;
        let address = PrivateKeySigner::from_bytes(&spec.key)
            .map_err(|e| DevnetError::Contract {
                step: "attester key".into(),
                reason: e.to_string(),
            })?
            .address();
        let port = free_port()?;
        let config = spec.dir.join(format!("{}.toml", spec.name));
        let mut text = format!(
            "# written by hyperchain-devnet\n\
             l1_rpc = \"{l1}\"\nchain_factory = \"{cf}\"\nlisten = \"127.0.0.1:{port}\"\n\
             database = \"{db}\"\nkey_env = \"{ATTESTER_KEY_ENV}\"\n",
            l1 = spec.l1_rpc,
            cf = spec.chain_factory,
            db = spec.dir.join(format!("{}.db", spec.name)).display(),
        );
        for (id, url) in &spec.chains {
            text.push_str(&format!("\n[[chains]]\nchain_id = {id}\nrpc_url = \"{url}\"\n"));
        }
        std::fs::write(&config, text)
            .map_err(|source| DevnetError::Io { path: config.clone(), source })?;
        let log = spec.dir.join(format!("{}.log", spec.name));
        let mut process = Self {
            url: format!("http://127.0.0.1:{port}"),
            address,
            config,
            log,
            bin,
            port,
            child: None,
            spec,
        };
        process.restart().await?;
        Ok(process)
    }

    /// Starts it again (same key, config, port and database) if it is not running.
    pub async fn restart(&mut self) -> Result<(), DevnetError> {
        if self.is_running() {
            return Ok(());
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|source| DevnetError::Io { path: self.log.clone(), source })?;
        let log_err =
            log.try_clone().map_err(|source| DevnetError::Io { path: self.log.clone(), source })?;
        let mut cmd = Command::new(&self.bin);
        cmd.arg("--config")
            .arg(&self.config)
            .env(ATTESTER_KEY_ENV, self.spec.key.to_string())
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .kill_on_drop(true);
        // SAFETY: prctl in the child between fork and exec; async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|source| DevnetError::Spawn {
            what: format!("{} --config {}", self.bin.display(), self.config.display()),
            source,
        })?;
        self.child = Some(child);
        let timeout = Duration::from_secs(20);
        let started = Instant::now();
        loop {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            if let Some(status) = self.exit_status() {
                return Err(DevnetError::NotReady {
                    url: self.url.clone(),
                    timeout,
                    reason: format!(
                        "hyperchain-attester exited ({status}); see {}",
                        self.log.display()
                    ),
                });
            }
            if started.elapsed() > timeout {
                return Err(DevnetError::NotReady {
                    url: self.url.clone(),
                    timeout,
                    reason: format!("no listener; see {}", self.log.display()),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the process runs.
    pub fn is_running(&mut self) -> bool {
        self.exit_status().is_none() && self.child.is_some()
    }

    /// Its exit status once it exited (`None` while it runs or was never started).
    pub fn exit_status(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(None) => None,
            Ok(Some(status)) => Some(status.to_string()),
            Err(e) => Some(format!("not waitable: {e}")),
        }
    }

    /// Its pid while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// `kill -9` (no chance to flush anything) and waits for it.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// SIGTERM, then SIGKILL after 3 s.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: plain syscall to our own child.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(3), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
}
