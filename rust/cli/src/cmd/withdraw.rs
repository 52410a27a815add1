//! `hyperchain withdraw`: ETH from a hyperchain to L1, finalized on L1 once its batch executes.

use crate::{
    cmd::proof::locate,
    common::{
        DevnetArgs, SignerArgs, connect, contract_error, ensure_funded, output, parse_amount,
    },
    steps::{Waited, wait_for},
};
use alloy::primitives::{Address, B256, U256};
use eyre::{bail, eyre};
use hyperchain_bindings::{IOutbox, SharedBridge, interop_address, predeploys};
use hyperchain_steps::{HyperbridgeStep, Sent};
use serde::Serialize;

/// Withdraw ETH to L1; with --finalize, wait for the batch to execute and claim it on L1.
#[derive(Debug, clap::Args)]
pub(crate) struct WithdrawArgs {
    /// Source hyperchain id.
    #[arg(long)]
    chain: u64,
    /// ETH to withdraw: `1.5` (ETH), `1.5ether` or `100wei`.
    #[arg(long, value_parser = parse_amount)]
    amount: U256,
    /// Recipient on L1 (default: the sender).
    #[arg(long)]
    to: Option<Address>,
    /// Wait until the batch is executed, then finalize on L1.
    #[arg(long)]
    finalize: bool,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Withdrawn {
    l2_tx: B256,
    message_hash: B256,
    batch: Option<u64>,
    finalize_tx: Option<B256>,
}

impl WithdrawArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        let chain = devnet.chain(self.chain)?.clone();
        let signer = self.signer.signer(Some(&devnet))?;
        let from = signer.address();
        let to = self.to.unwrap_or(from);
        let l2 =
            connect(&chain.rpc_url, &format!("chain {}", chain.chain_id), Some(signer.clone()))
                .await?;
        ensure_funded(&l2, from, self.amount, &format!("chain {}", chain.chain_id)).await?;
        let started = std::time::Instant::now();
        let receipt = IOutbox::new(predeploys::OUTBOX, &l2)
            .sendMessage(
                interop_address(U256::from(devnet.l1.chain_id), to),
                Default::default(),
                vec![],
            )
            .value(self.amount)
            .send()
            .await
            .map_err(|e| contract_error("Outbox.sendMessage", e))?
            .get_receipt()
            .await?;
        if !receipt.status() {
            bail!("withdrawal transaction {} reverted", receipt.transaction_hash);
        }
        let queued = Sent::from_receipt(chain.chain_id, &receipt)
            .ok_or_else(|| eyre!("no MessageQueued event in {}", receipt.transaction_hash))?;
        let message = queued.message.clone();
        let mut out = Withdrawn {
            l2_tx: receipt.transaction_hash,
            message_hash: queued.message_hash,
            batch: None,
            finalize_tx: None,
        };
        if self.finalize {
            match wait_for(&devnet, &queued, HyperbridgeStep::SourceBatchSettled, started).await? {
                (Waited::Reached(_), _) => {}
                (other, _) => bail!("withdrawal stopped waiting at: {}", other.status().detail),
            }
            // The proof from public data only (outbox logs + L1's messages roots), as
            // `hyperchain proof` prints it: no operator database.
            let l1 = connect(&devnet.l1.rpc_url, "L1", Some(signer)).await?;
            let located = locate(
                &l1,
                devnet.l1.chain_id,
                &l2,
                chain.chain_id,
                chain.settlement,
                message.hash(),
            )
            .await?;
            let batch_number = located.batch;
            out.batch = Some(batch_number);
            let proof = located.proof();
            ensure_funded(&l1, from, U256::ZERO, "L1").await?;
            let fin = SharedBridge::new(devnet.contracts.shared_bridge, &l1)
                .finalizeWithdrawal(U256::from(chain.chain_id), batch_number, message, proof)
                .send()
                .await
                .map_err(|e| contract_error("SharedBridge.finalizeWithdrawal", e))?
                .get_receipt()
                .await?;
            if !fin.status() {
                bail!("finalizeWithdrawal {} reverted", fin.transaction_hash);
            }
            eprintln!(
                "withdrawal finalized on L1 (tx {}, +{} ms)",
                fin.transaction_hash,
                started.elapsed().as_millis()
            );
            out.finalize_tx = Some(fin.transaction_hash);
        }
        output(json, &out, |o| {
            println!("withdrawal {} (L2 tx {})", o.message_hash, o.l2_tx);
            if let (Some(b), Some(tx)) = (o.batch, o.finalize_tx) {
                println!("finalized on L1 from batch {b}: tx {tx}");
            }
        });
        Ok(())
    }
}
