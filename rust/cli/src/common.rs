//! What every command shares: the devnet description file, providers, keys, amounts, errors.

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256, utils::parse_ether},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use eyre::{Context, bail, eyre};
use hyperchain_devnet::{DevAccount, L1Deployment};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `.hyperchain/devnet.json`: what `hyperchain up` started, rewritten by `up` on every change
/// (a restarted relayer's pid, a chain that went down), so it is always the current truth.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevnetFile {
    pub(crate) l1: L1Info,
    pub(crate) contracts: L1Deployment,
    /// ERC-20s on L1 for trying token transfers: `up` deploys one test token (anyone may mint
    /// it) and mints every dev account some.
    #[serde(default)]
    pub(crate) tokens: Vec<hyperchain_portal::L1Token>,
    pub(crate) chains: Vec<ChainInfo>,
    pub(crate) accounts: Vec<DevAccount>,
    /// The validium DA committee's one member (a dev account).
    pub(crate) da_committee: DevAccount,
    /// The attester processes (the verifier's attester set).
    #[serde(default)]
    pub(crate) attesters: Vec<AttesterInfo>,
    pub(crate) relayer: Option<RelayerInfo>,
    /// The bridge portal (`hyperchain portal`), unless `up --no-portal`.
    #[serde(default)]
    pub(crate) portal: Option<PortalInfo>,
    pub(crate) ready_ms: u128,
    pub(crate) pid: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L1Info {
    pub(crate) chain_id: u64,
    pub(crate) rpc_url: String,
    /// The L1 anvil's pid; `None` once it exited.
    #[serde(default)]
    pub(crate) pid: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChainInfo {
    pub(crate) chain_id: u64,
    pub(crate) rpc_url: String,
    pub(crate) settlement: Address,
    pub(crate) da_mode: String,
    pub(crate) genesis_state_root: B256,
    pub(crate) operator: Address,
    pub(crate) operator_db: PathBuf,
    /// The genesis file the chain was started from.
    #[serde(default)]
    pub(crate) genesis: PathBuf,
    /// The chain's anvil pid; `None` once it exited.
    #[serde(default)]
    pub(crate) pid: Option<u32>,
    /// Set by `up` when the chain's node exited: why (its operator is stopped then).
    #[serde(default)]
    pub(crate) down: Option<String>,
    /// Whether `up`'s operator of this chain runs now (false while it restarts, or when the
    /// chain is down).
    #[serde(default)]
    pub(crate) operator_running: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttesterInfo {
    /// Its HTTP API (`/v1/attest`, `/healthz`, `/metrics`).
    pub(crate) url: String,
    /// Its signing address (a member of the verifier's set).
    pub(crate) address: Address,
    /// The running process; `None` while `up` waits to restart it.
    pub(crate) pid: Option<u32>,
    /// How often `up` restarted it after it exited.
    #[serde(default)]
    pub(crate) restarts: u32,
    /// Its log.
    pub(crate) log: PathBuf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelayerInfo {
    pub(crate) config: PathBuf,
    /// The running relayer process; `None` while `up` waits to restart it.
    pub(crate) pid: Option<u32>,
    pub(crate) account: Address,
    /// The relayer's HTTP server (`/metrics`, `/healthz`, `/v1/messages/0x<hash>`).
    #[serde(default)]
    pub(crate) api_url: Option<String>,
    /// How often `up` restarted it after it exited.
    #[serde(default)]
    pub(crate) restarts: u32,
    /// Its log (stderr and stdout).
    #[serde(default)]
    pub(crate) log: PathBuf,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PortalInfo {
    /// The page and its JSON API (`/api/…`).
    pub(crate) url: String,
    /// The running process; `None` while `up` waits to restart it.
    pub(crate) pid: Option<u32>,
    #[serde(default)]
    pub(crate) restarts: u32,
    pub(crate) log: PathBuf,
}

/// `<repo>/.hyperchain/devnet.json`, or `$HYPERCHAIN_DEVNET`.
pub(crate) fn default_devnet_path() -> PathBuf {
    if let Some(p) = std::env::var_os("HYPERCHAIN_DEVNET") {
        return PathBuf::from(p);
    }
    match hyperchain_devnet::Toolchain::locate() {
        Ok(t) => t.root.join(".hyperchain/devnet.json"),
        Err(_) => PathBuf::from(".hyperchain/devnet.json"),
    }
}

/// `--devnet`: the running devnet a command works on.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct DevnetArgs {
    /// The devnet file `hyperchain up` wrote (default `<repo>/.hyperchain/devnet.json`, or
    /// `$HYPERCHAIN_DEVNET`).
    #[arg(long = "devnet", id = "devnet")]
    pub(crate) path: Option<PathBuf>,
}

impl DevnetArgs {
    /// Reads the devnet file, failing with how to start a devnet when there is none.
    pub(crate) fn load(&self) -> eyre::Result<DevnetFile> {
        DevnetFile::load(&self.path.clone().unwrap_or_else(default_devnet_path))
    }
}

impl DevnetFile {
    pub(crate) fn load(path: &Path) -> eyre::Result<Self> {
        let text = std::fs::read_to_string(path).wrap_err_with(|| {
            format!(
                "no running devnet described at {} (start one with `hyperchain up`)",
                path.display()
            )
        })?;
        serde_json::from_str(&text)
            .wrap_err_with(|| format!("{} is not a devnet file", path.display()))
    }

    /// The devnet at `path` when one was written there (`None` when there is no file).
    pub(crate) fn load_if_present(path: &Path) -> eyre::Result<Option<Self>> {
        if path.exists() { Self::load(path).map(Some) } else { Ok(None) }
    }

    /// Writes the file atomically (temporary file + rename): commands reading it while `up`
    /// rewrites it never see half a file.
    pub(crate) fn write(&self, path: &Path) -> eyre::Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self)?)
            .wrap_err_with(|| format!("write {}", tmp.display()))?;
        std::fs::rename(&tmp, path).wrap_err_with(|| format!("write {}", path.display()))
    }

    pub(crate) fn chain(&self, chain_id: u64) -> eyre::Result<&ChainInfo> {
        self.chains.iter().find(|c| c.chain_id == chain_id).ok_or_else(|| {
            let known: Vec<String> = self.chains.iter().map(|c| c.chain_id.to_string()).collect();
            eyre!(
                "unknown chain id {chain_id}: this devnet has L1 {} and hyperchains {}",
                self.l1.chain_id,
                known.join(", ")
            )
        })
    }
}

