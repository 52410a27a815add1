//! Why the validity program rejects a batch, and the state read a witness lacks.

use crate::{commitment::CommitmentError, trie::TrieError};
use alloy::{
    consensus::crypto::RecoveryError,
    primitives::{Address, B256, U256},
};
use alloy_trie::proof::ProofVerificationError;
use revm::{context::result::EVMError, database_interface::DBErrorMarker};

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
    #[error("witness proof for account {address} does not match the previous state root: {source}")]
    BadAccountProof {
        /// The account whose proof failed.
        address: Address,
        /// How the proof fails to verify.
        #[source]
        source: Box<ProofVerificationError>,
    },
    /// A storage proof does not prove the claimed value against the account's storage root.
    #[error("witness proof for slot {slot} of {address} does not match its storage root: {source}")]
    BadStorageProof {
        /// The account whose storage proof failed.
        address: Address,
        /// The storage slot (unhashed key).
        slot: B256,
        /// How the proof fails to verify.
        #[source]
        source: Box<ProofVerificationError>,
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
    /// A transaction the program does not execute: an unsigned transaction that is not a system
    /// call to the inbox, or a type the chains do not support (EIP-4844, EIP-7702).
    #[error("transaction {index} of block {block}: {reason}")]
    BadTransaction {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// Which rule the transaction breaks.
        reason: String,
    },
    /// A signed transaction whose signature does not recover a sender.
    #[error("transaction {index} of block {block}: signature does not recover: {source}")]
    UnrecoverableSignature {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The recovery failure.
        #[source]
        source: Box<RecoveryError>,
    },
    /// revm refused a transaction (invalid nonce, insufficient funds, …).
    #[error("transaction {index} of block {block} is invalid: {source}")]
    InvalidTransaction {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// revm's refusal.
        #[source]
        source: Box<EVMError<MissingEntry>>,
    },
    /// A pre-block system call (EIP-4788 beacon root, EIP-2935 block hash history) failed.
    #[error("block {block}: pre-block system call to {contract} failed: {source}")]
    SystemCallFailed {
        /// Block number.
        block: u64,
        /// The system contract called.
        contract: Address,
        /// revm's refusal.
        #[source]
        source: Box<EVMError<MissingEntry>>,
    },
    /// Re-execution (or the block's own transactions) does not reproduce the block header.
    #[error("block {block}: re-execution gives {what} {computed}, the header says {header}")]
    HeaderMismatch {
        /// Block number.
        block: u64,
        /// `gas used`, `receipts root` or `transactions root`.
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
    /// A header whose parent hash is not the hash of the header before it (for the first one: the
    /// previous batch's last block hash L1 holds).
    #[error("block {block} has parent hash {parent_hash}, the verified chain ends at {expected}")]
    BrokenHeaderChain {
        /// Block number.
        block: u64,
        /// The header's parent hash.
        parent_hash: B256,
        /// Hash of the previous header (computed), or L1's previous last block hash.
        expected: B256,
    },
    /// A header whose timestamp is earlier than its parent's (within the batch).
    #[error("block {block} has timestamp {timestamp}, before its parent's {parent_timestamp}")]
    TimestampDecreased {
        /// Block number.
        block: u64,
        /// The header's timestamp.
        timestamp: u64,
        /// The parent header's timestamp.
        parent_timestamp: u64,
    },
    /// A header whose timestamp is more than `max_ahead` seconds after the L1 head's that the
    /// attester read.
    #[error(
        "block {block} has timestamp {timestamp}, more than {max_ahead} s after the L1 head's \
         {l1_timestamp}"
    )]
    TimestampAheadOfL1 {
        /// Block number.
        block: u64,
        /// The header's timestamp.
        timestamp: u64,
        /// The L1 head's timestamp.
        l1_timestamp: u64,
        /// The bound (seconds).
        max_ahead: u64,
    },
    /// A header whose base fee does not follow from its parent's by the chain's rule.
    #[error("block {block} has base fee {base_fee}, its parent's gives {expected}")]
    WrongBaseFee {
        /// Block number.
        block: u64,
        /// The header's base fee.
        base_fee: u64,
        /// What the rule gives from the parent header.
        expected: u64,
    },
    /// A header the witness carries for `BLOCKHASH` that is not on the chain L1's last block hash
    /// ends (or the previous batch's last header is missing).
    #[error("witness header of block {block} hashes to {hash}, the verified chain has {expected}")]
    UnverifiedBlockHash {
        /// Block number.
        block: u64,
        /// Hash of the witness's header.
        hash: B256,
        /// The hash the verified chain has at that height.
        expected: B256,
    },
    /// An unsigned system transaction that is not a call of an inbox system entry point
    /// (`executePriorityRequest`, `importTransactionRoot`).
    #[error(
        "system transaction {index} of block {block} calls {input} on {to:?}, not an inbox system \
         entry point"
    )]
    SystemTransactionNotEntryPoint {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// Its recipient (`None`: a creation).
        to: Option<Address>,
        /// The first 4 bytes of its input.
        input: alloy::primitives::Bytes,
    },
    /// A priority delivery of a request L1 has not queued.
    #[error(
        "system transaction {index} of block {block} delivers priority request {nonce}, which L1 has not queued"
    )]
    UnknownPriorityRequest {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The delivered message's nonce.
        nonce: U256,
    },
    /// A priority delivery whose L2 gas limit is not the one its L1 request set.
    #[error(
        "system transaction {index} of block {block} delivers priority request {nonce} with L2 \
         gas limit {delivered}, its L1 request set {requested}"
    )]
    PriorityRequestGasMismatch {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The request's nonce.
        nonce: U256,
        /// The gas limit the delivery runs with.
        delivered: U256,
        /// The gas limit L1 queued.
        requested: U256,
    },
    /// A priority delivery whose message is not the one L1 queued under its nonce.
    #[error(
        "system transaction {index} of block {block} delivers message {message_hash} as priority \
         request {nonce}, which is not what L1 queued"
    )]
    PriorityRequestMismatch {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The request's nonce.
        nonce: U256,
        /// Hash of the delivered message.
        message_hash: B256,
    },
    /// A Transaction Root import of a root L1 does not hold.
    #[error(
        "system transaction {index} of block {block} imports {root}, not a Transaction Root on L1"
    )]
    UnknownTransactionRoot {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// The imported root.
        root: B256,
    },
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
