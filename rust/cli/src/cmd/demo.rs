//! `hyperchain demo swap`: a cross-chain swap on a constant-product pool of another hyperchain,
//! on the running devnet (`hyperchain_devnet::swap`); `hyperchain demo view`: a contract on one
//! hyperchain acting on a balance proven on another (`hyperchain_devnet::view`).

use crate::common::{DevnetArgs, DevnetFile, connect, output, parse_amount};
use alloy::primitives::{U256, utils::format_ether};
use eyre::{bail, eyre};
use hyperchain_devnet::{
    swap::{SwapChain, SwapConfig, SwapReport, cross_chain_swap},
    view::{ViewConfig, ViewReport, remote_balance_view},
};
use std::time::Duration;

/// Scenarios that show the hyperbridge at work on a running devnet.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    #[command(subcommand)]
    demo: Demo,
}

#[derive(Debug, clap::Subcommand)]
enum Demo {
    /// A user on one chain sells token X for token Y on a pool that lives on another chain, in one
    /// transaction, and gets Y back: deploys two FaucetTokens, a ConstantProductPool and RemoteSwap
    /// on both chains, then swaps through the operators and the relayer.
    Swap(SwapArgs),
    /// A contract on one chain admits holders of a token on another by their balance proven
    /// against a Transaction Root it imported, with no message between the chains: deploys a
    /// FaucetToken on the token chain and a RemoteBalanceGate on the reader chain, waits for the
    /// mint's batch to settle and its root to be imported, then joins; shows a forged and a stale
    /// proof refused and the readStorage gas.
    View(ViewArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ViewArgs {
    /// The token's chain (default: the devnet's first hyperchain).
    #[arg(long)]
    token_chain: Option<u64>,
    /// The gate's chain, whose StateReader verifies (default: the devnet's second hyperchain).
    #[arg(long)]
    reader_chain: Option<u64>,
    /// Tokens minted to the holder.
    #[arg(long, value_parser = parse_amount, default_value = "100")]
    balance: U256,
    /// The gate's minimum balance.
    #[arg(long, value_parser = parse_amount, default_value = "50")]
    min_balance: U256,
    /// The gate refuses proofs more than this many batches older than the newest one shown.
    #[arg(long, default_value_t = 1)]
    max_batch_age: u64,
    /// Dev account of the holder, who deploys the token and the gate.
    #[arg(long, default_value_t = 7)]
    holder_account: usize,
    /// Seconds any one step may take (a batch settled on L1 and its root imported).
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[derive(Debug, clap::Args)]
struct SwapArgs {
    /// The user's chain (default: the devnet's first hyperchain).
    #[arg(long)]
    from_chain: Option<u64>,
    /// The pool's chain (default: the devnet's second hyperchain).
    #[arg(long)]
    pool_chain: Option<u64>,
    /// X to sell.
    #[arg(long, value_parser = parse_amount, default_value = "1")]
    amount: U256,
    /// Pool liquidity of each token.
    #[arg(long, value_parser = parse_amount, default_value = "1000")]
    liquidity: U256,
    /// Relayer fee per hyperbridge message (5 messages: 2 to seed the pool, 3 for the swap).
    #[arg(long, value_parser = parse_amount, default_value = "0.001")]
    fee: U256,
    /// Dev account of the user.
    #[arg(long, default_value_t = 2)]
    user_account: usize,
    /// Dev account of the liquidity provider, who deploys and links the apps.
    #[arg(long, default_value_t = 4)]
    lp_account: usize,
    /// Seconds any one cross-chain step may take.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    #[command(flatten)]
    devnet: DevnetArgs,
}

impl DemoArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        match self.demo {
            Demo::Swap(args) => args.run(json).await,
            Demo::View(args) => {
                let report = args.run(|line| eprintln!("{line}")).await?;
                output(json, &report, print_view);
                Ok(())
            }
        }
    }
}

impl SwapArgs {
    async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        if devnet.relayer.is_none() {
            bail!(
                "this devnet runs no relayer (started with --no-relayer): the swap's messages would never be delivered"
            );
        }
        let (a, b) = two_chains(&devnet, self.from_chain, self.pool_chain, "a swap").await?;
        let config = SwapConfig {
            a,
            b,
            user_key: dev_key(&devnet, self.user_account)?,
            lp_key: dev_key(&devnet, self.lp_account)?,
            liquidity: self.liquidity,
            amount_in: self.amount,
            relayer_fee: self.fee,
            step_timeout: Duration::from_secs(self.timeout),
        };
        let report = cross_chain_swap(&config, |line| eprintln!("{line}")).await?;
        output(json, &report, print_report);
        Ok(())
    }
}

