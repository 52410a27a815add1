//! `hyperchain reconstruct`: a rollup chain's state from L1 data alone.

use crate::common::{DevnetArgs, connect, output};
use alloy::primitives::Address;
use eyre::{Context, bail, eyre};
use hyperchain_operator::reconstruct::reconstruct;
use std::path::PathBuf;

/// Rebuild a rollup hyperchain's state from its genesis and the pubdata of every batch committed
/// on L1, and check it against the state root L1 settled.
#[derive(Debug, clap::Args)]
pub(crate) struct ReconstructArgs {
    /// Chain id (of the running devnet; or give --l1-rpc, --settlement and --genesis).
    #[arg(long)]
    chain: Option<u64>,
    /// L1 JSON-RPC.
    #[arg(long)]
    l1_rpc: Option<String>,
    /// The chain's ChainSettlement.
    #[arg(long)]
    settlement: Option<Address>,
    /// The chain's genesis JSON.
    #[arg(long)]
    genesis: Option<PathBuf>,
    #[command(flatten)]
    devnet: DevnetArgs,
}

impl ReconstructArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let (l1_rpc, settlement, genesis) = match (self.l1_rpc, self.settlement, self.genesis) {
            (Some(rpc), Some(settlement), Some(genesis)) => (rpc, settlement, genesis),
            _ => {
                let devnet = self.devnet.load()?;
                let id = self.chain.ok_or_else(|| {
                    eyre!("pass --chain (or --l1-rpc, --settlement and --genesis)")
                })?;
                let chain = devnet.chain(id)?;
                (devnet.l1.rpc_url.clone(), chain.settlement, chain.genesis.clone())
            }
        };
        let text = std::fs::read_to_string(&genesis)
            .wrap_err_with(|| format!("read genesis {}", genesis.display()))?;
        let genesis: serde_json::Value =
            serde_json::from_str(&text).wrap_err("genesis is not JSON")?;
        let l1 = connect(&l1_rpc, "L1", None).await?;
        let result = reconstruct(&l1, settlement, &genesis).await?;
        output(json, &result, |r| {
            println!(
                "rebuilt {} accounts from genesis + {} batches of pubdata: state root {} — L1 has {} ({})",
                r.accounts,
                r.batches,
                r.state_root,
                r.l1_state_root,
                if r.matches { "match" } else { "MISMATCH" }
            )
        });
        if !result.matches {
            bail!("the state rebuilt from L1 data does not match the settled state root");
        }
        Ok(())
    }
}
