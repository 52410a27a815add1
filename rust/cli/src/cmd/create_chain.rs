//! `hyperchain create-chain`: permissionless registration through the ChainFactory.

use crate::common::{SignerArgs, connect, output};
use alloy::primitives::{Address, B256};
use eyre::{bail, eyre};
use hyperchain_bindings::ChainFactory;
use hyperchain_devnet::{ChainSpec, genesis_state_root, register_chain};
use serde::Serialize;

/// Register a hyperchain on an L1 through its ChainFactory.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateChainArgs {
    /// L1 JSON-RPC.
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    l1_rpc: String,
    /// The ChainFactory.
    #[arg(long)]
    factory: Address,
    /// The new chain id.
    #[arg(long)]
    chain_id: u64,
    /// Genesis state root; or give --l2-rpc to read it from the running chain's block 0.
    #[arg(long)]
    genesis_root: Option<B256>,
    /// The new chain's RPC (its genesis state root is read from block 0).
    #[arg(long)]
    l2_rpc: Option<String>,
    /// Operator address (default: the sender).
    #[arg(long)]
    operator: Option<Address>,
    /// Admin address (default: the sender).
    #[arg(long)]
    admin: Option<Address>,
    /// rollup or validium.
    #[arg(long, default_value = "rollup")]
    da_mode: String,
    #[command(flatten)]
    signer: SignerArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    chain_id: u64,
    settlement: Address,
    genesis_state_root: B256,
}

impl CreateChainArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let signer = self.signer.signer(None)?;
        let sender = signer.address();
        let l1 = connect(&self.l1_rpc, "L1", Some(signer)).await?;
        let root = match (self.genesis_root, &self.l2_rpc) {
            (Some(r), _) => r,
            (None, Some(url)) => genesis_state_root(url).await?,
            (None, None) => bail!("pass --genesis-root or --l2-rpc"),
        };
        let da_mode = match self.da_mode.as_str() {
            "rollup" => 0,
            "validium" => 1,
            other => bail!("unknown DA mode {other:?} (rollup or validium)"),
        };
        let factory = ChainFactory::new(self.factory, l1);
        let spec = ChainSpec { chain_id: self.chain_id, da_mode };
        let settlement = register_chain(
            &factory,
            &spec,
            self.admin.unwrap_or(sender),
            self.operator.unwrap_or(sender),
            root,
        )
        .await
        .map_err(|e| eyre!("{e}"))?;
        let created = Created { chain_id: self.chain_id, settlement, genesis_state_root: root };
        output(json, &created, |c| {
            println!(
                "chain {} registered: settlement {} (genesis root {})",
                c.chain_id, c.settlement, c.genesis_state_root
            )
        });
        Ok(())
    }
}
