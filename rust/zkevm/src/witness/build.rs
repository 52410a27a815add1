//! The witness builder (the only part of the crate that uses RPC).
//!
//! The witness is the pre-state of every account and slot the batch touches, each with its
//! `eth_getProof` Merkle-Patricia proof against the state root before the batch, the code of every
//! touched contract, and the block hashes `BLOCKHASH` may read. [`build_witness`] asks a node
//! (anvil) for it with `eth_getProof` at the block before the batch, and finds what the batch
//! touches by executing it on what it has fetched so far ([`missing_entries`]),
//! round after round, until nothing is missing. The witness of a chain's first batch also proves
//! the system contracts ([`GENESIS_CHECKED`]) for the genesis check.
//!
//! It does not use `debug_traceBlockByNumber` (`prestateTracer`): anvil 1.7.1 deadlocks when a
//! block is mined while a trace runs (the miner waits for the tracer's read lock, the tracer
//! waits behind the miner for a second one), which froze whole chains under load.

use super::{BatchBlocks, GENESIS_CHECKED, Witness};
use crate::{
    db::{WitnessDb, unverified_db},
    error::{MissingEntry, ValidationError},
    execute::{
        BEACON_ROOTS_ADDRESS, HISTORY_BUFFER_LENGTH, HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS,
        Mode, SYSTEM_ADDRESS, execute_batch,
    },
    rules::ExecutionRules,
};
use alloy::{
    consensus::{BlockHeader, Transaction as _},
    eips::BlockNumberOrTag,
    network::Ethereum,
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
    rpc::types::EIP1186AccountProofResponse,
};
use hyperchain_bindings::predeploys;
use revm::{DatabaseRef, bytecode::Bytecode, database::CacheDB, state::AccountInfo};
use std::collections::{BTreeMap, BTreeSet};

/// Failures of the witness builder.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// An RPC request failed.
    #[error("RPC {method} failed: {source}")]
    Rpc {
        /// Method name.
        method: &'static str,
        /// Transport error.
        source: alloy::transports::TransportError,
    },
    /// The node does not have a block the batch needs.
    #[error("block {0} is not known to the node")]
    MissingBlock(u64),
    /// The node answered `eth_getProof` without an account proof.
    #[error("eth_getProof at block {0} returned no account proof")]
    NoAccountProof(u64),
    /// Batches start after genesis (anvil's genesis header does not carry the real state root).
    #[error("a batch must start at block 1 or later")]
    GenesisBatch,
    /// Executing the batch kept finding state it had not read yet.
    #[error("blocks {first}..={last}: touched state still growing after {rounds} execution rounds")]
    Unsettled {
        /// First block.
        first: u64,
        /// Last block.
        last: u64,
        /// Rounds run.
        rounds: usize,
    },
}

/// The root the node's `eth_getProof` answers at `block` are proven against: keccak256 of the
/// account proof's root node. The witness is built from these answers, so this is the root the
/// validity program starts from. For block 0 it is the real genesis root (anvil puts the
/// empty-trie root in the header of an `--init` genesis block); after a state edit outside a
/// block (`anvil_setCode`, …) it differs from the block's header.
pub async fn proven_state_root<P: Provider<Ethereum>>(
    provider: &P,
    block: u64,
) -> Result<B256, WitnessError> {
    let proof = provider
        .get_proof(predeploys::INBOX, vec![])
        .block_id(block.into())
        .await
        .map_err(|source| WitnessError::Rpc { method: "eth_getProof", source })?;
    proof.account_proof.first().map(keccak256).ok_or(WitnessError::NoAccountProof(block))
}

/// Execution rounds [`build_witness`] runs before giving up.
pub const MAX_DISCOVERY_ROUNDS: usize = 64;

