//! The relayer's TOML configuration, with environment overrides.
//!
//! ```toml
//! database_url = "sqlite://relayer.db"        # or postgres://user@host:port/db
//! metrics_addr = "127.0.0.1:9090"              # /metrics and /healthz
//! instance_id = "relayer-1"                    # optional; names claims in a shared database
//!
//! [signer]                                     # default signer of every chain
//! key_env = "RELAYER_PRIVATE_KEY"              # hex private key in this env var, or:
//! # keystore = "relayer.json"; password_env = "RELAYER_KEYSTORE_PASSWORD"
//!
//! [l1]
//! rpc_url = "http://127.0.0.1:8545"
//! transaction_root = "0x…"
//! chain_factory = "0x…"
//!
//! [[chains]]
//! name = "alpha"
//! chain_id = 1001
//! rpc_url = "http://127.0.0.1:8546"
//! # signer = { key_env = "ALPHA_KEY" }          # per-chain signer
//!
//! [fee]
//! policy = "cover-gas"                         # or "min-fee"
//! min_fee = "0"                                # wei
//! gas_multiplier = 1.2
//!
//! [poll]
//! interval_ms = 500
//! ```
//!
//! Any key can be overridden by an environment variable `HYPERCHAIN_RELAYER__<PATH>` where
//! `<PATH>` is the key path joined by `__` (case-insensitive); chains are addressed by name:
//! `HYPERCHAIN_RELAYER__DATABASE_URL`, `HYPERCHAIN_RELAYER__L1__RPC_URL`,
//! `HYPERCHAIN_RELAYER__CHAINS__ALPHA__RPC_URL`, `HYPERCHAIN_RELAYER__FEE__MIN_FEE`.

use std::{collections::BTreeMap, net::SocketAddr, path::Path, time::Duration};

use alloy::{
    primitives::{Address, U256},
    signers::local::PrivateKeySigner,
};
use serde::Deserialize;

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "HYPERCHAIN_RELAYER__";

/// What is wrong with a configuration, in the operator's terms.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File path.
        path: String,
        /// I/O error.
        #[source]
        source: std::io::Error,
    },
    /// TOML syntax or a field of the wrong type (the message names line and column).
    #[error("invalid config {path}: {}", .source.to_string().trim_end())]
    Parse {
        /// File path.
        path: String,
        /// toml's error, with line and column.
        #[source]
        source: toml::de::Error,
    },
    /// An environment override that does not fit.
    #[error("environment override {var}: {message}")]
    Override {
        /// Variable name.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// A semantic problem (duplicate chain, missing signer, ...).
    #[error("invalid config: {0}")]
    Invalid(String),
    /// A signing key that does not load (not a hex private key, a keystore that does not
    /// decrypt).
    #[error("invalid config: {what}: {source}")]
    Signer {
        /// Where the key was read from.
        what: String,
        /// The signer's error (it never holds the key).
        #[source]
        source: alloy::signers::local::LocalSignerError,
    },
}

/// Where a chain's signing key comes from.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SignerConfig {
    /// Environment variable holding a hex private key.
    pub key_env: Option<String>,
    /// Path of an encrypted JSON keystore (the password comes from `password_env`).
    pub keystore: Option<String>,
    /// Environment variable holding the keystore password.
    pub password_env: Option<String>,
}

impl SignerConfig {
    /// Loads the key this entry points at.
    pub fn load(&self) -> Result<PrivateKeySigner, ConfigError> {
        match (&self.key_env, &self.keystore) {
            (Some(var), None) => {
                let raw = std::env::var(var).map_err(|_| {
                    ConfigError::Invalid(format!("signer key env var {var} is not set"))
                })?;
                raw.trim().parse::<PrivateKeySigner>().map_err(|source| ConfigError::Signer {
                    what: format!("signer key in env var {var} is not a hex private key"),
                    source,
                })
            }
            (None, Some(path)) => {
                let password = match &self.password_env {
                    Some(var) => std::env::var(var).map_err(|_| {
                        ConfigError::Invalid(format!("keystore password env var {var} is not set"))
                    })?,
                    None => String::new(),
                };
                PrivateKeySigner::decrypt_keystore(path, password).map_err(|source| {
                    ConfigError::Signer { what: format!("cannot decrypt keystore {path}"), source }
                })
            }
            (Some(_), Some(_)) => {
                Err(ConfigError::Invalid("signer: set key_env or keystore, not both".into()))
            }
            (None, None) => Err(ConfigError::Invalid(
                "no signer: set [signer] key_env or keystore (or per chain)".into(),
            )),
        }
    }
}

