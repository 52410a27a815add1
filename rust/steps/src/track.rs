//! Following one message through the 7 steps.

use crate::{
    HyperbridgeStep,
    error::{StepsError, rpc},
    locate::{Located, Settled, events, executed_batches, locate},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
};
use hyperchain_bindings::{IInbox, IOutbox, Message, SharedBridge, TransactionRoot, predeploys};
use serde::Serialize;
use std::collections::HashMap;

/// How far past the delivery block the destination's headers are searched for the block whose
/// state root a settled batch ends on (batches are sealed every few hundred milliseconds; a
/// destination that has not settled this many blocks after the delivery is reported as not at
/// step 7 yet).
const DESTINATION_BATCH_SEARCH: u64 = 2_000;

/// The ecosystem the steps are read from: L1 and each hyperchain's RPC.
#[derive(Clone)]
pub struct Network {
    pub l1: DynProvider,
    pub l1_chain_id: u64,
    pub transaction_root: Address,
    pub shared_bridge: Address,
    pub chains: Vec<Chain>,
}

/// One hyperchain of a [`Network`].
#[derive(Clone)]
pub struct Chain {
    pub chain_id: u64,
    /// Its `ChainSettlement` on L1.
    pub settlement: Address,
    /// Its RPC, or why it is unreachable.
    pub rpc: Result<DynProvider, String>,
}

impl Network {
    pub fn chain(&self, chain_id: u64) -> Result<&Chain, StepsError> {
        self.chains
            .iter()
            .find(|c| c.chain_id == chain_id)
            .ok_or(StepsError::UnknownChain(chain_id))
    }

    fn provider(&self, chain_id: u64) -> Result<&DynProvider, StepsError> {
        self.chain(chain_id)?
            .rpc
            .as_ref()
            .map_err(|reason| StepsError::ChainDown { chain_id, reason: reason.clone() })
    }
}

/// Where a step happened: chain, transaction, block and (once read) the block's time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TxAt {
    pub chain_id: u64,
    pub tx: B256,
    pub block: u64,
    /// Unix seconds of the block.
    pub timestamp: Option<u64>,
}

impl TxAt {
    pub(crate) fn from_log(chain_id: u64, log: &Log) -> Self {
        Self {
            chain_id,
            tx: log.transaction_hash.unwrap_or_default(),
            block: log.block_number.unwrap_or_default(),
            timestamp: log.block_timestamp,
        }
    }

    /// Fills in the block's time from its header when the log did not carry it.
    pub async fn resolve(mut self, provider: &DynProvider) -> Result<Self, StepsError> {
        if self.timestamp.is_none() {
            let block = provider.get_block_by_number(self.block.into()).await.map_err(rpc(
                format!("eth_getBlockByNumber({}) of chain {}", self.block, self.chain_id),
            ))?;
            self.timestamp = block.map(|b| b.header.timestamp);
        }
        Ok(self)
    }
}

/// A message as its source chain's `MessageQueued` tells it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sent {
    pub message_hash: B256,
    pub message: Message,
    pub at: TxAt,
}

impl Sent {
    pub fn source_chain_id(&self) -> u64 {
        self.message.sourceChainId.saturating_to()
    }

    pub fn destination_chain_id(&self) -> u64 {
        self.message.destinationChainId.saturating_to()
    }

    /// From the receipt of the transaction that sent it.
    pub fn from_receipt(
        chain_id: u64,
        receipt: &alloy::rpc::types::TransactionReceipt,
    ) -> Option<Self> {
        receipt.inner.logs().iter().find_map(|log| {
            let event = alloy::sol_types::SolEvent::decode_log(&log.inner)
                .ok()
                .filter(|_| log.address() == predeploys::OUTBOX)
                .map(|e: alloy::primitives::Log<IOutbox::MessageQueued>| e.data)?;
            Some(Self {
                message_hash: event.messageHash,
                message: event.message,
                at: TxAt::from_log(chain_id, log),
            })
        })
    }
}

/// A step reached.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reached {
    pub step: HyperbridgeStep,
    /// The README's words for it.
    pub name: &'static str,
    #[serde(flatten)]
    pub at: TxAt,
    /// What the chain data says about it (batch numbers, roots, relayer and fee).
    pub detail: String,
}