/// The running devnet's file for commands that also work without one (`deploy`,
/// `create-chain`): `--devnet PATH` must exist; the default path is used when it does.
pub(crate) fn optional_devnet(explicit: Option<&Path>) -> eyre::Result<Option<DevnetFile>> {
    match explicit {
        Some(path) => DevnetFile::load(path).map(Some),
        None => DevnetFile::load_if_present(&default_devnet_path()),
    }
}

/// Where no devnet is running and no `--l1-rpc` is given.
pub(crate) const DEFAULT_L1_RPC: &str = "http://127.0.0.1:8545";

/// `--l1-rpc`, else the running devnet's L1, else [`DEFAULT_L1_RPC`].
pub(crate) fn l1_rpc_url(explicit: Option<&str>, devnet: Option<&DevnetFile>) -> String {
    match (explicit, devnet) {
        (Some(url), _) => url.to_string(),
        (None, Some(d)) => d.l1.rpc_url.clone(),
        (None, None) => DEFAULT_L1_RPC.to_string(),
    }
}

/// Which key signs: `--private-key`, else dev account `--account` of the devnet.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct SignerArgs {
    /// Hex private key of the sender.
    #[arg(long, env = "HYPERCHAIN_PRIVATE_KEY", hide_env_values = true)]
    pub(crate) private_key: Option<B256>,
    /// Index of a funded dev account of the running devnet (default 5).
    #[arg(long, default_value_t = 5)]
    pub(crate) account: usize,
}

