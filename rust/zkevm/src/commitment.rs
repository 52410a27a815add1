//! Batch outputs derived from a batch's L2 logs: pure functions, no RPC.
//!
//! From the ordered logs of every transaction of a batch (receipt logs: reverted transactions have
//! none) and the chain's context, [`BatchOutputs::from_logs`] derives what the operator commits on
//! L1 and what the validity program attests:
//! - outbound messages: `MessageQueued` logs of the `OUTBOX` predeploy, in order; their nonces must
//!   continue the outbox's nonce without gaps, and each log's hash must be its message's hash;
//! - messages root: [`hyperchain_merkle::Tree`] over the message hashes (zero when none);
//! - imported Transaction Roots: `TransactionRootImported` logs of the `INBOX` predeploy, in order;
//! - priority requests: every `PriorityRequestExecuted` log of the `INBOX` continues the
//!   cumulative count (its nonce must equal the count before it) and rolls the cumulative hash with
//!   the logged message hash (`MessageHashing.rollPriorityHash`), exactly as the inbox does;
//! - transfers: the rule of `AssetTransfer` in `contracts/common/types/Batch.sol`.
//!
//! [`public_input`] and [`transaction_root_leaf`] are byte-identical to `BatchHashing`.

use alloy::{
    primitives::{Address, B256, Log, U256, keccak256},
    sol_types::{SolEvent, SolValue},
};
use hyperchain_bindings::{
    AssetTransfer, CommitBatchInfo, IInbox, IOutbox, Message, TokenTransfer, predeploys,
};
use std::collections::BTreeMap;

/// What the batch is interpreted against: the chains, and where the previous batch ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchContext {
    /// Chain id of the L1 the hyperchain settles on.
    pub l1_chain_id: U256,
    /// Chain id of the hyperchain.
    pub chain_id: U256,
    /// Outbox nonce before the batch (= number of messages the chain sent in earlier batches).
    pub next_message_nonce: U256,
    /// Cumulative priority requests count after the previous batch.
    pub priority_requests_processed: u64,
    /// Cumulative priority requests hash after the previous batch.
    pub priority_requests_hash: B256,
    /// Hash of the previous batch's last L2 block as L1 stores it (`lastBlockHash(n - 1)`; for
    /// batch 1 the registered genesis block): the batch's first header must continue it.
    pub prev_block_hash: B256,
}

/// A batch's logs that contradict the protocol.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CommitmentError {
    /// A `MessageQueued` / `TransactionRootImported` / `PriorityRequestExecuted` log that does not
    /// decode.
    #[error("log {index} of {address} could not be decoded as {event}: {source}")]
    UndecodableLog {
        /// Position in the batch's logs.
        index: usize,
        /// Emitting contract.
        address: Address,
        /// Event name.
        event: &'static str,
        /// The decoder's error.
        #[source]
        source: Box<alloy::sol_types::Error>,
    },
    /// Outbound message nonces are not contiguous.
    #[error("outbound message has nonce {actual}, expected {expected}")]
    MessageNonceGap {
        /// The next nonce.
        expected: U256,
        /// The logged nonce.
        actual: U256,
    },
    /// A `MessageQueued` whose hash topic is not the hash of its message.
    #[error("MessageQueued log says hash {logged} but its message hashes to {computed}")]
    MessageHashMismatch {
        /// The hash the log's topic claims.
        logged: B256,
        /// `keccak256(abi.encode(message))`.
        computed: B256,
    },
    /// An outbound message whose source chain is not this chain.
    #[error("outbound message claims source chain {actual}, this chain is {expected}")]
    WrongSourceChain {
        /// This chain.
        expected: U256,
        /// The source chain id in the logged message.
        actual: U256,
    },
    /// A priority request executed out of queue order.
    #[error("priority request with nonce {actual} executed, expected nonce {expected}")]
    PriorityNonceGap {
        /// Cumulative count before it.
        expected: u64,
        /// Logged nonce.
        actual: U256,
    },
    /// An amount sum overflowed 256 bits.
    #[error("transfer amount to chain {destination} of token {token} overflows uint256")]
    TransferOverflow {
        /// Destination chain.
        destination: U256,
        /// Token (zero = ETH).
        token: Address,
    },
}

