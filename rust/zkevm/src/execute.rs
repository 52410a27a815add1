//! Re-execution of a batch's blocks on revm: one block environment per header, the pre-block
//! system calls the node runs, and each transaction with its sender recovered from its signature
//! (only system transactions — claimed sender `SYSTEM_CALLER`, to the `INBOX`, calling
//! `importTransactionRoot` or `executePriorityRequest` — run unsigned). The validity program, the
//! witness builder's discovery and the benchmark baseline all run the batch through
//! `execute_batch`, so they execute the same thing.

use crate::{
    block_context::decode_system_transaction,
    error::{MissingEntry, ValidationError},
    rules::ExecutionRules,
    witness::BatchBlocks,
};
use alloy::{
    consensus::{
        BlockHeader, Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction as _,
        TxEnvelope, TxType, proofs::calculate_receipt_root, transaction::SignerRecoverable,
    },
    primitives::{Address, KECCAK256_EMPTY, Log, U256},
};
use hyperchain_bindings::predeploys;
use revm::{
    Context, DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    SystemCallCommitEvm,
    context::{BlockEnv, CfgEnv, TxEnv, result::EVMError},
    context_interface::block::BlobExcessGasAndPrice,
    database::CacheDB,
    primitives::hardfork::SpecId,
};
use std::collections::{BTreeMap, BTreeSet};

/// EIP-2935 block hash history contract.
pub(crate) const HISTORY_STORAGE_ADDRESS: Address =
    alloy::primitives::address!("0x0000F90827F1C53a10cb7A02335B175320002935");
/// EIP-2935 ring buffer size.
pub(crate) const HISTORY_SERVE_WINDOW: u64 = 8191;
/// EIP-4788 beacon roots contract.
pub(crate) const BEACON_ROOTS_ADDRESS: Address =
    alloy::primitives::address!("0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02");
/// EIP-4788 ring buffer size.
pub(crate) const HISTORY_BUFFER_LENGTH: u64 = 8191;
/// Caller of the pre-block system calls.
pub(crate) const SYSTEM_ADDRESS: Address =
    alloy::primitives::address!("0xfffffffffffffffffffffffffffffffffffffffe");
/// What [`execute_batch`] checks and records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The validity program: a failing transaction is an error; each block's gas used and
    /// receipts root must match its header; logs and loaded slots are recorded.
    Validate,
    /// Benchmark baseline: a failing transaction is an error, nothing else is checked.
    Unverified,
    /// Witness discovery: failing transactions and system calls are skipped.
    Discover,
}

/// What a batch's execution produced.
#[derive(Debug, Default)]
pub(crate) struct Execution {
    /// Every log of every transaction, in execution order ([`Mode::Validate`] only).
    pub(crate) logs: Vec<Log>,
    /// Gas used by the executed transactions.
    pub(crate) gas_used: u64,
    /// Transactions executed.
    pub(crate) transactions: usize,
    /// Slots loaded by committed transactions ([`Mode::Validate`] only).
    pub(crate) loaded: LoadedSlots,
}

/// The revm block environment of `header`: the same for validation and discovery.
pub(crate) fn block_env(header: &impl BlockHeader, spec: SpecId) -> BlockEnv {
    BlockEnv {
        number: U256::from(header.number()),
        beneficiary: header.beneficiary(),
        timestamp: U256::from(header.timestamp()),
        gas_limit: header.gas_limit(),
        basefee: header.base_fee_per_gas().unwrap_or_default(),
        difficulty: header.difficulty(),
        prevrandao: Some(header.mix_hash().unwrap_or_default()),
        blob_excess_gas_and_price: header
            .excess_blob_gas()
            .map(|excess| BlobExcessGasAndPrice::new_with_spec(excess, spec)),
        ..BlockEnv::default()
    }
}

