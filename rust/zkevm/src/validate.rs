//! The validity program: stateless re-execution of a batch on revm. No RPC.
//!
//! Before a chain's first batch, [`check_genesis`] (0) requires the genesis's system contracts to
//! be the protocol version's canonical code with empty storage (`ChainFactory.predeployCodes`).
//!
//! [`validate_batch`] (a) verifies every witness account and storage proof against the previous
//! state root, (b) re-executes every transaction of every block with revm against the witness
//! only (a read outside the witness is an error), recovering each sender from its signature —
//! only system transactions (claimed sender `SYSTEM_CALLER`, to the `INBOX`, calling
//! `importTransactionRoot` or `executePriorityMessage`) run unsigned, (c) checks each block's gas
//! used and receipts root against its header, (d) derives the batch outputs from the produced logs
//! ([`crate::commitment`]) and (e) the state diff / rollup pubdata ([`crate::pubdata`]).
//!
//! Finally (f) it computes the new state root *from the pubdata*: the state diff is every write
//! the batch makes to the state trie, and applying it to a sparse trie opened by the witness
//! proofs ([`crate::trie`]) must give the last block header's state root. So the root L1 settles
//! is determined by the previous root and the published pubdata, and anyone can rebuild it
//! ([`crate::replay`]). Under anvil's rules ([`ExecutionRules::keep_cleared_slots`]) every slot a
//! committed transaction loaded is a leaf, zero ones holding rlp(0), whether or not its value
//! changed: such a slot that was not yet a leaf is published with value zero.

use crate::{
    commitment::{BatchContext, BatchOutputs, CommitmentError},
    pubdata::{AccountDiff, PreState, StateDiff, da_commitment},
    trie::{NodeStore, SparseTrie, TrieError, add_nodes},
    witness::{BEACON_ROOTS_ADDRESS, BatchBlocks, HISTORY_STORAGE_ADDRESS, Witness},
};
use alloy::{
    consensus::{
        BlockHeader, Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction as _,
        TxEnvelope, TxType, proofs::calculate_receipt_root, transaction::SignerRecoverable,
    },
    primitives::{Address, B256, Bytes, KECCAK256_EMPTY, Log, TxKind, U256, keccak256},
    sol_types::SolCall,
};
use alloy_rlp::Encodable;
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, TrieAccount, proof::verify_proof};
use hyperchain_bindings::{CommitBatchInfo, IInbox, PredeployCode, predeploys};
use revm::{
    Context, DatabaseRef, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    SystemCallCommitEvm,
    bytecode::Bytecode,
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::block::BlobExcessGasAndPrice,
    database::{CacheDB, in_memory_db::AccountState},
    database_interface::DBErrorMarker,
    primitives::hardfork::SpecId,
    state::AccountInfo,
};
use std::collections::{BTreeMap, BTreeSet};

