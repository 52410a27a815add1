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

/// `.hyperchain/devnet.json`: what `hyperchain up` started.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevnetFile {
    pub(crate) l1: L1Info,
    pub(crate) contracts: L1Deployment,
    pub(crate) chains: Vec<ChainInfo>,
    pub(crate) accounts: Vec<DevAccount>,
    pub(crate) attester: DevAccount,
    pub(crate) relayer: Option<RelayerInfo>,
    pub(crate) ready_ms: u128,
    pub(crate) pid: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L1Info {
    pub(crate) chain_id: u64,
    pub(crate) rpc_url: String,
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
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelayerInfo {
    pub(crate) config: PathBuf,
    pub(crate) pid: Option<u32>,
    pub(crate) account: Address,
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

/// Prints `value` as JSON or runs `human`.
pub(crate) fn output<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T)) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    } else {
        human(value);
    }
}