impl ViewArgs {
    /// `demo view` with its defaults on the devnet described by `devnet` (for `hyperchain bench`).
    pub(crate) fn with_defaults(devnet: &std::path::Path) -> eyre::Result<Self> {
        use clap::{Args, FromArgMatches};
        let matches = Self::augment_args(clap::Command::new("view")).try_get_matches_from([
            std::ffi::OsStr::new("view"),
            "--devnet".as_ref(),
            devnet.as_os_str(),
        ])?;
        Ok(Self::from_arg_matches(&matches)?)
    }

    /// Runs the view on the devnet; `progress` gets each step as it happens.
    pub(crate) async fn run(self, progress: impl FnMut(&str)) -> eyre::Result<ViewReport> {
        let devnet = self.devnet.load()?;
        let (a, b) = two_chains(&devnet, self.token_chain, self.reader_chain, "a view").await?;
        let config = ViewConfig {
            l1_rpc_url: devnet.l1.rpc_url.clone(),
            transaction_root: devnet.contracts.transaction_root,
            token_settlement: devnet.chain(a.chain_id)?.settlement,
            token_chain: a,
            reader_chain: b,
            holder_key: dev_key(&devnet, self.holder_account)?,
            balance: self.balance,
            min_balance: self.min_balance,
            max_batch_age: self.max_batch_age,
            step_timeout: Duration::from_secs(self.timeout),
        };
        remote_balance_view(&config, progress).await
    }
}

/// `first` and `second`, or the devnet's first two hyperchains; both must answer.
async fn two_chains(
    devnet: &DevnetFile,
    first: Option<u64>,
    second: Option<u64>,
    what: &str,
) -> eyre::Result<(SwapChain, SwapChain)> {
    let pick = |chosen: Option<u64>, index: usize| -> eyre::Result<SwapChain> {
        let chain = match chosen {
            Some(id) => devnet.chain(id)?,
            None => devnet.chains.get(index).ok_or_else(|| {
                eyre!("the devnet has {} hyperchain(s); {what} needs two", devnet.chains.len())
            })?,
        };
        Ok(SwapChain { chain_id: chain.chain_id, rpc_url: chain.rpc_url.clone() })
    };
    let (a, b) = (pick(first, 0)?, pick(second, 1)?);
    if a.chain_id == b.chain_id {
        bail!("both chains are {}: pick two", a.chain_id);
    }
    for chain in [&a, &b] {
        connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
    }
    Ok((a, b))
}

fn dev_key(devnet: &DevnetFile, i: usize) -> eyre::Result<alloy::primitives::B256> {
    devnet
        .accounts
        .get(i)
        .map(|acc| acc.private_key)
        .ok_or_else(|| eyre!("the devnet has no dev account {i}"))
}

fn print_view(r: &ViewReport) {
    println!(
        "chain {}'s gate admitted {} by its balance {} of token {} on chain {} at batch {} \
         (no message between the chains)",
        r.reader_chain,
        r.holder,
        format_ether(r.balance),
        r.token,
        r.token_chain,
        r.batch
    );
    println!("  gate            {} (chain {})", r.gate, r.reader_chain);
    println!("  join tx         {}", r.join_tx);
    println!(
        "  proof           Transaction Root {} leaf {}, block {}",
        r.transaction_root, r.leaf_index, r.block
    );
    println!("  forged proof    refused: {}", r.forged_refused);
    println!("  stale proof     refused after batch {}: {}", r.later_batch, r.stale_refused);
    println!(
        "  readStorage gas 1 slot {}, 8 slots {} (execution; {} / {} with calldata; {} account proof nodes)",
        r.view_gas_1_slot,
        r.view_gas_8_slots,
        r.view_tx_gas_1_slot,
        r.view_tx_gas_8_slots,
        r.account_proof_nodes
    );
    let total = r.steps.last().map_or(0, |s| s.elapsed_ms);
    println!("  time            {total} ms");
}

fn print_report(r: &SwapReport) {
    println!(
        "swapped {} X for {} Y: X on chain {} {} → {}, Y {} → {}",
        format_ether(r.amount_in),
        format_ether(r.amount_out),
        r.chain_a,
        format_ether(r.x_before),
        format_ether(r.x_after),
        format_ether(r.y_before),
        format_ether(r.y_after),
    );
    println!("  user            {}", r.user);
    println!("  swapRemote tx   {} (chain {}, the user's one transaction)", r.swap_tx, r.chain_a);
    println!(
        "  swapped by tx   {} (chain {}, delivered by the relayer)",
        r.executed_tx_b, r.chain_b
    );
    println!("  tokens X / Y    {} / {} (chain {})", r.token_x, r.token_y, r.chain_a);
    println!("  pool            {} (chain {})", r.pool, r.chain_b);
    println!(
        "  RemoteSwap      {} (chain {}) ↔ {} (chain {})",
        r.remote_swap_a, r.chain_a, r.remote_swap_b, r.chain_b
    );
    println!("  time            set-up {} ms, swap {} ms (A → B → A)", r.setup_ms, r.swap_ms);
}