/// Executes every block of `batch` on `cache`, with the node's pre-block system calls.
pub(crate) fn execute_batch<DB>(
    batch: &BatchBlocks,
    cache: &mut CacheDB<DB>,
    chain_id: u64,
    rules: &ExecutionRules,
    mode: Mode,
) -> Result<Execution, ValidationError>
where
    DB: DatabaseRef<Error = MissingEntry>,
{
    let spec = rules.spec;
    let mut out = Execution::default();
    for block in &batch.blocks {
        let header = &block.header;
        let number = header.number();
        let mut cfg = CfgEnv::new_with_spec(spec);
        cfg.chain_id = chain_id;
        let beacon_root = header.parent_beacon_block_root().filter(|_| {
            spec.is_enabled_in(SpecId::CANCUN)
                && DatabaseRef::basic_ref(&*cache, BEACON_ROOTS_ADDRESS)
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.code_hash != KECCAK256_EMPTY)
        });
        let mut evm = Context::mainnet()
            .with_db(&mut *cache)
            .with_block(block_env(header, spec))
            .with_cfg(cfg)
            .build_mainnet();

        // Pre-block system calls, as the node runs them.
        let system_error = |contract: Address, e: EVMError<MissingEntry>| match e {
            EVMError::Database(missing) => ValidationError::MissingWitness(missing),
            source => ValidationError::SystemCallFailed {
                block: number,
                contract,
                source: Box::new(source),
            },
        };
        let mut system_calls = Vec::new();
        if let Some(root) = beacon_root {
            system_calls.push((BEACON_ROOTS_ADDRESS, root.0));
        }
        if spec.is_enabled_in(SpecId::PRAGUE) {
            system_calls.push((HISTORY_STORAGE_ADDRESS, header.parent_hash().0));
        }
        for (contract, input) in system_calls {
            match evm.system_call_commit(contract, input.into()) {
                Ok(_) => {}
                Err(_) if mode == Mode::Discover => {}
                Err(e) => return Err(system_error(contract, e)),
            }
        }

        let mut receipts = Vec::new();
        let mut cumulative = 0u64;
        for (index, tx) in block.transactions.txns().enumerate() {
            let caller = sender(tx, number, index)?;
            let envelope: &TxEnvelope = tx.inner.inner();
            let env = tx_env(envelope, caller).map_err(|reason| {
                ValidationError::BadTransaction { block: number, index, reason }
            })?;
            let outcome = match evm.transact(env) {
                Ok(outcome) => outcome,
                Err(_) if mode == Mode::Discover => continue,
                Err(EVMError::Database(missing)) => {
                    return Err(ValidationError::MissingWitness(missing));
                }
                Err(source) => {
                    return Err(ValidationError::InvalidTransaction {
                        block: number,
                        index,
                        source: Box::new(source),
                    });
                }
            };
            if mode == Mode::Validate {
                record_loaded(&mut out.loaded, &outcome.state);
            }
            evm.commit(outcome.state);
            let result = outcome.result;
            cumulative += result.tx_gas_used();
            out.transactions += 1;
            if mode == Mode::Validate {
                let logs = result.logs().to_vec();
                let receipt = Receipt {
                    status: Eip658Value::Eip658(result.is_success()),
                    cumulative_gas_used: cumulative,
                    logs: logs.clone(),
                };
                let with_bloom = ReceiptWithBloom::from(receipt);
                receipts.push(ReceiptEnvelope::from_typed(envelope.tx_type(), with_bloom));
                out.logs.extend(logs);
            }
        }
        if mode == Mode::Validate {
            check_block_results(header, cumulative, &receipts)?;
        }
        out.gas_used += cumulative;
    }
    Ok(out)
}

/// Re-execution must reproduce the header's gas used and receipts root.
fn check_block_results(
    header: &impl BlockHeader,
    gas_used: u64,
    receipts: &[ReceiptEnvelope],
) -> Result<(), ValidationError> {
    let block = header.number();
    if gas_used != header.gas_used() {
        return Err(ValidationError::HeaderMismatch {
            block,
            what: "gas used",
            computed: gas_used.to_string(),
            header: header.gas_used().to_string(),
        });
    }
    let receipts_root = calculate_receipt_root(receipts);
    if receipts_root != header.receipts_root() {
        return Err(ValidationError::HeaderMismatch {
            block,
            what: "receipts root",
            computed: receipts_root.to_string(),
            header: header.receipts_root().to_string(),
        });
    }
    Ok(())
}

/// The sender of `tx`: recovered from its signature, or `SYSTEM_CALLER` for a system transaction.
fn sender(
    tx: &alloy::rpc::types::Transaction,
    block: u64,
    index: usize,
) -> Result<Address, ValidationError> {
    let envelope: &TxEnvelope = tx.inner.inner();
    if tx.inner.signer() == predeploys::SYSTEM_CALLER {
        decode_system_transaction(envelope, block, index)?;
        return Ok(predeploys::SYSTEM_CALLER);
    }
    envelope.recover_signer().map_err(|source| ValidationError::UnrecoverableSignature {
        block,
        index,
        source: Box::new(source),
    })
}

/// The revm transaction of `envelope` sent by `caller`.
fn tx_env(envelope: &TxEnvelope, caller: Address) -> Result<TxEnv, String> {
    if envelope.tx_type() == TxType::Eip7702 || envelope.tx_type() == TxType::Eip4844 {
        return Err(format!("{} transactions are not supported", envelope.tx_type()));
    }
    let (gas_price, priority) = match envelope.tx_type() {
        TxType::Legacy | TxType::Eip2930 => (envelope.gas_price().unwrap_or_default(), None),
        _ => (envelope.max_fee_per_gas(), envelope.max_priority_fee_per_gas()),
    };
    TxEnv::builder()
        .tx_type(Some(envelope.tx_type() as u8))
        .caller(caller)
        .gas_limit(envelope.gas_limit())
        .gas_price(gas_price)
        .gas_priority_fee(priority)
        .kind(envelope.kind())
        .value(envelope.value())
        .data(envelope.input().clone())
        .nonce(envelope.nonce())
        .chain_id(envelope.chain_id())
        .access_list(envelope.access_list().cloned().unwrap_or_default())
        .build()
        .map_err(|e| format!("{e:?}"))
}

/// Slots loaded (read or written) by committed transactions, per touched account: anvil's
/// `CacheDB` keeps every one of them in its storage map.
pub(crate) type LoadedSlots = BTreeMap<Address, BTreeSet<U256>>;

/// Records the slots `state` (a finalized transaction) makes anvil's `CacheDB` keep.
fn record_loaded(loaded: &mut LoadedSlots, state: &revm::state::EvmState) {
    for (address, account) in state {
        if !account.is_touched() {
            continue;
        }
        let slots = loaded.entry(*address).or_default();
        if account.is_selfdestructed() || account.is_created() {
            slots.clear();
        }
        if !account.is_selfdestructed() {
            slots.extend(account.storage.keys().copied());
        }
    }
}
