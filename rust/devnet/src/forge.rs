use crate::{DevnetError, Toolchain};
use alloy::primitives::{Address, B256};
use serde::{Deserialize, Serialize};
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::Command;

static FORGE_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One `forge script` run.
#[derive(Clone, Debug)]
pub struct ForgeScript {
    /// Script path relative to the repository root, e.g. `script/DeployL1.s.sol`.
    pub script: String,
    /// `--rpc-url`; `None` runs in forge's in-memory EVM (e.g. genesis generation).
    pub rpc_url: Option<String>,
    /// `--private-key` of the broadcaster.
    pub private_key: Option<B256>,
    /// `--broadcast`.
    pub broadcast: bool,
    /// Environment variables the script reads.
    pub env: Vec<(String, String)>,
    /// Extra arguments (e.g. `--slow`).
    pub extra_args: Vec<String>,
}

/// What a successful script run printed.
#[derive(Clone, Debug)]
pub struct ScriptOutput {
    /// stdout.
    pub stdout: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl ForgeScript {
    /// A script with no RPC, key or environment yet.
    pub fn new(script: impl Into<String>) -> Self {
        Self {
            script: script.into(),
            rpc_url: None,
            private_key: None,
            broadcast: false,
            env: Vec::new(),
            extra_args: Vec::new(),
        }
    }

    /// Adds an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.env.push((key.into(), value.to_string()));
        self
    }

    /// Broadcasts to `rpc_url` with `private_key`.
    pub fn broadcast_to(mut self, rpc_url: impl Into<String>, private_key: B256) -> Self {
        self.rpc_url = Some(rpc_url.into());
        self.private_key = Some(private_key);
        self.broadcast = true;
        self
    }

    /// Runs it from the repository root. Broadcast logs go to a temporary folder so parallel runs
    /// (tests, several devnets) never share `broadcast/` files.
    pub async fn run(&self, toolchain: &Toolchain) -> Result<ScriptOutput, DevnetError> {
        // One forge at a time per process: runs share the compilation output folder.
        let _guard = FORGE_LOCK.lock().await;
        let started = Instant::now();
        let scratch = toolchain.scratch_dir()?;
        let mut cmd = Command::new(&toolchain.forge);
        cmd.current_dir(&toolchain.root).arg("script").arg(&self.script);
        if let Some(url) = &self.rpc_url {
            cmd.arg("--rpc-url").arg(url);
        }
        if let Some(key) = &self.private_key {
            cmd.arg("--private-key").arg(key.to_string());
        }
        if self.broadcast {
            cmd.arg("--broadcast");
        }
        cmd.args(&self.extra_args);
        cmd.env("FOUNDRY_BROADCAST", scratch.path().join("broadcast"));
        // Own compilation output: partial builds by other tools in `out/` (e.g. `forge test
        // --match-path`) cannot leave the scripts without bytecode; forge recompiles what changed.
        cmd.env("FOUNDRY_OUT", toolchain.root.join(".hyperchain/forge/out"));
        cmd.env("FOUNDRY_CACHE_PATH", toolchain.root.join(".hyperchain/forge/cache"));
        cmd.env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).kill_on_drop(true);
        tracing::debug!(script = %self.script, rpc = ?self.rpc_url, "forge script");
        let out = cmd.output().await.map_err(|source| DevnetError::Spawn {
            what: format!("{} script {}", toolchain.forge.display(), self.script),
            source,
        })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let all = format!("{stdout}\n{stderr}");
            let lines: Vec<&str> = all.lines().filter(|l| !l.trim().is_empty()).collect();
            let tail = lines[lines.len().saturating_sub(25)..].join("\n");
            return Err(DevnetError::Script {
                script: self.script.clone(),
                status: out.status.code().map_or("signal".into(), |c| c.to_string()),
                output: tail,
            });
        }
        Ok(ScriptOutput { stdout, elapsed: started.elapsed() })
    }
}

