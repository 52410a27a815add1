//! `hyperchain create-chain`: permissionless registration through the ChainFactory.

use crate::common::{SignerArgs, connect, l1_rpc_url, optional_devnet, output};
use alloy::primitives::{Address, B256};
use eyre::bail;
use hyperchain_bindings::ChainFactory;
use hyperchain_devnet::{ChainSpec, genesis_block_hash, genesis_state_root, register_chain};
use serde::Serialize;
use std::path::PathBuf;

/// Register a hyperchain on an L1 through its ChainFactory.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateChainArgs {
    /// L1 JSON-RPC (default: the running devnet's L1, else http://127.0.0.1:8545).
    #[arg(long)]
    l1_rpc: Option<String>,
    /// The ChainFactory (default: the running devnet's).
    #[arg(long)]
    factory: Option<Address>,
    /// The new chain id.
    #[arg(long)]
    chain_id: u64,
    /// Genesis state root; or give --l2-rpc to read it from the running chain's block 0.
    #[arg(long)]
    genesis_root: Option<B256>,
    /// Hash of the chain's block 0 (batch 1's headers must continue it); or give --l2-rpc.
    #[arg(long)]
    genesis_block_hash: Option<B256>,
    /// The new chain's RPC (its genesis state root and block hash are read from block 0).
    #[arg(long)]
    l2_rpc: Option<String>,
    /// Operator address (default: the sender).
    #[arg(long)]
    operator: Option<Address>,
    /// Admin address (default: the sender).
    #[arg(long)]
    admin: Option<Address>,
    /// Where the chain publishes its state diffs: `rollup` (L1 calldata; the state can be rebuilt
    /// from L1 with `hyperchain reconstruct`) or `validium` (a DA committee signs for the data).
    #[arg(long, default_value = "rollup")]
    da_mode: String,
    #[command(flatten)]
    signer: SignerArgs,
    /// Devnet description (default `<repo>/.hyperchain/devnet.json` when it exists): its L1,
    /// factory and dev accounts (`--account`).
    #[arg(long)]
    devnet: Option<PathBuf>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    chain_id: u64,
    settlement: Address,
    genesis_state_root: B256,
    genesis_block_hash: B256,
    admin: Address,
    operator: Address,
}

impl CreateChainArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = optional_devnet(self.devnet.as_deref())?;
        let l1_rpc = l1_rpc_url(self.l1_rpc.as_deref(), devnet.as_ref());
        let factory = match (self.factory, &devnet) {
            (Some(f), _) => f,
            (None, Some(d)) => d.contracts.chain_factory,
            (None, None) => bail!("pass --factory (no running devnet found)"),
        };
        let signer = self.signer.signer(devnet.as_ref())?;
        let sender = signer.address();
        let l1 = connect(&l1_rpc, "L1", Some(signer)).await?;
        let root = match (self.genesis_root, &self.l2_rpc) {
            (Some(r), _) => r,
            (None, Some(url)) => genesis_state_root(url).await?,
            (None, None) => bail!("pass --genesis-root or --l2-rpc"),
        };
        let block_hash = match (self.genesis_block_hash, &self.l2_rpc) {
            (Some(h), _) => h,
            (None, Some(url)) => genesis_block_hash(url).await?,
            (None, None) => bail!("pass --genesis-block-hash or --l2-rpc"),
        };
        let da_mode = match self.da_mode.as_str() {
            "rollup" => 0,
            "validium" => 1,
            other => bail!("unknown DA mode {other:?} (rollup or validium)"),
        };
        let factory = ChainFactory::new(factory, l1);
        let spec = ChainSpec { chain_id: self.chain_id, da_mode };
        let admin = self.admin.unwrap_or(sender);
        let operator = self.operator.unwrap_or(sender);
        let settlement = register_chain(&factory, &spec, admin, operator, root, block_hash).await?;
        let created = Created {
            chain_id: self.chain_id,
            settlement,
            genesis_state_root: root,
            genesis_block_hash: block_hash,
            admin,
            operator,
        };
        output(json, &created, |c| {
            println!(
                "chain {} registered: settlement {} (genesis root {}, admin {}, operator {})",
                c.chain_id, c.settlement, c.genesis_state_root, c.admin, c.operator
            )
        });
        Ok(())
    }
}