impl SignerArgs {
    pub(crate) fn signer(&self, devnet: Option<&DevnetFile>) -> eyre::Result<PrivateKeySigner> {
        let key = match (self.private_key, devnet) {
            (Some(k), _) => k,
            (None, Some(d)) => {
                d.accounts
                    .get(self.account)
                    .ok_or_else(|| eyre!("the devnet has no dev account {}", self.account))?
                    .private_key
            }
            (None, None) => bail!("no key: pass --private-key (or run against a devnet)"),
        };
        PrivateKeySigner::from_bytes(&key).map_err(|e| eyre!("invalid private key: {e}"))
    }
}

/// A provider with a wallet; fails with a clear message when the RPC does not answer.
pub(crate) async fn connect(
    url: &str,
    what: &str,
    signer: Option<PrivateKeySigner>,
) -> eyre::Result<DynProvider> {
    let parsed = url.parse().map_err(|e| eyre!("invalid {what} RPC URL {url:?}: {e}"))?;
    let provider = match signer {
        Some(s) => {
            ProviderBuilder::new().wallet(EthereumWallet::from(s)).connect_http(parsed).erased()
        }
        None => ProviderBuilder::new().connect_http(parsed).erased(),
    };
    match tokio::time::timeout(std::time::Duration::from_secs(5), provider.get_chain_id()).await {
        Ok(Ok(_)) => Ok(provider),
        Ok(Err(e)) => Err(eyre!("{what} at {url} is down or not an Ethereum RPC: {e}")),
        Err(_) => Err(eyre!("{what} at {url} did not answer within 5 s")),
    }
}

/// Fails early with the balance when `from` cannot pay `value` plus some gas.
pub(crate) async fn ensure_funded(
    provider: &DynProvider,
    from: Address,
    value: U256,
    what: &str,
) -> eyre::Result<()> {
    let balance = provider.get_balance(from).await.wrap_err("eth_getBalance")?;
    let gas_reserve = U256::from(10_u64.pow(15));
    if balance < value.saturating_add(gas_reserve) {
        bail!(
            "account {from} is not funded on {what}: balance {} ETH, needs {} ETH plus gas",
            alloy::primitives::utils::format_ether(balance),
            alloy::primitives::utils::format_ether(value)
        );
    }
    Ok(())
}

/// `1.5` / `1.5ether` (ETH) or `123wei`.
pub(crate) fn parse_amount(s: &str) -> Result<U256, String> {
    let s = s.trim();
    if let Some(wei) = s.strip_suffix("wei") {
        return wei.trim().parse::<U256>().map_err(|e| e.to_string());
    }
    let eth = s.strip_suffix("ether").or_else(|| s.strip_suffix("eth")).unwrap_or(s).trim();
    parse_ether(eth).map_err(|e| format!("invalid amount {s:?}: {e}"))
}

/// Renders a contract error with its decoded custom error.
pub(crate) fn contract_error(step: &str, err: alloy::contract::Error) -> eyre::Report {
    match hyperchain_bindings::decode_revert(&err) {
        Some(reason) => eyre!("{step} reverted: {reason}"),
        None => eyre!("{step} failed: {err}"),
    }
}

/// Exit codes besides 0 (done) and 1 (error), documented in `rust/cli/README.md`.
pub(crate) mod exit {
    /// `send --wait`: the relayer holds the message (`held: <reason>`).
    pub(crate) const HELD: i32 = 2;
    /// `send --wait`: the destination chain is down; the message is sent and will be delivered
    /// when the chain is back.
    pub(crate) const DESTINATION_DOWN: i32 = 3;
}

/// Ends a command that printed its result with a non-zero exit code and a note on stderr.
#[derive(Debug)]
pub(crate) struct Exit {
    pub(crate) code: i32,
    pub(crate) note: String,
}

impl Exit {
    pub(crate) fn new(code: i32, note: String) -> Self {
        Self { code, note }
    }
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.note)
    }
}

impl std::error::Error for Exit {}

/// Prints `value` as JSON or runs `human`.
pub(crate) fn output<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T)) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        human(value);
    }
}