/// Why a batch was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    /// The witness was built against another state root than the one L1 holds.
    #[error("witness is for previous state root {witness}, expected {expected}")]
    WrongPreviousRoot {
        /// Root the caller trusts (L1's last state root).
        expected: B256,
        /// Root in the witness.
        witness: B256,
    },
    /// An account proof does not prove the claimed account against the previous state root.
    #[error("witness proof for account {address} does not match the previous state root: {reason}")]
    BadAccountProof {
        /// The account whose proof failed.
        address: Address,
        /// Verifier message.
        reason: String,
    },
    /// A storage proof does not prove the claimed value against the account's storage root.
    #[error("witness proof for slot {slot} of {address} does not match its storage root: {reason}")]
    BadStorageProof {
        /// The account whose storage proof failed.
        address: Address,
        /// The storage slot (unhashed key).
        slot: B256,
        /// Verifier message.
        reason: String,
    },
    /// Code whose hash is not the account's code hash, or missing code.
    #[error("witness code of {address} is missing or does not hash to its code hash")]
    BadCode {
        /// The account whose code is missing or wrong.
        address: Address,
    },
    /// Execution read state the witness does not contain.
    #[error("execution read {0}, which is not in the witness")]
    MissingWitness(MissingEntry),
    /// A transaction whose signature does not recover, or an unsigned non-system transaction.
    #[error("transaction {index} of block {block}: {reason}")]
    BadTransaction {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// revm refused a transaction (invalid nonce, insufficient funds, …).
    #[error("transaction {index} of block {block} is invalid: {reason}")]
    InvalidTransaction {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// revm message.
        reason: String,
    },
    /// Re-execution does not reproduce the block header.
    #[error("block {block}: re-execution gives {what} {computed}, the header says {header}")]
    HeaderMismatch {
        /// Block number.
        block: u64,
        /// `gas used` or `receipts root`.
        what: &'static str,
        /// The value the program computed from execution.
        computed: String,
        /// In the header.
        header: String,
    },
    /// The produced logs contradict the protocol.
    #[error(transparent)]
    Commitment(#[from] CommitmentError),
    /// The state root recomputed from the witness and the execution differs from the header's.
    #[error("recomputed state root {computed} differs from the claimed state root {claimed}")]
    StateRootMismatch {
        /// The root the program computed from the witness and the execution.
        computed: B256,
        /// Claimed by the last block header.
        claimed: B256,
    },
    /// The operator's claimed `CommitBatchInfo` differs from what re-execution produced.
    #[error("claimed {field} {claimed} differs from the re-executed batch's {computed}")]
    ClaimMismatch {
        /// `CommitBatchInfo` field.
        field: &'static str,
        /// Claimed value.
        claimed: String,
        /// Recomputed value.
        computed: String,
    },
    /// The state update needs trie data the witness does not have.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// The blocks are not consecutive or the batch is empty.
    #[error("batch blocks are empty or not consecutive")]
    BadBlocks,
    /// The chain's protocol version published no canonical predeploy code (nothing to check the
    /// genesis against).
    #[error("no canonical predeploy code to check the genesis against")]
    NoPredeployCodes,
    /// A system contract of the chain's genesis is not the protocol version's: the chain does not
    /// run the ecosystem's engine, so none of its batches is attested.
    #[error(
        "genesis {what} of predeploy {address} is {actual}, the protocol version's is {expected}"
    )]
    NonCanonicalPredeploy {
        /// The `Predeploys` address.
        address: Address,
        /// `code hash` or `storage root`.
        what: &'static str,
        /// Canonical value (the published code hash; the empty storage root).
        expected: B256,
        /// The genesis's.
        actual: B256,
    },
}

/// A state read missing from the witness.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MissingEntry {
    /// An account's balance, nonce or code hash.
    Account(Address),
    /// Storage slot.
    Slot(Address, U256),
    /// Code by hash.
    Code(B256),
    /// Block hash.
    BlockHash(u64),
}

impl std::fmt::Display for MissingEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Account(a) => write!(f, "account {a}"),
            Self::Slot(a, s) => write!(f, "slot {s:#x} of {a}"),
            Self::Code(h) => write!(f, "code {h}"),
            Self::BlockHash(n) => write!(f, "hash of block {n}"),
        }
    }
}

impl std::error::Error for MissingEntry {}
impl DBErrorMarker for MissingEntry {}

/// The chain's execution and state-trie rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionRules {
    /// EVM hardfork.
    pub spec: SpecId,
    /// anvil hashes every slot of its in-memory revm `CacheDB`, so a zero slot it ever loaded
    /// stays in its storage trie as a leaf holding `rlp(0)`: a slot written to zero, but also one
    /// only read (SLOAD of an empty mapping entry) or written and reset within the batch;
    /// Ethereum has no zero leaves. `true` = anvil's rule (see `matching_state_root`).
    pub keep_cleared_slots: bool,
    /// anvil does not delete an empty account a transaction touches (EIP-161): one in the
    /// genesis stays in the trie. `true` = anvil's rule.
    pub keep_empty_accounts: bool,
}

impl ExecutionRules {
    /// The rules of the hyperchains' nodes: anvil 1.7.1 defaults (Prague).
    pub const ANVIL: Self =
        Self { spec: SpecId::PRAGUE, keep_cleared_slots: true, keep_empty_accounts: true };
}

/// What a valid batch produced.
#[derive(Clone, Debug)]
pub struct ValidatedBatch {
    /// Outputs derived from the re-executed logs.
    pub outputs: BatchOutputs,
    /// Every write the batch makes to the state trie (the new state root is computed from it).
    pub state_diff: StateDiff,
    /// `state_diff.encode()`: the rollup pubdata.
    pub pubdata: Bytes,
    /// `state_diff.encode_compressed(pre-state)`: the same diff with values as deltas against the
    /// verified witness pre-state (decodes against the state replayed up to this batch).
    pub compressed_pubdata: Bytes,
    /// Total gas the batch used.
    pub gas_used: u64,
    /// Number of transactions executed.
    pub transactions: usize,
    /// The new state root, recomputed (and equal to the last block header's).
    pub state_root: B256,
}

