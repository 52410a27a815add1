//! `hyperchain-relayer`: the relayer daemon and its admin commands.

use std::{io::IsTerminal, path::PathBuf, time::Duration};

use alloy::primitives::B256;
use clap::{Parser, Subcommand, ValueEnum};
use eyre::{Context, bail, eyre};
use hyperchain_relayer::{
    check::check_config,
    config::Config,
    db::{MessageRow, Store},
    metrics::{Health, install_recorder, serve},
    relayer::Relayer,
    state::MessageState,
};

/// Carries hyperbridge messages between hyperchains with Merkle proofs against L1's Transaction
/// Root, and is paid each message's fee on delivery.
///
/// Configuration: a TOML file (see `relayer/README.md`); any key can be overridden by an
/// environment variable HYPERCHAIN_RELAYER__<KEY>__<PATH> (chains by name, e.g.
/// HYPERCHAIN_RELAYER__CHAINS__ALPHA__RPC_URL).
#[derive(Debug, Parser)]
#[command(name = "hyperchain-relayer", version)]
struct Cli {
    /// The relayer's TOML configuration (see `relayer/README.md`).
    #[arg(
        long,
        short,
        global = true,
        env = "HYPERCHAIN_RELAYER_CONFIG",
        default_value = "relayer.toml"
    )]
    config: PathBuf,
    /// Log lines as human-readable text or as one JSON object per line (for a log collector).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the relayer daemon.
    Run,
    /// Connect to the database, L1 and every chain, and report exactly what is wrong.
    CheckConfig {
        /// Print the checks as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List messages and their delivery state.
    Messages {
        /// Only messages in this state (discovered, batch_executed, root_imported, proof_built,
        /// simulated, submitted, confirmed, held, retrying, withdrawal).
        #[arg(long)]
        state: Option<MessageState>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u64,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Put a held or retrying message back into the delivery pipeline.
    Retry {
        /// The message hash.
        message_hash: B256,
    },
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colour only on a terminal: `hyperchain up` writes these logs to files.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.log_format);
    let config = Config::load(&cli.config)?;
    match cli.command {
        Command::Run => run(config).await,
        Command::CheckConfig { json } => {
            let checks = check_config(&config).await;
            if json {
                println!("{}", serde_json::to_string_pretty(&checks)?);
            } else {
                for c in &checks {
                    println!(
                        "{} {:<28} {}",
                        if c.ok { "ok   " } else { "ERROR" },
                        c.subject,
                        c.detail
                    );
                }
            }
            let failed = checks.iter().filter(|c| !c.ok).count();
            if failed > 0 {
                bail!("{failed} check(s) failed");
            }
            Ok(())
        }
        Command::Messages { state, limit, json } => {
            let store = Store::connect(&config.database_url).await?;
            let rows = store.list_messages(state, limit).await?;
            print_messages(&rows, json)
        }
        Command::Retry { message_hash } => {
            let store = Store::connect(&config.database_url).await?;
            match store.retry(message_hash).await? {
                None => bail!("no message {message_hash} in the database"),
                Some(state) => {
                    println!("{message_hash}: {state}");
                    Ok(())
                }
            }
        }
    }
}

async fn run(config: Config) -> eyre::Result<()> {
    let health = Health::new(Duration::from_millis((config.poll.interval_ms * 20).max(30_000)));
    let store = Store::connect(&config.database_url).await?;
    if let Some(addr) = config.metrics_addr {
        let handle = install_recorder().map_err(|e| eyre!("metrics: {e}"))?;
        let listener_health = health.clone();
        let listener_store = store.clone();
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .wrap_err_with(|| format!("cannot listen on metrics_addr {addr}"))?;
        drop(listener);
        tokio::spawn(async move {
            if let Err(e) = serve(addr, handle, listener_health, listener_store).await {
                tracing::error!(error = %e, "metrics server stopped");
            }
        });
        tracing::info!(%addr, "serving /metrics, /healthz and /v1/messages/0x<hash>");
    }
    let relayer = Relayer::new(config, store, health).await?;
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .wrap_err("cannot install the SIGTERM handler")?;
    tokio::select! {
        r = relayer.run() => Ok(r?),
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("interrupted; state is persisted, exiting");
            Ok(())
        }
        _ = term.recv() => {
            tracing::info!("terminated; state is persisted, exiting");
            Ok(())
        }
    }
}

fn print_messages(rows: &[MessageRow], json: bool) -> eyre::Result<()> {
    if json {
        let out: Vec<_> = rows.iter().map(MessageRow::to_json).collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    if rows.is_empty() {
        println!("no messages");
        return Ok(());
    }
    println!("{:<66} {:>8} {:>8} {:>6} {:<15} reason", "hash", "source", "dest", "nonce", "state");
    for m in rows {
        println!(
            "{:<66} {:>8} {:>8} {:>6} {:<15} {}",
            m.hash.to_string(),
            m.message.sourceChainId.to_string(),
            m.message.destinationChainId.to_string(),
            m.message.nonce.to_string(),
            m.state.as_str(),
            m.reason.clone().unwrap_or_default()
        );
    }
    Ok(())
}
