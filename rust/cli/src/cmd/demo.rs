//! `hyperchain demo swap`: the seed's cross-chain Uniswap on the running devnet
//! (`hyperchain_devnet::swap`).

use crate::common::{DevnetFile, connect, output, parse_amount};
use alloy::primitives::{U256, utils::format_ether};
use eyre::{bail, eyre};
use hyperchain_devnet::swap::{SwapChain, SwapConfig, SwapReport, cross_chain_swap};
use std::{path::PathBuf, time::Duration};

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
    /// Devnet description.
    #[arg(long)]
    devnet: Option<PathBuf>,
}

impl DemoArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        match self.demo {
            Demo::Swap(args) => args.run(json).await,
        }
    }
}

impl SwapArgs {
    async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = DevnetFile::load(
            &self.devnet.clone().unwrap_or_else(crate::common::default_devnet_path),
        )?;
        if devnet.relayer.is_none() {
            bail!(
                "this devnet runs no relayer (started with --no-relayer): the swap's messages would never be delivered"
            );
        }
        let pick = |chosen: Option<u64>, index: usize| -> eyre::Result<SwapChain> {
            let chain = match chosen {
                Some(id) => devnet.chain(id)?,
                None => devnet.chains.get(index).ok_or_else(|| {
                    eyre!("the devnet has {} hyperchain(s); a swap needs two", devnet.chains.len())
                })?,
            };
            Ok(SwapChain { chain_id: chain.chain_id, rpc_url: chain.rpc_url.clone() })
        };
        let a = pick(self.from_chain, 0)?;
        let b = pick(self.pool_chain, 1)?;
        if a.chain_id == b.chain_id {
            bail!("--from-chain and --pool-chain are both {}: pick two chains", a.chain_id);
        }
        for chain in [&a, &b] {
            connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
        }
        let key = |i: usize| {
            devnet
                .accounts
                .get(i)
                .map(|acc| acc.private_key)
                .ok_or_else(|| eyre!("the devnet has no dev account {i}"))
        };
        let config = SwapConfig {
            a,
            b,
            user_key: key(self.user_account)?,
            lp_key: key(self.lp_account)?,
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