impl ValidatedBatch {
    /// The `CommitBatchInfo` of this batch as batch `batch_number` with DA commitment
    /// `da_commitment` (for a rollup: `da_commitment(&self.pubdata)`).
    pub fn commit_batch_info(&self, batch_number: u64, da_commitment: B256) -> CommitBatchInfo {
        self.outputs.commit_batch_info(batch_number, self.state_root, da_commitment)
    }

    /// Checks an operator's claimed `CommitBatchInfo` against the re-executed batch, field by
    /// field. The DA commitment must be `keccak256(pubdata)` in both DA modes: a rollup publishes
    /// the pubdata on L1, a validium's committee signs that same commitment (and stores the data).
    pub fn check_claim(&self, claimed: &CommitBatchInfo) -> Result<(), ValidationError> {
        let computed = self.commit_batch_info(claimed.batchNumber, da_commitment(&self.pubdata));
        let mismatch = |field: &'static str, claimed: String, computed: String| {
            Err(ValidationError::ClaimMismatch { field, claimed, computed })
        };
        if claimed.newStateRoot != computed.newStateRoot {
            return mismatch(
                "newStateRoot",
                claimed.newStateRoot.to_string(),
                computed.newStateRoot.to_string(),
            );
        }
        if claimed.messagesRoot != computed.messagesRoot {
            return mismatch(
                "messagesRoot",
                claimed.messagesRoot.to_string(),
                computed.messagesRoot.to_string(),
            );
        }
        if claimed.priorityOpsCount != computed.priorityOpsCount {
            return mismatch(
                "priorityOpsCount",
                claimed.priorityOpsCount.to_string(),
                computed.priorityOpsCount.to_string(),
            );
        }
        if claimed.priorityOpsHash != computed.priorityOpsHash {
            return mismatch(
                "priorityOpsHash",
                claimed.priorityOpsHash.to_string(),
                computed.priorityOpsHash.to_string(),
            );
        }
        if claimed.importedRoots != computed.importedRoots {
            return mismatch(
                "importedRoots",
                format!("{:?}", claimed.importedRoots),
                format!("{:?}", computed.importedRoots),
            );
        }
        if claimed.daCommitment != computed.daCommitment {
            return mismatch(
                "daCommitment",
                claimed.daCommitment.to_string(),
                computed.daCommitment.to_string(),
            );
        }
        if claimed.transfers != computed.transfers {
            return mismatch(
                "transfers",
                format!("{:?}", claimed.transfers),
                format!("{:?}", computed.transfers),
            );
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Default)]
struct WitnessDb {
    accounts: BTreeMap<Address, Option<AccountInfo>>,
    storage: BTreeMap<(Address, U256), U256>,
    /// Zero slots proven as leaves holding rlp(0) (anvil), not absent.
    zero_leaves: BTreeSet<(Address, U256)>,
    codes: BTreeMap<B256, Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
}

