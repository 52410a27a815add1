//! `hyperchain send`: a message, ETH or an ERC-20 to another hyperchain.

use crate::{
    common::{
        DevnetArgs, Exit, SignerArgs, connect, contract_error, ensure_funded, exit, output,
        parse_amount,
    },
    steps::{MessageStatus, Shown, Waited, wait_for},
};
use alloy::primitives::{Address, B256, Bytes, U256};
use eyre::{bail, eyre};
use hyperchain_bindings::{AssetRouter, IOutbox, Message, interop_address, predeploys};
use hyperchain_steps::{HyperbridgeStep, Sent as SentMessage};
use serde::Serialize;
use std::time::Instant;

/// Send a message / ETH (`--value`) or an ERC-20 (`--token`, `--amount`) to another chain.
#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// Source hyperchain id.
    #[arg(long)]
    from_chain: u64,
    /// Destination chain id (a hyperchain, or the L1 id for a withdrawal).
    #[arg(long)]
    to_chain: u64,
    /// Recipient on the destination (default: the sender).
    #[arg(long)]
    to: Option<Address>,
    /// ETH carried by the message.
    #[arg(long, value_parser = parse_amount, default_value = "0")]
    value: U256,
    /// Relayer fee, paid on delivery.
    #[arg(long, value_parser = parse_amount, default_value = "0")]
    fee: U256,
    /// Calldata-like payload handed to the recipient's `receiveMessage`.
    #[arg(long)]
    payload: Option<Bytes>,
    /// Bridge this ERC-20 (its address on the source chain) through the asset router.
    #[arg(long)]
    token: Option<Address>,
    /// Token amount (base units with `wei`).
    #[arg(long, value_parser = parse_amount)]
    amount: Option<U256>,
    /// Wait until the message reaches step 7 (step 2 for a withdrawal to L1), printing each of
    /// the 7 steps once with its transaction and the milliseconds since the send. Exit code 2:
    /// the relayer holds it (the reason is printed: `held: …`); 3: the destination chain is down
    /// (the message is sent and will be delivered when the chain is back).
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    signer: SignerArgs,
    #[command(flatten)]
    devnet: DevnetArgs,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Sent {
    pub(crate) l2_tx: B256,
    pub(crate) message_hash: B256,
    pub(crate) message: Message,
    pub(crate) l2_block: u64,
    /// With `--wait`: each step reached, in order, with the milliseconds since the send.
    pub(crate) steps: Vec<Shown>,
    /// With `--wait`: where the message ended up.
    pub(crate) status: Option<MessageStatus>,
}

impl SendArgs {
    pub(crate) async fn run(self, json: bool) -> eyre::Result<()> {
        let devnet = self.devnet.load()?;
        let src = devnet.chain(self.from_chain)?.clone();
        if self.to_chain != devnet.l1.chain_id {
            devnet.chain(self.to_chain)?;
        }
        let signer = self.signer.signer(Some(&devnet))?;
        let from = signer.address();
        let to = self.to.unwrap_or(from);
        let l2 = connect(&src.rpc_url, &format!("chain {}", src.chain_id), Some(signer)).await?;
        let dest = U256::from(self.to_chain);
        let started = Instant::now();
        let receipt = match self.token {
            None => {
                let total = self.value + self.fee;
                ensure_funded(&l2, from, total, &format!("chain {}", src.chain_id)).await?;
                let mut attributes = Vec::new();
                if !self.fee.is_zero() {
                    attributes.push(hyperchain_bindings::relayer_fee_attribute(self.fee));
                }
                IOutbox::new(predeploys::OUTBOX, &l2)
                    .sendMessage(
                        interop_address(dest, to),
                        self.payload.clone().unwrap_or_default(),
                        attributes,
                    )
                    .value(total)
                    .send()
                    .await
                    .map_err(|e| contract_error("Outbox.sendMessage", e))?
                    .get_receipt()
                    .await?
            }
            Some(token) => {
                let amount = self.amount.ok_or_else(|| eyre!("--token needs --amount"))?;
                ensure_funded(&l2, from, self.fee, &format!("chain {}", src.chain_id)).await?;
                AssetRouter::new(predeploys::ASSET_ROUTER, &l2)
                    .bridgeERC20(dest, token, to, amount)
                    .value(self.fee)
                    .send()
                    .await
                    .map_err(|e| contract_error("AssetRouter.bridgeERC20", e))?
                    .get_receipt()
                    .await?
            }
        };
        if !receipt.status() {
            bail!("transaction {} reverted", receipt.transaction_hash);
        }
        let queued = SentMessage::from_receipt(src.chain_id, &receipt).ok_or_else(|| {
            eyre!("sent, but no MessageQueued event in {}", receipt.transaction_hash)
        })?;
        let (waited, steps) = if self.wait {
            let until = if self.to_chain == devnet.l1.chain_id {
                HyperbridgeStep::SourceBatchSettled
            } else {
                HyperbridgeStep::DestinationBatchSettled
            };
            let (waited, steps) = wait_for(&devnet, &queued, until, started).await?;
            (Some(waited), steps)
        } else {
            (None, Vec::new())
        };
        let sent = Sent {
            l2_tx: receipt.transaction_hash,
            message_hash: queued.message_hash,
            message: queued.message.clone(),
            l2_block: queued.at.block,
            steps,
            status: waited.as_ref().map(|w| w.status().clone()),
        };
        output(json, &sent, |s| {
            println!(
                "message {} sent from chain {} (tx {})",
                s.message_hash, self.from_chain, s.l2_tx
            );
        });
        let hash = queued.message_hash;
        match waited {
            Some(Waited::Held(step)) => Err(Exit::new(
                exit::HELD,
                format!(
                    "held: {}\n(the relayer keeps it until the cause is fixed; `hyperchain-relayer \
                     --config {} retry {hash}` puts it back in line)",
                    step.held_reason().unwrap_or_default(),
                    devnet
                        .relayer
                        .as_ref()
                        .map_or_else(|| "relayer.toml".into(), |r| r.config.display().to_string()),
                ),
            )
            .into()),
            Some(Waited::DestinationDown(step)) => Err(Exit::new(
                exit::DESTINATION_DOWN,
                format!(
                    "message {hash} was sent; destination chain {} is down ({}): it will be \
                     delivered when the chain is back",
                    step.track.destination_chain_id,
                    step.destination_down.as_deref().unwrap_or("unreachable"),
                ),
            )
            .into()),
            Some(Waited::Reached(_)) | None => Ok(()),
        }
    }
}