/// L1 endpoints and contracts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Config {
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// Expected chain id (checked against the RPC when set).
    pub chain_id: Option<u64>,
    /// `TransactionRoot` contract.
    pub transaction_root: Address,
    /// `ChainFactory` contract.
    pub chain_factory: Address,
    /// First L1 block to scan for Transaction Root leaves.
    #[serde(default)]
    pub start_block: u64,
}

/// One hyperchain the relayer watches (as a source) and delivers to (as a destination).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainConfig {
    /// Name used in logs, metrics and env overrides.
    pub name: String,
    /// Chain id; must equal the RPC's `eth_chainId`.
    pub chain_id: u64,
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// Signer for deliveries to this chain (default: the top-level `[signer]`).
    pub signer: Option<SignerConfig>,
    /// First block to scan the outbox from.
    #[serde(default)]
    pub start_block: u64,
}

/// When a message's fee is worth delivering.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FeePolicyKind {
    /// Deliver when `fee >= min_fee` and the fee covers the estimated destination gas ×
    /// gas price × `gas_multiplier`.
    #[default]
    CoverGas,
    /// Deliver when `fee >= min_fee` (`min_fee = 0` delivers everything: the devnet default).
    MinFee,
}

/// Fee policy.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeConfig {
    /// Which check applies.
    #[serde(default)]
    pub policy: FeePolicyKind,
    /// Minimum fee in wei (decimal string or integer).
    #[serde(default, deserialize_with = "de_u256")]
    pub min_fee: U256,
    /// Multiplier on estimated gas cost (`cover-gas`).
    #[serde(default = "default_multiplier")]
    pub gas_multiplier: f64,
}

impl Default for FeeConfig {
    fn default() -> Self {
        Self { policy: FeePolicyKind::default(), min_fee: U256::ZERO, gas_multiplier: 1.2 }
    }
}

fn default_multiplier() -> f64 {
    1.2
}

fn de_u256<'de, D: serde::Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Int(u64),
        Str(String),
    }
    match Raw::deserialize(d)? {
        Raw::Int(v) => Ok(U256::from(v)),
        Raw::Str(s) => s.parse::<U256>().map_err(serde::de::Error::custom),
    }
}

/// Loop timings and batch sizes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollConfig {
    /// Pause between polls of chains (ms).
    #[serde(default = "d_interval")]
    pub interval_ms: u64,
    /// Most blocks per `eth_getLogs`.
    #[serde(default = "d_log_range")]
    pub max_log_range: u64,
    /// Most messages per `relayBatch` transaction.
    #[serde(default = "d_batch")]
    pub max_batch: usize,
    /// How long a claim on a message lasts before another instance may take it (ms).
    #[serde(default = "d_lease")]
    pub lease_ms: u64,
    /// A broadcast transaction with no receipt after this long is rebroadcast/reconciled (ms).
    #[serde(default = "d_resubmit")]
    pub resubmit_after_ms: u64,
    /// First retry delay after a failed simulation (ms); doubles per attempt.
    #[serde(default = "d_backoff")]
    pub backoff_base_ms: u64,
    /// Cap of the retry delay (ms).
    #[serde(default = "d_backoff_cap")]
    pub backoff_cap_ms: u64,
    /// Failed simulations after which a message is held for an operator (`retry` resets it).
    #[serde(default = "d_attempts")]
    pub max_attempts: u32,
}