/// Addresses written by `script/DeployL1.s.sol` to `$DEPLOY_OUT`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct L1Deployment {
    /// `ChainFactory`.
    pub chain_factory: Address,
    /// `SharedBridge`.
    pub shared_bridge: Address,
    /// `TransactionRoot`.
    pub transaction_root: Address,
    /// The ecosystem's `IBatchVerifier` (`AttestationVerifier`).
    pub verifier: Address,
    /// Every other key the script wrote (governance, implementation addresses, …).
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Options of `DeployL1.s.sol` beyond the RPC and deployer key.
#[derive(Clone, Debug, Default)]
pub struct DeployL1Options {
    /// Environment variables the script documents (e.g. attester set, threshold).
    pub env: Vec<(String, String)>,
}

impl DeployL1Options {
    /// A local devnet's: dev mode, so the public dev accounts may be governance, attester and
    /// validium committee.
    pub fn dev() -> Self {
        Self { env: vec![dev_mode_env()] }
    }
}

/// `HYPERCHAIN_DEV_MODE=1`: the scripts accept the public dev keys (anyone has them) as
/// governance, attester and DA committee, and unbacked genesis ETH for them. Only for a local
/// devnet; without it `DeployL1.s.sol` reverts `PublicDevKey` and `GenesisL2.s.sol`
/// `UnbackedDevAllocation`.
pub fn dev_mode_env() -> (String, String) {
    ("HYPERCHAIN_DEV_MODE".into(), "1".into())
}

/// Deploys the L1 contracts with `script/DeployL1.s.sol` and reads the addresses it writes.
pub async fn deploy_l1(
    toolchain: &Toolchain,
    rpc_url: &str,
    deployer_key: B256,
    options: &DeployL1Options,
) -> Result<(L1Deployment, ScriptOutput), DevnetError> {
    let dir = toolchain.scratch_dir()?;
    let out_path = dir.path().join("l1.json");
    let mut script = ForgeScript::new("script/DeployL1.s.sol")
        .broadcast_to(rpc_url, deployer_key)
        .env("DEPLOY_OUT", out_path.display())
        .env("PRIVATE_KEY", deployer_key)
        .env("DEPLOYER_PRIVATE_KEY", deployer_key);
    script.env.extend(options.env.iter().cloned());
    script.extra_args.push("--skip-simulation".into());
    let output = script.run(toolchain).await?;
    let deployment = read_json(&out_path)?;
    Ok((deployment, output))
}

/// Inputs of `script/GenesisL2.s.sol`.
#[derive(Clone, Debug)]
pub struct GenesisRequest {
    /// L1 chain id.
    pub l1_chain_id: u64,
    /// The hyperchain's chain id.
    pub l2_chain_id: u64,
    /// L1 `SharedBridge`.
    pub l1_shared_bridge: Address,
    /// Where to write the genesis JSON (anywhere: the script writes inside the repository and the
    /// file is copied).
    pub out: PathBuf,
    /// Additional environment.
    pub env: Vec<(String, String)>,
}

/// Writes a hyperchain genesis (anvil `--init` format) with `script/GenesisL2.s.sol`.
pub async fn generate_genesis(
    toolchain: &Toolchain,
    request: &GenesisRequest,
) -> Result<ScriptOutput, DevnetError> {
    let dir = toolchain.scratch_dir()?;
    let written = dir.path().join("genesis.json");
    let mut script = ForgeScript::new("script/GenesisL2.s.sol")
        .env("L1_CHAIN_ID", request.l1_chain_id)
        .env("L2_CHAIN_ID", request.l2_chain_id)
        .env("L1_SHARED_BRIDGE", request.l1_shared_bridge)
        .env("GENESIS_OUT", written.display());
    script.env.extend(request.env.iter().cloned());
    let output = script.run(toolchain).await?;
    if !written.is_file() {
        return Err(DevnetError::Output {
            path: written,
            reason: "GenesisL2.s.sol did not write the genesis file".into(),
        });
    }
    if let Some(parent) = request.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|source| DevnetError::Io { path: parent.to_path_buf(), source })?;
    }
    std::fs::copy(&written, &request.out)
        .map_err(|source| DevnetError::Io { path: request.out.clone(), source })?;
    Ok(output)
}

/// Reads and parses a JSON file a script wrote.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DevnetError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| DevnetError::Io { path: path.to_path_buf(), source })?;
    serde_json::from_str(&text)
        .map_err(|e| DevnetError::Output { path: path.to_path_buf(), reason: e.to_string() })
}