/// Where a message is.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Track {
    pub message_hash: B256,
    pub message: Message,
    pub source_chain_id: u64,
    pub destination_chain_id: u64,
    /// Addressed to L1: steps 1 and 2, then finalized on L1 by anyone (`finalized`).
    pub withdrawal: bool,
    /// The steps reached, in order: always a prefix of the 7 (of steps 1–2 for a withdrawal).
    pub reached: Vec<Reached>,
    /// The source batch holding it, once L1 committed one.
    pub source_batch: Option<u64>,
    /// A withdrawal's `WithdrawalFinalized` on L1.
    pub finalized: Option<TxAt>,
    /// Why the destination's RPC could not be read (the steps after 3 are then unknown).
    pub destination_unreachable: Option<String>,
}

impl Track {
    /// The last step reached (step 1 at least: the message exists).
    pub fn step(&self) -> HyperbridgeStep {
        self.reached.last().map_or(HyperbridgeStep::Sent, |r| r.step)
    }

    /// Nothing more will happen: a hyperbridge message at step 7, a finalized withdrawal.
    pub fn done(&self) -> bool {
        if self.withdrawal {
            self.finalized.is_some()
        } else {
            self.step() == HyperbridgeStep::DestinationBatchSettled
        }
    }

    /// The next step, while the message has one.
    pub fn next(&self) -> Option<HyperbridgeStep> {
        match self.withdrawal {
            true if self.step() >= HyperbridgeStep::SourceBatchSettled => None,
            _ => self.step().next(),
        }
    }

    fn push(&mut self, step: HyperbridgeStep, at: TxAt, detail: String) {
        self.reached.push(Reached { step, name: step.words(), at, detail });
    }
}

/// The message with hash `hash`, or the first message sent by the transaction `hash`, on any
/// reachable hyperchain of `net`.
pub async fn find(net: &Network, hash: B256) -> Result<Sent, StepsError> {
    for chain in &net.chains {
        let Ok(l2) = &chain.rpc else { continue };
        let found = events::<IOutbox::MessageQueued>(
            l2,
            Filter::new().address(predeploys::OUTBOX).topic1(hash),
            "MessageQueued",
        )
        .await?;
        if let Some((event, log)) = found.into_iter().next() {
            return Ok(Sent {
                message_hash: event.messageHash,
                message: event.message,
                at: TxAt::from_log(chain.chain_id, &log),
            });
        }
    }
    for chain in &net.chains {
        let Ok(l2) = &chain.rpc else { continue };
        let receipt = l2
            .get_transaction_receipt(hash)
            .await
            .map_err(rpc(format!("eth_getTransactionReceipt on chain {}", chain.chain_id)))?;
        if let Some(sent) = receipt.and_then(|r| Sent::from_receipt(chain.chain_id, &r)) {
            return Ok(sent);
        }
    }
    Err(StepsError::NotFound(hash))
}

/// Which steps `sent` reached, each with its transaction and time.
pub async fn track(net: &Network, sent: &Sent) -> Result<Track, StepsError> {
    let source = sent.source_chain_id();
    let destination = sent.destination_chain_id();
    let src = net.chain(source)?;
    let src_l2 = net.provider(source)?;
    let mut out = Track {
        message_hash: sent.message_hash,
        message: sent.message.clone(),
        source_chain_id: source,
        destination_chain_id: destination,
        withdrawal: destination == net.l1_chain_id,
        reached: Vec::new(),
        source_batch: None,
        finalized: None,
        destination_unreachable: None,
    };
    out.push(
        HyperbridgeStep::Sent,
        sent.at.clone().resolve(src_l2).await?,
        format!("nonce {} on chain {source}, to chain {destination}", sent.message.nonce),
    );

    // 2: the source batch whose messages root covers it, executed on L1.
    let located =
        locate(&net.l1, net.l1_chain_id, src_l2, source, src.settlement, sent.message_hash).await?;
    let Some(Located { batch, executed: Some(settled), .. }) = located else {
        out.source_batch = located.map(|l| l.batch);
        return Ok(out);
    };
    out.source_batch = Some(batch);
    out.push(
        HyperbridgeStep::SourceBatchSettled,
        settled.at.clone().resolve(&net.l1).await?,
        format!("batch {batch} of chain {source} executed on L1"),
    );
    if out.withdrawal {
        let finalized = events::<SharedBridge::WithdrawalFinalized>(
            &net.l1,
            Filter::new().address(net.shared_bridge).topic3(sent.message_hash),
            "WithdrawalFinalized",
        )
        .await?;
        if let Some((_, log)) = finalized.first() {
            out.finalized = Some(TxAt::from_log(net.l1_chain_id, log).resolve(&net.l1).await?);
        }
        return Ok(out);
    }

    // 3: the batch's leaf in the Transaction Root. Every leaf's root, for step 4.
    let leaves = events::<TransactionRoot::TransactionRootUpdated>(
        &net.l1,
        Filter::new().address(net.transaction_root),
        "TransactionRootUpdated",
    )
    .await?;
    let leaf_count_of: HashMap<B256, U256> =
        leaves.iter().map(|(e, _)| (e.root, e.leafIndex + U256::from(1))).collect();
    let Some((leaf, leaf_log)) =
        leaves.iter().find(|(e, _)| e.chainId == U256::from(source) && e.batchNumber == batch)
    else {
        return Ok(out);
    };
    out.push(
        HyperbridgeStep::InTransactionRoot,
        TxAt::from_log(net.l1_chain_id, leaf_log).resolve(&net.l1).await?,
        format!("leaf {} of the Transaction Root, root {}", leaf.leafIndex, leaf.root),
    );

    let dst_l2 = match net.provider(destination) {
        Ok(p) => p,
        Err(StepsError::ChainDown { reason, .. }) => {
            out.destination_unreachable = Some(reason);
            return Ok(out);
        }
        Err(e) => return Err(e),
    };
    match destination_steps(net, dst_l2, &mut out, leaf.leafIndex, &leaf_count_of).await {
        Err(StepsError::Rpc { what, source }) => {
            out.destination_unreachable = Some(format!("{what}: {source}"));
        }
        other => other?,
    }
    Ok(out)
}

