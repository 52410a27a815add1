//! The block context a batch's execution reads, bound to what L1 holds.
//!
//! [`check_header_chain`] verifies the headers: the witness's ancestors (the blocks before the
//! batch, up to 256 for `BLOCKHASH`) end at the previous batch's last block hash L1 stores, each
//! links to the next, the batch's headers continue them, each header's transactions root is its
//! transactions', timestamps do not decrease (the first block against the previous batch's last,
//! read from its verified header), the base fee follows from the parent's by the chain's rule
//! ([`ExecutionRules::next_base_fee`]) and, given the attester's [`L1View`], no block is ahead of
//! the L1 head's time by more than its bound.
//!
//! [`check_system_transactions`] holds the unsigned system transactions (sender `SYSTEM_CALLER`)
//! to what L1 asked for: each priority delivery is a request L1 queued, with its message and the
//! L2 gas limit it set, and each Transaction Root import a root L1 holds. [`system_transactions`]
//! lists them, so that the attester knows what to read from L1.

use crate::{error::ValidationError, rules::ExecutionRules, witness::BatchBlocks};
use alloy::{
    consensus::{Header, Transaction as _, TxEnvelope, proofs::calculate_transaction_root},
    primitives::{B256, Bytes, TxKind, U256},
    sol_types::SolCall,
};
use hyperchain_bindings::{IInbox, Message, predeploys, roll_priority_hash};
use std::collections::{BTreeMap, BTreeSet};

/// What the attester read from L1 when it was asked: the bounds of the block context that depend
/// on L1.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct L1View {
    /// Timestamp of the L1 head block.
    pub timestamp: u64,
    /// Seconds a block's timestamp may be ahead of `timestamp`.
    pub max_timestamp_ahead: u64,
    /// The priority requests L1 queued, by nonce, among those the batch's system transactions
    /// deliver (a nonce L1 has not queued is absent).
    pub priority_requests: BTreeMap<u64, QueuedPriorityRequest>,
    /// The Transaction Roots L1 holds, among those the batch's system transactions import.
    pub transaction_roots: BTreeSet<B256>,
}

/// One request of L1's priority queue (`ChainSettlement.priorityRequest` and
/// `priorityRollingHash`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueuedPriorityRequest {
    /// The L2 gas limit the request set.
    pub l2_gas_limit: U256,
    /// The queue's rolling hash before the request (`priorityRollingHash(nonce)`).
    pub hash_before: B256,
    /// The rolling hash after it (`priorityRollingHash(nonce + 1)`).
    pub hash_after: B256,
}

/// An unsigned system transaction of a batch, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SystemTransaction {
    /// `Inbox.executePriorityRequest(message, l2GasLimit)`.
    PriorityDelivery {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The delivered message.
        message: Box<Message>,
        /// The L2 gas limit the delivery runs with.
        l2_gas_limit: U256,
    },
    /// `Inbox.importTransactionRoot(root)`.
    RootImport {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The imported root.
        root: B256,
    },
}

/// The batch's system transactions (sender `SYSTEM_CALLER`), in order. One that is not a call of
/// an inbox system entry point, or does not decode as one, is an error.
pub fn system_transactions(batch: &BatchBlocks) -> Result<Vec<SystemTransaction>, ValidationError> {
    let mut out = Vec::new();
    for block in &batch.blocks {
        let number = block.header.number;
        for (index, tx) in block.transactions.txns().enumerate() {
            if tx.inner.signer() != predeploys::SYSTEM_CALLER {
                continue;
            }
            out.push(decode_system_transaction(tx.inner.inner(), number, index)?);
        }
    }
    Ok(out)
}

/// A system transaction as one of the inbox's system entry points.
pub(crate) fn decode_system_transaction(
    envelope: &TxEnvelope,
    block: u64,
    index: usize,
) -> Result<SystemTransaction, ValidationError> {
    let input = envelope.input();
    let not_entry_point = || ValidationError::SystemTransactionNotEntryPoint {
        block,
        index,
        to: envelope.kind().to().copied(),
        input: input.get(..4).map(Bytes::copy_from_slice).unwrap_or_default(),
    };
    if envelope.kind() != TxKind::Call(predeploys::INBOX) {
        return Err(not_entry_point());
    }
    if let Ok(call) = IInbox::executePriorityRequestCall::abi_decode(input) {
        return Ok(SystemTransaction::PriorityDelivery {
            block,
            index,
            message: Box::new(call.message),
            l2_gas_limit: call.l2GasLimit,
        });
    }
    if let Ok(call) = IInbox::importTransactionRootCall::abi_decode(input) {
        return Ok(SystemTransaction::RootImport { block, index, root: call.root });
    }
    Err(not_entry_point())
}

