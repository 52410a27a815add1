//! `hyperchain-attester`: one member of the attester set.

use clap::Parser;
use eyre::{Context, eyre};
use hyperchain_attester::{
    Attester,
    service::{Config, Service, install_metrics, serve},
};
use std::{path::PathBuf, sync::Arc};

/// Re-executes each batch an operator asks it to attest (blocks from the chain's own RPC, the
/// previous state root from L1) and signs the attestation digest only when the operator's
/// `CommitBatchInfo` matches; never signs two different batches with the same number.
///
/// The key is read from the environment variable the config names (`key_env`), never from the
/// command line.
#[derive(Debug, Parser)]
#[command(name = "hyperchain-attester", version)]
struct Cli {
    /// TOML configuration (see the crate documentation of `hyperchain_attester::service`).
    #[arg(long, short, env = "HYPERCHAIN_ATTESTER_CONFIG")]
    config: PathBuf,
    /// JSON log lines instead of text.
    #[arg(long)]
    json: bool,
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(false);
    if cli.json {
        logs.json().init()
    } else {
        logs.init()
    }

    let config = Config::load(&cli.config)?;
    let attester = Attester::from_env(&config.key_env).wrap_err("attester key")?;
    if attester.addresses().len() != 1 {
        return Err(eyre!("{} must hold exactly one key", config.key_env));
    }
    let metrics = install_metrics().map_err(|e| eyre!("metrics recorder: {e}"))?;
    let service = Arc::new(Service::new(&config, attester).await?);
    let shutdown = async {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    serve(&config, service, metrics, shutdown).await?;
    Ok(())
}