/// Steps 4–7, on the destination chain and its settlement.
async fn destination_steps(
    net: &Network,
    dst_l2: &DynProvider,
    out: &mut Track,
    leaf_index: U256,
    leaf_count_of: &HashMap<B256, U256>,
) -> Result<(), StepsError> {
    let destination = out.destination_chain_id;
    // 4: the first import of a Transaction Root that covers the leaf.
    let imports = events::<IInbox::TransactionRootImported>(
        dst_l2,
        Filter::new().address(predeploys::INBOX),
        "TransactionRootImported",
    )
    .await?;
    let Some((import, import_log)) = imports
        .iter()
        .find(|(e, _)| leaf_count_of.get(&e.root).is_some_and(|count| *count > leaf_index))
    else {
        return Ok(());
    };
    out.push(
        HyperbridgeStep::ImportedByDestination,
        TxAt::from_log(destination, import_log).resolve(dst_l2).await?,
        format!("chain {destination} imported root {}", import.root),
    );

    // 5 and 6: the relay transaction and its MessageRelayed.
    let relayed = events::<IInbox::MessageRelayed>(
        dst_l2,
        Filter::new().address(predeploys::INBOX).topic1(out.message_hash),
        "MessageRelayed",
    )
    .await?;
    let Some((relay, relay_log)) = relayed.first() else { return Ok(()) };
    let at = TxAt::from_log(destination, relay_log).resolve(dst_l2).await?;
    out.push(
        HyperbridgeStep::Relayed,
        at.clone(),
        format!("relayer {} delivered it with its Merkle proof", relay.relayer),
    );
    out.push(
        HyperbridgeStep::Executed,
        at.clone(),
        format!("executed on chain {destination}, fee {} wei paid to {}", relay.fee, relay.relayer),
    );

    // 7: the first executed destination batch whose state includes the delivery: a batch's state
    // root is the root of its last block, and every block from the delivery on holds it.
    let settlement = net.chain(destination)?.settlement;
    let executed = executed_batches(&net.l1, net.l1_chain_id, settlement).await?;
    let mut by_root: HashMap<B256, &Settled> = HashMap::new();
    for s in &executed {
        by_root.entry(s.state_root).or_insert(s);
    }
    let head = dst_l2.get_block_number().await.map_err(rpc("eth_blockNumber"))?;
    for number in at.block..=head.min(at.block + DESTINATION_BATCH_SEARCH) {
        let header = dst_l2
            .get_block_by_number(number.into())
            .await
            .map_err(rpc(format!("eth_getBlockByNumber({number}) of chain {destination}")))?;
        let Some(header) = header else { break };
        if let Some(settled) = by_root.get(&header.header.state_root) {
            out.push(
                HyperbridgeStep::DestinationBatchSettled,
                settled.at.clone().resolve(&net.l1).await?,
                format!(
                    "batch {} of chain {destination} (through block {number}) executed on L1, \
                     its imported roots checked",
                    settled.batch
                ),
            );
            break;
        }
    }
    Ok(())
}