fn d_interval() -> u64 {
    500
}
fn d_log_range() -> u64 {
    5_000
}
fn d_batch() -> usize {
    200
}
fn d_lease() -> u64 {
    30_000
}
fn d_resubmit() -> u64 {
    15_000
}
fn d_backoff() -> u64 {
    1_000
}
fn d_backoff_cap() -> u64 {
    300_000
}
fn d_attempts() -> u32 {
    12
}

impl Default for PollConfig {
    fn default() -> Self {
        Self {
            interval_ms: d_interval(),
            max_log_range: d_log_range(),
            max_batch: d_batch(),
            lease_ms: d_lease(),
            resubmit_after_ms: d_resubmit(),
            backoff_base_ms: d_backoff(),
            backoff_cap_ms: d_backoff_cap(),
            max_attempts: d_attempts(),
        }
    }
}

impl PollConfig {
    /// Poll pause.
    pub fn interval(&self) -> Duration {
        Duration::from_millis(self.interval_ms)
    }

    /// Capped exponential backoff after `attempts` failures (1 → base).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let shift = attempts.saturating_sub(1).min(30);
        let ms = self.backoff_base_ms.saturating_mul(1u64 << shift).min(self.backoff_cap_ms);
        Duration::from_millis(ms)
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path` (created when missing) or `postgres://…`.
    #[serde(default = "d_db")]
    pub database_url: String,
    /// Listen address of `/metrics` and `/healthz`; none disables the server.
    pub metrics_addr: Option<SocketAddr>,
    /// Name of this instance in claims (default: hostname-pid).
    pub instance_id: Option<String>,
    /// Default signer.
    #[serde(default)]
    pub signer: Option<SignerConfig>,
    /// L1.
    pub l1: L1Config,
    /// The hyperchains to scan and deliver to (`[[chains]]`), each with its RPC and optional signer.
    #[serde(default)]
    pub chains: Vec<ChainConfig>,
    /// Fee policy.
    #[serde(default)]
    pub fee: FeeConfig,
    /// Polling intervals, batch sizes, leases and retry backoff (`[poll]`).
    #[serde(default)]
    pub poll: PollConfig,
}

fn d_db() -> String {
    "sqlite://relayer.db".into()
}

