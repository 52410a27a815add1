//! `hyperchain`: bring up a local ecosystem, deploy and register chains, move assets and messages
//! between L1 and hyperchains, and see where everything is among the 7 hyperbridge steps.

mod cmd;
mod common;
mod relayer_api;
mod steps;
mod supervise;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "hyperchain", version, about)]
struct Cli {
    /// Print the result as JSON on stdout (progress stays on stderr).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start L1 + N hyperchains, operators and the relayer; run until Ctrl-C.
    Up(cmd::up::UpArgs),
    /// Deploy the L1 contracts (DeployL1.s.sol) to any L1 RPC.
    Deploy(cmd::deploy::DeployArgs),
    /// Register a hyperchain through the permissionless ChainFactory.
    CreateChain(cmd::create_chain::CreateChainArgs),
    /// Deposit ETH or an ERC-20 from L1 to a hyperchain.
    Deposit(cmd::deposit::DepositArgs),
    /// Send a message, ETH or an ERC-20 to another hyperchain through the hyperbridge.
    Send(cmd::send::SendArgs),
    /// Withdraw ETH from a hyperchain to L1 (and finalize it on L1 with --finalize).
    Withdraw(cmd::withdraw::WithdrawArgs),
    /// Where a hyperchain's outbound message is settled and its Merkle proof, from public data
    /// (outbox logs, L1's messages roots): what finalizing a withdrawal needs, e.g. with cast.
    Proof(cmd::proof::ProofArgs),
    /// The proof of a hyperchain's account and storage slots at a settled batch, for a
    /// cross-chain view (StateReader) on another hyperchain or on L1, from public data.
    ProveState(cmd::prove_state::ProveStateArgs),
    /// Rebuild a rollup chain's state from L1 data alone and check it against L1's state root.
    Reconstruct(cmd::reconstruct::ReconstructArgs),
    /// Per chain: batches on L1, queued priority requests, messages and their step.
    Status(cmd::status::StatusArgs),
    /// Scenarios on the running devnet: `demo swap`, a swap on a pool that lives on another
    /// hyperchain, in one transaction; `demo view`, a contract acting on a balance proven on
    /// another chain.
    Demo(cmd::demo::DemoArgs),
    /// Measure a running devnet: latency, gas, relayer throughput (the `make bench` table).
    Bench(cmd::bench::BenchArgs),
    /// Serve the bridge portal (web page and JSON API) of the running devnet on 127.0.0.1.
    Portal(cmd::portal::PortalArgs),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,anvil=off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let result = match cli.command {
        Command::Up(args) => args.run(cli.json).await,
        Command::Deploy(args) => args.run(cli.json).await,
        Command::CreateChain(args) => args.run(cli.json).await,
        Command::Deposit(args) => args.run(cli.json).await,
        Command::Send(args) => args.run(cli.json).await,
        Command::Withdraw(args) => args.run(cli.json).await,
        Command::Status(args) => args.run(cli.json).await,
        Command::Proof(args) => args.run(cli.json).await,
        Command::ProveState(args) => args.run(cli.json).await,
        Command::Reconstruct(args) => args.run(cli.json).await,
        Command::Bench(args) => args.run(cli.json).await,
        Command::Demo(args) => args.run(cli.json).await,
        Command::Portal(args) => args.run(cli.json).await,
    };
    if let Err(err) = result {
        // The command printed its result already; only the note and the documented code remain.
        if let Some(exit) = err.downcast_ref::<common::Exit>() {
            eprintln!("{}", exit.note);
            std::process::exit(exit.code);
        }
        if cli.json {
            println!("{}", serde_json::json!({ "error": format!("{err:#}") }));
        } else {
            eprintln!("error: {err:#}");
        }
        std::process::exit(1);
    }
}