/// Builds the blocks and the witness of the batch made of blocks `first..=last`.
///
/// Round 0 fetches what any batch touches (each block's beneficiary and system contracts, each
/// transaction's sender, recipient and access list); every round then executes the batch on what
/// has been fetched and fetches what it found missing.
pub async fn build_witness<P: Provider<Ethereum>>(
    provider: &P,
    first: u64,
    last: u64,
) -> Result<(BatchBlocks, Witness), WitnessError> {
    if first == 0 {
        return Err(WitnessError::GenesisBatch);
    }
    let rpc = |method: &'static str| move |source| WitnessError::Rpc { method, source };
    let chain_id = provider.get_chain_id().await.map_err(rpc("eth_chainId"))?;
    let mut blocks = Vec::new();
    let mut pending: BTreeMap<Address, BTreeSet<B256>> = BTreeMap::new();
    for number in first..=last {
        let block = provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .full()
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or(WitnessError::MissingBlock(number))?;
        pending.entry(block.header.beneficiary()).or_default();
        // Pre-block system calls (EIP-2935 block hash history, EIP-4788 beacon roots) that the
        // node runs before the block's transactions.
        pending
            .entry(HISTORY_STORAGE_ADDRESS)
            .or_default()
            .insert(B256::from(U256::from((number - 1) % HISTORY_SERVE_WINDOW)));
        let timestamp = block.header.timestamp() % HISTORY_BUFFER_LENGTH;
        pending.entry(BEACON_ROOTS_ADDRESS).or_default().extend([
            B256::from(U256::from(timestamp)),
            B256::from(U256::from(timestamp + HISTORY_BUFFER_LENGTH)),
        ]);
        pending.entry(SYSTEM_ADDRESS).or_default();
        for tx in block.transactions.txns() {
            pending.entry(tx.inner.signer()).or_default();
            if let Some(to) = tx.inner.to() {
                pending.entry(to).or_default();
            }
            for item in tx.inner.access_list().map(|l| l.0.as_slice()).unwrap_or_default() {
                pending.entry(item.address).or_default().extend(item.storage_keys.iter().copied());
            }
        }
        blocks.push(block);
    }
    if first == 1 {
        // The genesis check (`check_genesis`) reads the system contracts whether or not the
        // batch touches them.
        for address in GENESIS_CHECKED {
            pending.entry(address).or_default();
        }
    }
    let batch = BatchBlocks { blocks };
    let prev = provider
        .get_block_by_number(BlockNumberOrTag::Number(first - 1))
        .await
        .map_err(rpc("eth_getBlockByNumber"))?
        .ok_or(WitnessError::MissingBlock(first - 1))?;
    let mut witness = Witness { prev_state_root: prev.header.state_root(), ..Witness::default() };
    for number in first.saturating_sub(256)..first - 1 {
        let block = provider
            .get_block_by_number(BlockNumberOrTag::Number(number))
            .await
            .map_err(rpc("eth_getBlockByNumber"))?
            .ok_or(WitnessError::MissingBlock(number))?;
        witness.ancestors.push(block.header.inner);
    }
    witness.ancestors.push(prev.header.inner);

    let mut proofs: BTreeMap<Address, EIP1186AccountProofResponse> = BTreeMap::new();
    for _ in 0..MAX_DISCOVERY_ROUNDS {
        for (address, slots) in std::mem::take(&mut pending) {
            let proof = provider
                .get_proof(address, slots.into_iter().collect())
                .number(first - 1)
                .await
                .map_err(rpc("eth_getProof"))?;
            if let Some(known) = proofs.get_mut(&address) {
                known.storage_proof.extend(proof.storage_proof);
                continue;
            }
            if proof.code_hash != alloy::primitives::KECCAK256_EMPTY
                && proof.code_hash != B256::ZERO
            {
                let code = provider
                    .get_code_at(address)
                    .number(first - 1)
                    .await
                    .map_err(rpc("eth_getCode"))?;
                witness.codes.insert(keccak256(&code), code);
            }
            proofs.insert(address, proof);
        }
        witness.accounts = proofs.values().cloned().collect();
        let missing = missing_entries(&batch, &witness, chain_id, &ExecutionRules::ANVIL);
        for entry in missing {
            match entry {
                MissingEntry::Account(address) => {
                    pending.entry(address).or_default();
                }
                MissingEntry::Slot(address, slot) => {
                    pending.entry(address).or_default().insert(B256::from(slot));
                }
                // Code comes with its account's proof; BLOCKHASH reads only the last 256.
                MissingEntry::Code(_) | MissingEntry::BlockHash(_) => {}
            }
        }
        if pending.is_empty() {
            return Ok((batch, witness));
        }
    }
    Err(WitnessError::Unsettled { first, last, rounds: MAX_DISCOVERY_ROUNDS })
}

/// Baseline for benchmarks: plain revm execution of the batch's transactions from the witness
/// pre-state taken on trust (no proof verification, no header checks, no outputs, no state root),
/// with senders recovered from signatures as in [`crate::validate_batch`]. Returns the gas used.
pub fn execute_unverified(
    batch: &BatchBlocks,
    witness: &Witness,
    chain_id: u64,
    rules: &ExecutionRules,
) -> Result<u64, ValidationError> {
    let mut cache = CacheDB::new(unverified_db(witness, batch));
    Ok(execute_batch(batch, &mut cache, chain_id, rules, Mode::Unverified)?.gas_used)
}

/// Every state read of `batch` that `witness` lacks: the batch is executed as by
/// [`execute_unverified`], each missing account, slot, code or block hash read as empty and
/// recorded, failing transactions skipped. Values read as empty can steer execution away from
/// reads the real values lead to, so the witness builder repeats this with the entries found
/// until nothing is missing; then the execution saw only real values and the set is complete.
pub fn missing_entries(
    batch: &BatchBlocks,
    witness: &Witness,
    chain_id: u64,
    rules: &ExecutionRules,
) -> BTreeSet<MissingEntry> {
    let db = RecordingDb { inner: unverified_db(witness, batch), missing: Default::default() };
    // Discovery skips what fails; a transaction that cannot even be decoded stops it, and the
    // validity program refuses that batch anyway.
    let _ = execute_batch(batch, &mut CacheDB::new(&db), chain_id, rules, Mode::Discover);
    db.missing.into_inner()
}

/// [`WitnessDb`] that reads what it lacks as empty and records it (for [`missing_entries`]).
struct RecordingDb {
    inner: WitnessDb,
    missing: std::cell::RefCell<BTreeSet<MissingEntry>>,
}

impl RecordingDb {
    fn or_empty<T>(&self, read: Result<T, MissingEntry>, empty: T) -> Result<T, MissingEntry> {
        Ok(read.unwrap_or_else(|missing| {
            self.missing.borrow_mut().insert(missing);
            empty
        }))
    }
}

impl DatabaseRef for &RecordingDb {
    type Error = MissingEntry;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, MissingEntry> {
        self.or_empty(self.inner.basic_ref(address), None)
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, MissingEntry> {
        self.or_empty(self.inner.code_by_hash_ref(code_hash), Bytecode::default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, MissingEntry> {
        self.or_empty(self.inner.storage_ref(address, index), U256::ZERO)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, MissingEntry> {
        self.or_empty(self.inner.block_hash_ref(number), B256::ZERO)
    }
}