impl Config {
    /// Reads `path`, applies `HYPERCHAIN_RELAYER__*` overrides from the process environment and
    /// validates.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let env: Vec<(String, String)> =
            std::env::vars().filter(|(k, _)| k.starts_with(ENV_PREFIX)).collect();
        Self::parse(&text, &path.display().to_string(), &env)
    }

    /// Parses TOML text with the given overrides (`(VAR, value)` pairs) and validates.
    pub fn parse(
        text: &str,
        origin: &str,
        overrides: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let parse_err =
            |source: toml::de::Error| ConfigError::Parse { path: origin.to_string(), source };
        // Deserialize from the text first, so type errors point at a line.
        let config: Config = if overrides.is_empty() {
            toml::from_str(text).map_err(parse_err)?
        } else {
            let mut value: toml::Table = toml::from_str(text).map_err(parse_err)?;
            for (var, raw) in overrides {
                apply_override(&mut value, var, raw)?;
            }
            let text = toml::to_string(&value).map_err(|e| ConfigError::Override {
                var: "(all)".into(),
                message: e.to_string(),
            })?;
            toml::from_str(&text).map_err(|source| ConfigError::Parse {
                path: format!("{origin} with environment overrides"),
                source,
            })?
        };
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.chains.is_empty() {
            return Err(ConfigError::Invalid("no [[chains]]: configure at least one".into()));
        }
        let mut ids = BTreeMap::new();
        let mut names = BTreeMap::new();
        for chain in &self.chains {
            if let Some(other) = ids.insert(chain.chain_id, &chain.name) {
                return Err(ConfigError::Invalid(format!(
                    "chains {other} and {} both have chain_id {}",
                    chain.name, chain.chain_id
                )));
            }
            if names.insert(chain.name.to_lowercase(), chain.chain_id).is_some() {
                return Err(ConfigError::Invalid(format!("chain name {} used twice", chain.name)));
            }
            if chain.chain_id > i64::MAX as u64 {
                return Err(ConfigError::Invalid(format!(
                    "chain {}: chain_id {} is too large",
                    chain.name, chain.chain_id
                )));
            }
            if self.signer_of(chain).is_none() {
                return Err(ConfigError::Invalid(format!(
                    "chain {}: no signer (set [signer] or signer in the chain)",
                    chain.name
                )));
            }
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError::Invalid(format!(
                "database_url {} is neither sqlite:… nor postgres://…",
                self.database_url
            )));
        }
        if !(self.fee.gas_multiplier >= 0.0 && self.fee.gas_multiplier.is_finite()) {
            return Err(ConfigError::Invalid("fee.gas_multiplier must be ≥ 0".into()));
        }
        let poll = &self.poll;
        for (name, value) in [
            ("poll.max_batch", poll.max_batch as u64),
            ("poll.max_log_range", poll.max_log_range),
            ("poll.interval_ms", poll.interval_ms),
            ("poll.max_attempts", u64::from(poll.max_attempts)),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{name} must be ≥ 1")));
            }
        }
        if poll.backoff_base_ms > poll.backoff_cap_ms {
            return Err(ConfigError::Invalid(format!(
                "poll.backoff_base_ms ({}) is above poll.backoff_cap_ms ({})",
                poll.backoff_base_ms, poll.backoff_cap_ms
            )));
        }
        Ok(())
    }

    /// The signer configured for `chain`.
    pub fn signer_of<'a>(&'a self, chain: &'a ChainConfig) -> Option<&'a SignerConfig> {
        chain.signer.as_ref().or(self.signer.as_ref())
    }

    /// The chain with this id.
    pub fn chain(&self, chain_id: u64) -> Option<&ChainConfig> {
        self.chains.iter().find(|c| c.chain_id == chain_id)
    }

    /// This instance's name.
    pub fn instance(&self) -> String {
        self.instance_id.clone().unwrap_or_else(|| {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "relayer".into());
            format!("{host}-{}", std::process::id())
        })
    }
}