/// Everything a batch's logs determine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BatchOutputs {
    /// Outbound messages in nonce order.
    pub messages: Vec<Message>,
    /// Root of the outbound messages tree (zero when none).
    pub messages_root: B256,
    /// Transaction Roots imported during the batch, in order.
    pub imported_roots: Vec<B256>,
    /// Hashes of the priority requests executed during the batch, in order.
    pub priority_request_hashes: Vec<B256>,
    /// Cumulative priority requests count after the batch.
    pub priority_requests_processed: u64,
    /// Cumulative priority requests hash after the batch.
    pub priority_requests_hash: B256,
    /// Net value moved to other hyperchains, sorted by (destination, token).
    pub transfers: Vec<AssetTransfer>,
    /// Outbox nonce after the batch.
    pub next_message_nonce: U256,
}

impl BatchOutputs {
    /// Derives the batch outputs from all logs of the batch's transactions, in execution order.
    pub fn from_logs<'a>(
        ctx: &BatchContext,
        logs: impl IntoIterator<Item = &'a Log>,
    ) -> Result<Self, CommitmentError> {
        let mut out = Self {
            priority_requests_processed: ctx.priority_requests_processed,
            priority_requests_hash: ctx.priority_requests_hash,
            next_message_nonce: ctx.next_message_nonce,
            ..Self::default()
        };
        for (index, log) in logs.into_iter().enumerate() {
            let topic0 = log.topics().first().copied();
            let undecodable = |event: &'static str, err: alloy::sol_types::Error| {
                CommitmentError::UndecodableLog {
                    index,
                    address: log.address,
                    event,
                    source: Box::new(err),
                }
            };
            if log.address == predeploys::OUTBOX
                && topic0 == Some(IOutbox::MessageQueued::SIGNATURE_HASH)
            {
                let event = IOutbox::MessageQueued::decode_log_data(&log.data)
                    .map_err(|e| undecodable("MessageQueued", e))?;
                out.push_message(ctx, event.messageHash, event.message)?;
            } else if log.address == predeploys::INBOX
                && topic0 == Some(IInbox::TransactionRootImported::SIGNATURE_HASH)
            {
                let event = IInbox::TransactionRootImported::decode_log_data(&log.data)
                    .map_err(|e| undecodable("TransactionRootImported", e))?;
                out.imported_roots.push(event.root);
            } else if log.address == predeploys::INBOX
                && topic0 == Some(IInbox::PriorityRequestExecuted::SIGNATURE_HASH)
            {
                let event = IInbox::PriorityRequestExecuted::decode_log_data(&log.data)
                    .map_err(|e| undecodable("PriorityRequestExecuted", e))?;
                if event.nonce != U256::from(out.priority_requests_processed) {
                    return Err(CommitmentError::PriorityNonceGap {
                        expected: out.priority_requests_processed,
                        actual: event.nonce,
                    });
                }
                out.priority_requests_processed += 1;
                out.priority_requests_hash = hyperchain_bindings::roll_priority_hash(
                    out.priority_requests_hash,
                    event.messageHash,
                    event.l2GasLimit,
                );
                out.priority_request_hashes.push(event.messageHash);
            }
        }
        out.messages_root = hyperchain_bindings::MessagesTree::new(&out.messages).root();
        out.transfers = transfers(ctx.l1_chain_id, &out.messages)?;
        Ok(out)
    }

    fn push_message(
        &mut self,
        ctx: &BatchContext,
        logged_hash: B256,
        message: Message,
    ) -> Result<(), CommitmentError> {
        if message.nonce != self.next_message_nonce {
            return Err(CommitmentError::MessageNonceGap {
                expected: self.next_message_nonce,
                actual: message.nonce,
            });
        }
        if message.sourceChainId != ctx.chain_id {
            return Err(CommitmentError::WrongSourceChain {
                expected: ctx.chain_id,
                actual: message.sourceChainId,
            });
        }
        let computed = message.hash();
        if computed != logged_hash {
            return Err(CommitmentError::MessageHashMismatch { logged: logged_hash, computed });
        }
        self.next_message_nonce += U256::from(1);
        self.messages.push(message);
        Ok(())
    }

    /// The `CommitBatchInfo` the operator commits, given the state root and last block hash the
    /// batch ends with and the DA commitment of its pubdata ([`crate::pubdata::da_commitment`]).
    pub fn commit_batch_info(
        &self,
        batch_number: u64,
        new_state_root: B256,
        last_block_hash: B256,
        da_commitment: B256,
    ) -> CommitBatchInfo {
        CommitBatchInfo {
            batchNumber: batch_number,
            newStateRoot: new_state_root,
            lastBlockHash: last_block_hash,
            messagesRoot: self.messages_root,
            priorityRequestsProcessed: self.priority_requests_processed,
            priorityRequestsHash: self.priority_requests_hash,
            importedRoots: self.imported_roots.clone(),
            daCommitment: da_commitment,
            transfers: self.transfers.clone(),
        }
    }
}