impl DatabaseRef for WitnessDb {
    type Error = MissingEntry;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, MissingEntry> {
        self.accounts.get(&address).cloned().ok_or(MissingEntry::Account(address))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, MissingEntry> {
        self.codes.get(&code_hash).cloned().ok_or(MissingEntry::Code(code_hash))
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, MissingEntry> {
        if let Some(value) = self.storage.get(&(address, index)) {
            return Ok(*value);
        }
        // A non-existent account has empty storage (e.g. a contract being created).
        match self.accounts.get(&address) {
            Some(None) => Ok(U256::ZERO),
            _ => Err(MissingEntry::Slot(address, index)),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, MissingEntry> {
        self.block_hashes.get(&number).copied().ok_or(MissingEntry::BlockHash(number))
    }
}

impl PreState for WitnessDb {
    fn balance(&self, address: Address) -> U256 {
        self.accounts.get(&address).cloned().flatten().map(|a| a.balance).unwrap_or_default()
    }

    fn nonce(&self, address: Address) -> u64 {
        self.accounts.get(&address).cloned().flatten().map(|a| a.nonce).unwrap_or_default()
    }

    fn slot(&self, address: Address, slot: B256) -> U256 {
        self.storage.get(&(address, slot.into())).copied().unwrap_or_default()
    }
}

/// (a) Verifies the witness against `prev_state_root` and loads it into a database.
fn verified_db(
    prev_state_root: B256,
    witness: &Witness,
    rules: &ExecutionRules,
) -> Result<WitnessDb, ValidationError> {
    if witness.prev_state_root != prev_state_root {
        return Err(ValidationError::WrongPreviousRoot {
            expected: prev_state_root,
            witness: witness.prev_state_root,
        });
    }
    let mut db = WitnessDb { block_hashes: witness.block_hashes.clone(), ..WitnessDb::default() };
    for (hash, code) in &witness.codes {
        if keccak256(code) != *hash {
            return Err(ValidationError::BadCode { address: Address::ZERO });
        }
        db.codes.insert(*hash, Bytecode::new_raw(code.clone()));
    }
    for acc in &witness.accounts {
        let address = acc.address;
        let code_hash = if acc.code_hash == B256::ZERO { KECCAK256_EMPTY } else { acc.code_hash };
        let storage_root =
            if acc.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { acc.storage_hash };
        let exists = !(acc.nonce == 0
            && acc.balance.is_zero()
            && code_hash == KECCAK256_EMPTY
            && storage_root == EMPTY_ROOT_HASH);
        let leaf = || {
            let account =
                TrieAccount { nonce: acc.nonce, balance: acc.balance, storage_root, code_hash };
            let mut buf = Vec::new();
            account.encode(&mut buf);
            buf
        };
        let path = Nibbles::unpack(keccak256(address));
        let mut verified =
            verify_proof(prev_state_root, path, exists.then(leaf), &acc.account_proof);
        let mut exists = exists;
        if verified.is_err() && !exists {
            // An empty account in the trie (only a genesis can hold one, EIP-161): it exists
            // until a transaction touches it.
            verified = verify_proof(prev_state_root, path, Some(leaf()), &acc.account_proof);
            exists = verified.is_ok();
        }
        verified
            .map_err(|e| ValidationError::BadAccountProof { address, reason: e.to_string() })?;
        for slot in &acc.storage_proof {
            let key = slot.key.as_b256();
            let path = Nibbles::unpack(keccak256(key));
            let expected = (!slot.value.is_zero()).then(|| alloy_rlp::encode(slot.value));
            let mut verified = verify_proof(storage_root, path, expected, &slot.proof);
            let mut zero_leaf = false;
            if verified.is_err() && slot.value.is_zero() && rules.keep_cleared_slots {
                // A cleared slot anvil keeps as a leaf holding rlp(0).
                let zero = Some(alloy_rlp::encode(U256::ZERO));
                verified = verify_proof(storage_root, path, zero, &slot.proof);
                zero_leaf = verified.is_ok();
            }
            verified.map_err(|e| ValidationError::BadStorageProof {
                address,
                slot: key,
                reason: e.to_string(),
            })?;
            let index = U256::from_be_bytes(key.0);
            if zero_leaf {
                db.zero_leaves.insert((address, index));
            }
            db.storage.insert((address, index), slot.value);
        }
        if !exists {
            db.accounts.insert(address, None);
            continue;
        }
        let code = if code_hash == KECCAK256_EMPTY {
            Bytecode::default()
        } else {
            db.codes.get(&code_hash).cloned().ok_or(ValidationError::BadCode { address })?
        };
        db.accounts.insert(
            address,
            Some(
                AccountInfo::default()
                    .with_balance(acc.balance)
                    .with_nonce(acc.nonce)
                    .with_code_and_hash(code, code_hash),
            ),
        );
    }
    Ok(db)
}

/// (0) Canonical genesis, checked before a chain's first batch is attested: every system contract
/// in `predeploys` (the chain's protocol version's `ChainFactory.predeployCodes`) must be in the
/// witness, proven against `genesis_root` (the state root registered on L1), with exactly the
/// published code hash and empty storage. Later batches need no check: the code of an account
/// that has code never changes (no CREATE lands on it, SELFDESTRUCT only deletes an account created
/// in the same transaction), and every later state descends from this one through attested
/// batches.
pub fn check_genesis(
    genesis_root: B256,
    witness: &Witness,
    predeploys: &[PredeployCode],
    rules: &ExecutionRules,
) -> Result<(), ValidationError> {
    if predeploys.is_empty() {
        return Err(ValidationError::NoPredeployCodes);
    }
    verified_db(genesis_root, witness, rules)?;
    for predeploy in predeploys {
        let address = predeploy.account;
        let account = witness
            .accounts
            .iter()
            .find(|a| a.address == address)
            .ok_or(ValidationError::MissingWitness(MissingEntry::Account(address)))?;
        let code_hash =
            if account.code_hash == B256::ZERO { KECCAK256_EMPTY } else { account.code_hash };
        if code_hash != predeploy.codeHash {
            return Err(ValidationError::NonCanonicalPredeploy {
                address,
                what: "code hash",
                expected: predeploy.codeHash,
                actual: code_hash,
            });
        }
        let storage_root =
            if account.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { account.storage_hash };
        if storage_root != EMPTY_ROOT_HASH {
            return Err(ValidationError::NonCanonicalPredeploy {
                address,
                what: "storage root",
                expected: EMPTY_ROOT_HASH,
                actual: storage_root,
            });
        }
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
    let bad = |reason: String| ValidationError::BadTransaction { block, index, reason };
    if tx.inner.signer() == predeploys::SYSTEM_CALLER {
        let selector = envelope.input().get(..4).unwrap_or_default();
        let system_entry = selector == IInbox::importTransactionRootCall::SELECTOR
            || selector == IInbox::executePriorityMessageCall::SELECTOR;
        if envelope.kind() != TxKind::Call(predeploys::INBOX) || !system_entry {
            return Err(bad("unsigned system transaction calls something other than the inbox's \
                            system entry points"
                .into()));
        }
        return Ok(predeploys::SYSTEM_CALLER);
    }
    envelope.recover_signer().map_err(|e| bad(format!("signature does not recover: {e}")))
}

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

/// Re-executes `batch` against `witness` and derives its outputs. `prev_state_root` is the state
/// root the caller trusts (L1's last one), `chain_id` the hyperchain's, `ctx` the outputs'
/// context.
pub fn validate_batch(
    batch: &BatchBlocks,
    witness: &Witness,
    prev_state_root: B256,
    ctx: &BatchContext,
    rules: &ExecutionRules,
) -> Result<ValidatedBatch, ValidationError> {
    let spec = rules.spec;
    let Some(first) = batch.blocks.first() else { return Err(ValidationError::BadBlocks) };
    let first_number = first.header.number();
    if batch.blocks.iter().enumerate().any(|(i, b)| b.header.number() != first_number + i as u64) {
        return Err(ValidationError::BadBlocks);
    }
    let chain_id: u64 = ctx.chain_id.try_into().map_err(|_| ValidationError::BadBlocks)?;
    let db = verified_db(prev_state_root, witness, rules)?;
    let pre = db.clone();
    let mut cache = CacheDB::new(db);
    let mut all_logs: Vec<Log> = Vec::new();
    let mut gas_used = 0u64;
    let mut transactions = 0usize;
    let mut loaded = LoadedSlots::new();

    for block in &batch.blocks {
        let header = &block.header;
        let number = header.number();
        let block_env = BlockEnv {
            number: U256::from(number),
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
        };
        let mut cfg = CfgEnv::new_with_spec(spec);
        cfg.chain_id = chain_id;
        let beacon_root = header.parent_beacon_block_root().filter(|_| {
            spec.is_enabled_in(SpecId::CANCUN)
                && DatabaseRef::basic_ref(&cache, BEACON_ROOTS_ADDRESS)
                    .ok()
                    .flatten()
                    .is_some_and(|a| a.code_hash != KECCAK256_EMPTY)
        });
        let mut evm = Context::mainnet()
            .with_db(&mut cache)
            .with_block(block_env)
            .with_cfg(cfg)
            .build_mainnet();

        // Pre-block system calls, as the node runs them.
        let system_error = |e: revm::context::result::EVMError<MissingEntry>| match e {
            revm::context::result::EVMError::Database(missing) => {
                ValidationError::MissingWitness(missing)
            }
            other => ValidationError::InvalidTransaction {
                block: number,
                index: 0,
                reason: format!("pre-block system call: {other}"),
            },
        };
        if let Some(root) = beacon_root {
            evm.system_call_commit(BEACON_ROOTS_ADDRESS, root.0.into()).map_err(system_error)?;
        }
        if spec.is_enabled_in(SpecId::PRAGUE) {
            evm.system_call_commit(HISTORY_STORAGE_ADDRESS, header.parent_hash().0.into())
                .map_err(system_error)?;
        }

        let mut receipts = Vec::new();
        let mut cumulative = 0u64;
        for (index, tx) in block.transactions.txns().enumerate() {
            let caller = sender(tx, number, index)?;
            let envelope: &TxEnvelope = tx.inner.inner();
            let env = tx_env(envelope, caller).map_err(|reason| {
                ValidationError::BadTransaction { block: number, index, reason }
            })?;
            let outcome = evm.transact(env).map_err(|e| match e {
                revm::context::result::EVMError::Database(missing) => {
                    ValidationError::MissingWitness(missing)
                }
                other => ValidationError::InvalidTransaction {
                    block: number,
                    index,
                    reason: other.to_string(),
                },
            })?;
            record_loaded(&mut loaded, &outcome.state);
            evm.commit(outcome.state);
            let result = outcome.result;
            cumulative += result.tx_gas_used();
            let logs = result.logs().to_vec();
            let receipt = Receipt {
                status: Eip658Value::Eip658(result.is_success()),
                cumulative_gas_used: cumulative,
                logs: logs.clone(),
            };
            let with_bloom = ReceiptWithBloom::from(receipt);
            receipts.push(ReceiptEnvelope::from_typed(envelope.tx_type(), with_bloom));
            all_logs.extend(logs);
            transactions += 1;
        }
        if cumulative != header.gas_used() {
            return Err(ValidationError::HeaderMismatch {
                block: number,
                what: "gas used",
                computed: cumulative.to_string(),
                header: header.gas_used().to_string(),
            });
        }
        let receipts_root = calculate_receipt_root(&receipts);
        if receipts_root != header.receipts_root() {
            return Err(ValidationError::HeaderMismatch {
                block: number,
                what: "receipts root",
                computed: receipts_root.to_string(),
                header: header.receipts_root().to_string(),
            });
        }
        gas_used += cumulative;
    }

    let outputs = BatchOutputs::from_logs(ctx, &all_logs)?;
    let claimed = batch.blocks.last().map(|b| b.header.state_root()).unwrap_or_default();
    let (state_root, state_diff) =
        matching_state_root(witness, &pre, &cache, rules, &loaded, claimed)?;
    if state_root != claimed {
        return Err(ValidationError::StateRootMismatch { computed: state_root, claimed });
    }
    let pubdata = state_diff.encode();
    let compressed_pubdata = state_diff.encode_compressed(&pre);
    Ok(ValidatedBatch {
        outputs,
        state_diff,
        pubdata,
        compressed_pubdata,
        gas_used,
        transactions,
        state_root,
    })
}

/// Baseline for benchmarks: plain revm execution of the batch's transactions from the witness
/// pre-state taken on trust (no proof verification, no header checks, no outputs, no state root),
/// with senders recovered from signatures as in [`validate_batch`]. Returns the gas used.
pub fn execute_unverified(
    batch: &BatchBlocks,
    witness: &Witness,
    chain_id: u64,
    rules: &ExecutionRules,
) -> Result<u64, ValidationError> {
    execute_on(batch, unverified_db(witness), chain_id, rules, true)
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
    let db = RecordingDb { inner: unverified_db(witness), missing: Default::default() };
    let _ = execute_on(batch, &db, chain_id, rules, false);
    db.missing.into_inner()
}

/// The witness's pre-state as a database, proofs not checked.
fn unverified_db(witness: &Witness) -> WitnessDb {
    let mut db = WitnessDb { block_hashes: witness.block_hashes.clone(), ..WitnessDb::default() };
    for (hash, code) in &witness.codes {
        db.codes.insert(*hash, Bytecode::new_raw(code.clone()));
    }
    for acc in &witness.accounts {
        for slot in &acc.storage_proof {
            db.storage.insert((acc.address, U256::from_be_bytes(slot.key.as_b256().0)), slot.value);
        }
        let code_hash = if acc.code_hash == B256::ZERO { KECCAK256_EMPTY } else { acc.code_hash };
        let code = db.codes.get(&code_hash).cloned().unwrap_or_default();
        db.accounts.insert(
            acc.address,
            Some(
                AccountInfo::default()
                    .with_balance(acc.balance)
                    .with_nonce(acc.nonce)
                    .with_code_and_hash(code, code_hash),
            ),
        );
    }
    db
}

/// Executes the batch's transactions on `db`; `strict`: the first failing transaction is an
/// error, else it is skipped. Returns the gas used.
fn execute_on<DB>(
    batch: &BatchBlocks,
    db: DB,
    chain_id: u64,
    rules: &ExecutionRules,
    strict: bool,
) -> Result<u64, ValidationError>
where
    DB: DatabaseRef<Error = MissingEntry>,
{
    let mut cache = CacheDB::new(db);
    let mut gas = 0;
    for block in &batch.blocks {
        let header = &block.header;
        let number = header.number();
        let block_env = BlockEnv {
            number: U256::from(number),
            beneficiary: header.beneficiary(),
            timestamp: U256::from(header.timestamp()),
            gas_limit: header.gas_limit(),
            basefee: header.base_fee_per_gas().unwrap_or_default(),
            difficulty: header.difficulty(),
            prevrandao: Some(header.mix_hash().unwrap_or_default()),
            ..BlockEnv::default()
        };
        let mut cfg = CfgEnv::new_with_spec(rules.spec);
        cfg.chain_id = chain_id;
        let mut evm = Context::mainnet()
            .with_db(&mut cache)
            .with_block(block_env)
            .with_cfg(cfg)
            .build_mainnet();
        for (index, tx) in block.transactions.txns().enumerate() {
            let caller = sender(tx, number, index)?;
            let env = tx_env(tx.inner.inner(), caller).map_err(|reason| {
                ValidationError::BadTransaction { block: number, index, reason }
            })?;
            match evm.transact_commit(env) {
                Ok(result) => gas += result.tx_gas_used(),
                Err(e) if strict => {
                    return Err(ValidationError::InvalidTransaction {
                        block: number,
                        index,
                        reason: e.to_string(),
                    });
                }
                Err(_) => {}
            }
        }
    }
    Ok(gas)
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

/// Slots loaded (read or written) by committed transactions, per touched account: anvil's
/// `CacheDB` keeps every one of them in its storage map.
type LoadedSlots = BTreeMap<Address, BTreeSet<U256>>;

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

/// At most this many accounts with ambiguous read-through slots are searched exhaustively.
const MAX_AMBIGUOUS_ACCOUNTS: usize = 8;

/// (f) The batch's state diff and the new state root computed from it, matched against `claimed`.
///
/// With `keep_cleared_slots` (anvil) a storage trie holds every slot anvil's revm `CacheDB` ever
/// put in its storage map, a zero one as an rlp(0) leaf: every slot a committed transaction
/// loaded (`loaded`, exact), and slots read through by an execution that was not committed (a
/// reverted call) — but the latter only for accounts the node did not create with
/// CREATE/CREATE2 (`AccountState::StorageCleared` in anvil), which the trie does not record.
/// Such zero leaves do not change any slot's value, so each ambiguous account is tried both
/// ways (exhaustively up to [`MAX_AMBIGUOUS_ACCOUNTS`], else all or none) and the root equal to
/// `claimed`, if any, is returned with its diff; otherwise the one with read-through slots kept.
/// The choice only decides which zero leaves the diff publishes, so the pubdata still determines
/// the returned root.
fn matching_state_root(
    witness: &Witness,
    pre: &WitnessDb,
    post: &CacheDB<WitnessDb>,
    rules: &ExecutionRules,
    loaded: &LoadedSlots,
    claimed: B256,
) -> Result<(B256, StateDiff), ValidationError> {
    let mut store = NodeStore::new();
    let mut storage_roots = BTreeMap::new();
    for acc in &witness.accounts {
        add_nodes(&mut store, &acc.account_proof);
        for slot in &acc.storage_proof {
            add_nodes(&mut store, &slot.proof);
        }
        let root = if acc.storage_hash == B256::ZERO { EMPTY_ROOT_HASH } else { acc.storage_hash };
        storage_roots.insert(acc.address, root);
    }
    let ambiguous: Vec<Address> = if rules.keep_cleared_slots {
        post.cache
            .accounts
            .iter()
            .filter(|(address, account)| {
                !matches!(
                    account.account_state,
                    AccountState::StorageCleared | AccountState::NotExisting
                ) && account.storage.iter().any(|(slot, value)| {
                    value.is_zero()
                        && !loaded.get(*address).is_some_and(|s| s.contains(slot))
                        && pre.storage.get(&(**address, *slot)).is_some_and(|v| v.is_zero())
                })
            })
            .map(|(address, _)| *address)
            .collect()
    } else {
        Vec::new()
    };
    let choices: Vec<BTreeSet<Address>> = if ambiguous.len() <= MAX_AMBIGUOUS_ACCOUNTS {
        (0..1usize << ambiguous.len())
            .map(|mask| {
                ambiguous
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) == 0)
                    .map(|(_, a)| *a)
                    .collect()
            })
            .collect()
    } else {
        vec![ambiguous.iter().copied().collect(), BTreeSet::new()]
    };
    let mut first = None;
    for read_through in &choices {
        let diff = trie_writes(&storage_roots, pre, post, rules, loaded, read_through);
        let root = root_after(witness, &store, &storage_roots, pre, &diff, rules)?;
        if root == claimed {
            return Ok((root, diff));
        }
        first.get_or_insert((root, diff));
    }
    Ok(first.unwrap_or_default())
}

/// Every write the batch makes to the state trie, as a diff: each account whose trie entry
/// changes, with its changed fields and every storage leaf written (a changed value, or under
/// anvil's rules a zero slot loaded that was not yet a leaf). Writes that leave the trie as it was
/// are left out. `read_through`: the accounts whose read-through-only slots are kept (see
/// [`matching_state_root`]).
fn trie_writes(
    storage_roots: &BTreeMap<Address, B256>,
    pre: &WitnessDb,
    post: &CacheDB<WitnessDb>,
    rules: &ExecutionRules,
    committed: &LoadedSlots,
    read_through: &BTreeSet<Address>,
) -> StateDiff {
    let keep = rules.keep_cleared_slots;
    let mut diff = StateDiff::default();
    for (address, account) in &post.cache.accounts {
        let before = pre.accounts.get(address).cloned().flatten();
        let cleared = matches!(account.account_state, AccountState::StorageCleared);
        let kept = |slot: &U256| {
            keep && (committed.get(address).is_some_and(|s| s.contains(slot))
                || read_through.contains(address))
        };
        let pre_value =
            |slot: &U256| pre.storage.get(&(*address, *slot)).copied().unwrap_or_default();
        let written: Vec<(U256, U256)> = account
            .storage
            .iter()
            .filter(|(slot, value)| cleared || kept(slot) || pre_value(slot) != **value)
            .map(|(s, v)| (*s, *v))
            .collect();
        let info = &account.info;
        let absent = matches!(account.account_state, AccountState::NotExisting)
            || (info.nonce == 0
                && info.balance.is_zero()
                && info.code_hash == KECCAK256_EMPTY
                && written.iter().all(|(_, v)| v.is_zero()));
        let info_changed = match &before {
            None => !absent,
            Some(b) => {
                absent
                    || b.balance != info.balance
                    || b.nonce != info.nonce
                    || b.code_hash != info.code_hash
            }
        };
        if !info_changed && written.is_empty() && !cleared {
            continue;
        }
        if absent && !(before.is_some() && rules.keep_empty_accounts) {
            if before.is_some() {
                let removed = AccountDiff { removed: true, ..AccountDiff::default() };
                diff.accounts.insert(*address, removed);
            }
            continue;
        }
        let had_storage = storage_roots.get(address).is_some_and(|root| *root != EMPTY_ROOT_HASH);
        let base_empty = before.is_none() || cleared;
        let old = before.unwrap_or_default();
        let mut d = AccountDiff { storage_reset: cleared && had_storage, ..AccountDiff::default() };
        if info.balance != old.balance {
            d.balance = Some(info.balance);
        }
        if info.nonce != old.nonce {
            d.nonce = Some(info.nonce);
        }
        if info.code_hash != old.code_hash {
            d.code = Some(info.code.as_ref().map(|c| c.original_bytes()).unwrap_or_default());
        }
        for (slot, value) in written {
            let unchanged = if base_empty {
                value.is_zero() && !keep
            } else if value.is_zero() && keep {
                pre.zero_leaves.contains(&(*address, slot))
            } else {
                pre_value(&slot) == value
            };
            if !unchanged {
                d.storage.insert(B256::from(slot), value);
            }
        }
        if !d.is_empty() {
            diff.accounts.insert(*address, d);
        }
    }
    diff
}

/// The state root after `diff`: the previous state trie, opened by the witness proofs, with each
/// account of the diff written (or removed) and its storage leaves updated.
fn root_after(
    witness: &Witness,
    store: &NodeStore,
    storage_roots: &BTreeMap<Address, B256>,
    pre: &WitnessDb,
    diff: &StateDiff,
    rules: &ExecutionRules,
) -> Result<B256, ValidationError> {
    let mut accounts = SparseTrie::new(witness.prev_state_root, store)?;
    for (address, d) in &diff.accounts {
        let key = keccak256(address);
        if d.removed {
            accounts.update(key, Vec::new())?;
            continue;
        }
        let before = pre.accounts.get(address).cloned().flatten();
        let base = match &before {
            Some(_) if !d.storage_reset => {
                storage_roots.get(address).copied().unwrap_or(EMPTY_ROOT_HASH)
            }
            _ => EMPTY_ROOT_HASH,
        };
        let mut storage = SparseTrie::new(base, store)?;
        for (slot, value) in &d.storage {
            let leaf = if value.is_zero() && !rules.keep_cleared_slots {
                Vec::new()
            } else {
                alloy_rlp::encode(value)
            };
            storage.update(keccak256(slot), leaf)?;
        }
        let old = before.unwrap_or_default();
        let trie_account = TrieAccount {
            nonce: d.nonce.unwrap_or(old.nonce),
            balance: d.balance.unwrap_or(old.balance),
            storage_root: storage.root(),
            code_hash: d.code.as_ref().map_or(old.code_hash, keccak256),
        };
        accounts.update(key, alloy_rlp::encode(trie_account))?;
    }
    Ok(accounts.root())
}