/// Applies `HYPERCHAIN_RELAYER__A__B=value` to the table; `CHAINS__<name>__KEY` selects a chain by
/// name. The value is read as a TOML value when it parses as one, else as a string.
fn apply_override(root: &mut toml::Table, var: &str, raw: &str) -> Result<(), ConfigError> {
    let err = |message: String| ConfigError::Override { var: var.to_string(), message };
    let path: Vec<String> = var
        .strip_prefix(ENV_PREFIX)
        .unwrap_or(var)
        .split("__")
        .map(|s| s.to_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    if path.is_empty() {
        return Err(err("empty key path".into()));
    }
    let value = parse_value(raw);
    let mut table = root;
    let mut i = 0;
    while i < path.len() - 1 {
        let key = &path[i];
        if key == "chains" {
            let name = path.get(i + 1).ok_or_else(|| err("CHAINS needs a chain name".into()))?;
            let chains = table
                .get_mut("chains")
                .and_then(|c| c.as_array_mut())
                .ok_or_else(|| err("the config has no [[chains]]".into()))?;
            let chain = chains
                .iter_mut()
                .filter_map(|c| c.as_table_mut())
                .find(|c| {
                    c.get("name").and_then(|n| n.as_str()).map(str::to_lowercase).as_ref()
                        == Some(name)
                })
                .ok_or_else(|| err(format!("no chain named {name}")))?;
            table = chain;
            i += 2;
            if i >= path.len() {
                return Err(err("missing key after the chain name".into()));
            }
            continue;
        }
        let entry =
            table.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = entry.as_table_mut().ok_or_else(|| err(format!("{key} is not a table")))?;
        i += 1;
    }
    let last = path.last().cloned().unwrap_or_default();
    table.insert(last, value);
    Ok(())
}

fn parse_value(raw: &str) -> toml::Value {
    let wrapped = format!("v = {raw}");
    match toml::from_str::<toml::Table>(&wrapped) {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[signer]
key_env = "K"

[l1]
rpc_url = "http://127.0.0.1:8545"
transaction_root = "0x0000000000000000000000000000000000000001"
chain_factory = "0x0000000000000000000000000000000000000002"

[[chains]]
name = "alpha"
chain_id = 1001
rpc_url = "http://127.0.0.1:8546"

[fee]
policy = "min-fee"
min_fee = "0"
"#;

    #[test]
    fn parses_defaults() {
        let config = Config::parse(BASE, "t.toml", &[]).unwrap();
        assert_eq!(config.database_url, "sqlite://relayer.db");
        assert_eq!(config.fee.policy, FeePolicyKind::MinFee);
        assert_eq!(config.chains[0].chain_id, 1001);
        assert_eq!(config.poll.max_batch, 200);
    }

    #[test]
    fn syntax_error_names_line() {
        let bad = BASE.replace("chain_id = 1001", "chain_id = = 1001");
        let err = Config::parse(&bad, "t.toml", &[]).unwrap_err().to_string();
        assert!(err.contains("line 12"), "{err}");
    }

    #[test]
    fn type_error_names_line_and_field() {
        let bad = BASE.replace("chain_id = 1001", "chain_id = \"x\"");
        let err = Config::parse(&bad, "t.toml", &[]).unwrap_err().to_string();
        assert!(err.contains("line 12") && err.contains("chain_id"), "{err}");
    }

    #[test]
    fn env_overrides_apply() {
        let overrides = vec![
            ("HYPERCHAIN_RELAYER__DATABASE_URL".into(), "postgres://x@h/db".into()),
            ("HYPERCHAIN_RELAYER__CHAINS__ALPHA__RPC_URL".into(), "http://other:1".into()),
            ("HYPERCHAIN_RELAYER__FEE__MIN_FEE".into(), "12345".into()),
            ("HYPERCHAIN_RELAYER__POLL__MAX_BATCH".into(), "7".into()),
        ];
        let config = Config::parse(BASE, "t.toml", &overrides).unwrap();
        assert_eq!(config.database_url, "postgres://x@h/db");
        assert_eq!(config.chains[0].rpc_url, "http://other:1");
        assert_eq!(config.fee.min_fee, U256::from(12345));
        assert_eq!(config.poll.max_batch, 7);
    }

    #[test]
    fn override_of_unknown_chain_is_an_error() {
        let overrides = vec![("HYPERCHAIN_RELAYER__CHAINS__BETA__RPC_URL".into(), "x".into())];
        let err = Config::parse(BASE, "t.toml", &overrides).unwrap_err().to_string();
        assert!(err.contains("no chain named beta"), "{err}");
    }

    #[test]
    fn duplicate_chain_ids_rejected() {
        let dup = format!(
            "{BASE}\n[[chains]]\nname = \"beta\"\nchain_id = 1001\nrpc_url = \"http://x\"\n"
        );
        let err = Config::parse(&dup, "t.toml", &[]).unwrap_err().to_string();
        assert!(err.contains("both have chain_id 1001"), "{err}");
    }

    #[test]
    fn backoff_is_capped_exponential() {
        let poll = PollConfig { backoff_base_ms: 100, backoff_cap_ms: 1_000, ..Default::default() };
        assert_eq!(poll.backoff(1), Duration::from_millis(100));
        assert_eq!(poll.backoff(2), Duration::from_millis(200));
        assert_eq!(poll.backoff(4), Duration::from_millis(800));
        assert_eq!(poll.backoff(5), Duration::from_millis(1_000));
        assert_eq!(poll.backoff(60), Duration::from_millis(1_000));
    }

    #[test]
    fn zero_log_range_rejected() {
        for field in ["max_log_range", "max_batch", "interval_ms", "max_attempts"] {
            let bad = format!("{BASE}\n[poll]\n{field} = 0\n");
            let err = Config::parse(&bad, "t.toml", &[]).unwrap_err().to_string();
            assert!(err.contains(&format!("poll.{field} must be ≥ 1")), "{err}");
        }
    }
}