/// The `AssetTransfer` rule of `contracts/common/types/Batch.sol`: for messages to another
/// hyperchain (destination ≠ L1), ETH `value + fee`, and for messages sent by the `ASSET_ROUTER`
/// whose `TokenTransfer` payload has `originChainId == l1_chain_id`, its `amount` of `originToken`.
/// One entry per (destination, token) with a non-zero amount, sorted by destination then token.
/// An asset router payload that does not decode as a `TokenTransfer` moves no tokens.
pub fn transfers(
    l1_chain_id: U256,
    messages: &[Message],
) -> Result<Vec<AssetTransfer>, CommitmentError> {
    let mut sums: BTreeMap<(U256, Address), U256> = BTreeMap::new();
    let mut add = |destination: U256, token: Address, amount: U256| {
        let sum = sums.entry((destination, token)).or_default();
        *sum = sum
            .checked_add(amount)
            .ok_or(CommitmentError::TransferOverflow { destination, token })?;
        Ok::<_, CommitmentError>(())
    };
    for m in messages.iter().filter(|m| m.destinationChainId != l1_chain_id) {
        let eth = m.value.checked_add(m.fee).ok_or(CommitmentError::TransferOverflow {
            destination: m.destinationChainId,
            token: Address::ZERO,
        })?;
        add(m.destinationChainId, Address::ZERO, eth)?;
        if m.sender == predeploys::ASSET_ROUTER
            && let Ok(transfer) = TokenTransfer::abi_decode(&m.payload)
            && transfer.originChainId == l1_chain_id
        {
            add(m.destinationChainId, transfer.originToken, transfer.amount)?;
        }
    }
    Ok(sums
        .into_iter()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|((destination, token), amount)| AssetTransfer {
            destinationChainId: destination,
            token,
            amount,
        })
        .collect())
}

/// `BatchHashing.publicInput(chainId, prevStateRoot, prevBlockHash, batch)`: the statement a batch
/// attestation is about. `prev_state_root` and `prev_block_hash` are what L1 stores for the
/// previous batch.
pub fn public_input(
    chain_id: U256,
    prev_state_root: B256,
    prev_block_hash: B256,
    batch: &CommitBatchInfo,
) -> B256 {
    let imported = keccak256(batch.importedRoots.abi_encode());
    let transfers = keccak256(batch.transfers.abi_encode());
    keccak256(
        (
            chain_id,
            batch.batchNumber,
            prev_state_root,
            batch.newStateRoot,
            prev_block_hash,
            batch.lastBlockHash,
            batch.messagesRoot,
            batch.priorityRequestsProcessed,
            batch.priorityRequestsHash,
            imported,
            batch.daCommitment,
            transfers,
        )
            .abi_encode(),
    )
}

pub use hyperchain_bindings::transaction_root_leaf;
