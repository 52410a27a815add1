//! `hyperchain proof`: where a hyperchain's outbound message is settled, and its Merkle proof,
//! derived from public data only — the chain's outbox logs and the batches' messages roots on
//! L1. No operator database: a user (or a `cast`-only script) can finalize a withdrawal with what
//! this prints.

use crate::common::{DevnetArgs, connect, output};
use alloy::{
    primitives::{B256, U256},
    providers::DynProvider,
};
use eyre::eyre;
use hyperchain_steps::Located;
use serde::Serialize;

/// Print the batch and the Merkle proof of a message sent from a hyperchain (for
/// `SharedBridge.finalizeWithdrawal` when it is addressed to L1).
#[derive(Debug, clap::Args)]
pub(crate) struct ProofArgs {
    /// Source hyperchain id.
    #[arg(long)]
    chain: u64,
    /// The message hash (`MessageQueued`'s `messageHash`, printed by `send` and `withdraw`).
    #[arg(long)]
    message: B256,
    #[command(flatten)]
    devnet: DevnetArgs,
}

/// [`hyperchain_steps::locate`], failing when the message is in no committed batch yet.
pub(crate) async fn locate(
    l1: &DynProvider,
    l1_chain_id: u64,
    l2: &DynProvider,
    chain_id: u64,
    settlement: alloy::primitives::Address,
    hash: B256,
) -> eyre::Result<Located> {
    hyperchain_steps::locate(l1, l1_chain_id, l2, chain_id, settlement, hash).await?.ok_or_else(
        || {
            eyre!(
                "message {hash} is not in a batch committed on L1 yet; try again once its batch \
                 is settled"
            )
        },
    )
}

/// The `cast send` line that finalizes a withdrawal `located` on L1.
fn cast_command(bridge: alloy::primitives::Address, l1_rpc: &str, located: &Located) -> String {
    let m = &located.message;
    let siblings: Vec<String> = located.siblings.iter().map(ToString::to_string).collect();
    format!(
        "cast send --rpc-url {l1_rpc} {bridge} \
         'finalizeWithdrawal(uint256,uint64,(uint256,uint256,uint256,address,address,uint256,uint256,bytes),(uint256,uint256,bytes32[]))' \
         {} {} '({},{},{},{},{},{},{},{})' '({},{},[{}])'",
        located.chain_id,
        located.batch,
        m.sourceChainId,
        m.destinationChainId,
        m.nonce,
        m.sender,
        m.recipient,
        m.value,
        m.fee,
        m.payload,
        located.leaf_index,
        located.leaf_count,
        siblings.join(","),
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Printed<'a> {
    #[serde(flatten)]
    located: &'a Located,
    /// For a message to L1 in an executed batch: the `cast send` that finalizes it.
    finalize_with: Option<String>,
}

impl ProofArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        let chain = devnet.chain(self.chain)?.clone();
        let l1 = connect(&devnet.l1.rpc_url, "L1", None).await?;
        let l2 = connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), None).await?;
        let located =
            locate(&l1, devnet.l1.chain_id, &l2, chain.chain_id, chain.settlement, self.message)
                .await?;
        let to_l1 = located.message.destinationChainId == U256::from(devnet.l1.chain_id);
        let finalize_with = (to_l1 && located.batch_executed)
            .then(|| cast_command(devnet.contracts.shared_bridge, &devnet.l1.rpc_url, &located));
        output(json, &Printed { located: &located, finalize_with }, |p| {
            let l = p.located;
            println!(
                "message {} from chain {}: batch {} ({}), leaf {} of {}",
                l.message_hash,
                l.chain_id,
                l.batch,
                if l.batch_executed { "executed on L1" } else { "committed, not executed yet" },
                l.leaf_index,
                l.leaf_count
            );
            for (i, s) in l.siblings.iter().enumerate() {
                println!("  sibling {i}: {s}");
            }
            if let Some(cmd) = &p.finalize_with {
                println!("finalize on L1 with:\n  {cmd}");
            }
        });
        Ok(())
    }
}