/// Every system transaction is one L1 asked for (see the module documentation).
pub fn check_system_transactions(batch: &BatchBlocks, l1: &L1View) -> Result<(), ValidationError> {
    for tx in system_transactions(batch)? {
        match tx {
            SystemTransaction::PriorityDelivery { block, index, message, l2_gas_limit } => {
                let queued = u64::try_from(message.nonce)
                    .ok()
                    .and_then(|nonce| l1.priority_requests.get(&nonce))
                    .ok_or(ValidationError::UnknownPriorityRequest {
                        block,
                        index,
                        nonce: message.nonce,
                    })?;
                if l2_gas_limit != queued.l2_gas_limit {
                    return Err(ValidationError::PriorityRequestGasMismatch {
                        block,
                        index,
                        nonce: message.nonce,
                        delivered: l2_gas_limit,
                        requested: queued.l2_gas_limit,
                    });
                }
                let message_hash = message.hash();
                if roll_priority_hash(queued.hash_before, message_hash, l2_gas_limit)
                    != queued.hash_after
                {
                    return Err(ValidationError::PriorityRequestMismatch {
                        block,
                        index,
                        nonce: message.nonce,
                        message_hash,
                    });
                }
            }
            SystemTransaction::RootImport { block, index, root } => {
                if !l1.transaction_roots.contains(&root) {
                    return Err(ValidationError::UnknownTransactionRoot { block, index, root });
                }
            }
        }
    }
    Ok(())
}

/// Verifies the header chain (see the module documentation) and returns the verified hashes by
/// block number, from the oldest ancestor to the batch's last block: the `BLOCKHASH` answers,
/// and the last one is what the claim and the public input commit to. So every header field the
/// execution reads (timestamp, base fee, coinbase, prevrandao, gas limit, parent hash) is bound
/// to the attested statement. `l1`: the bounds L1 sets (`None`: not checked, the operator's own
/// run of the program).
pub fn check_header_chain(
    batch: &BatchBlocks,
    ancestors: &[Header],
    prev_block_hash: B256,
    l1: Option<&L1View>,
    rules: &ExecutionRules,
) -> Result<BTreeMap<u64, B256>, ValidationError> {
    let first_header = &batch.blocks.first().ok_or(ValidationError::BadBlocks)?.header.inner;
    let first = first_header.number;
    // Blocks that do not continue L1's last block, whatever the witness carries.
    if first_header.parent_hash != prev_block_hash {
        return Err(ValidationError::BrokenHeaderChain {
            block: first,
            parent_hash: first_header.parent_hash,
            expected: prev_block_hash,
        });
    }
    let mut hashes = BTreeMap::new();
    // Backwards from the hash L1 holds: each ancestor must hash to its child's parent hash.
    let mut expected = prev_block_hash;
    for (i, ancestor) in ancestors.iter().enumerate().rev() {
        let number = first.checked_sub((ancestors.len() - i) as u64);
        let hash = ancestor.hash_slow();
        if Some(ancestor.number) != number || hash != expected {
            return Err(ValidationError::UnverifiedBlockHash {
                block: ancestor.number,
                hash,
                expected,
            });
        }
        hashes.insert(ancestor.number, hash);
        expected = ancestor.parent_hash;
    }
    if ancestors.is_empty() {
        // Without the parent's header nothing bounds the first block's timestamp and base fee.
        return Err(ValidationError::MissingWitness(crate::error::MissingEntry::BlockHash(
            first.saturating_sub(1),
        )));
    }
    let mut parent = &ancestors[ancestors.len() - 1];
    let mut expected = prev_block_hash;
    for block in &batch.blocks {
        let header = &block.header.inner;
        if header.parent_hash != expected {
            return Err(ValidationError::BrokenHeaderChain {
                block: header.number,
                parent_hash: header.parent_hash,
                expected,
            });
        }
        let envelopes: Vec<TxEnvelope> =
            block.transactions.txns().map(|tx| tx.inner.inner().clone()).collect();
        let transactions_root = calculate_transaction_root(&envelopes);
        if transactions_root != header.transactions_root {
            return Err(ValidationError::HeaderMismatch {
                block: header.number,
                what: "transactions root",
                computed: transactions_root.to_string(),
                header: header.transactions_root.to_string(),
            });
        }
        if header.timestamp < parent.timestamp {
            return Err(ValidationError::TimestampDecreased {
                block: header.number,
                timestamp: header.timestamp,
                parent_timestamp: parent.timestamp,
            });
        }
        if let Some(l1) = l1
            && header.timestamp > l1.timestamp.saturating_add(l1.max_timestamp_ahead)
        {
            return Err(ValidationError::TimestampAheadOfL1 {
                block: header.number,
                timestamp: header.timestamp,
                l1_timestamp: l1.timestamp,
                max_ahead: l1.max_timestamp_ahead,
            });
        }
        let expected_base_fee = rules.next_base_fee(parent);
        let base_fee = header.base_fee_per_gas.unwrap_or_default();
        if base_fee != expected_base_fee {
            return Err(ValidationError::WrongBaseFee {
                block: header.number,
                base_fee,
                expected: expected_base_fee,
            });
        }
        expected = header.hash_slow();
        hashes.insert(header.number, expected);
        parent = header;
    }
    Ok(hashes)
}

/// The hash of each ancestor header the witness carries, by number, not verified (for witness
/// discovery and the benchmark baseline).
pub(crate) fn ancestor_hashes(ancestors: &[Header]) -> BTreeMap<u64, B256> {
    ancestors.iter().map(|h| (h.number, h.hash_slow())).collect()
}
