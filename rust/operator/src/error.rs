use alloy::primitives::{Address, B256};
pub use hyperchain_bindings::{decode_revert, decode_revert_data};

/// An error kept as the cause of an [`OperatorError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong, naming the step and the reason in the user's terms.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// A JSON-RPC endpoint failed (retried by the run loop).
    #[error("{step}: RPC error: {source}")]
    Rpc {
        /// What the operator was doing.
        step: String,
        /// The transport or contract-call error.
        #[source]
        source: BoxError,
    },
    /// L1 rejected a batch step (not retried until the cause changes).
    #[error("batch {batch} rejected by L1 at {step}: {reason}")]
    BatchRejected {
        /// Batch number.
        batch: u64,
        /// settleBatch, or commitBatch / proveBatch / executeBatch.
        step: &'static str,
        /// Decoded custom error, e.g. `UnknownTransactionRoot(0x…)`.
        reason: String,
    },
    /// An L2 system transaction reverted.
    #[error("{step} reverted on L2: {reason}")]
    L2Rejected {
        /// What the operator was doing.
        step: String,
        /// Decoded custom error.
        reason: String,
    },
    /// The chain's L1 or L2 state is inconsistent with this operator's configuration.
    #[error("{0}")]
    Inconsistent(String),
    /// A setting does not parse (an RPC URL, a private key).
    #[error("{what}: {source}")]
    Config {
        /// The setting and its value where it is not a secret.
        what: String,
        /// The parser's error.
        #[source]
        source: BoxError,
    },
    /// The configured settlement address does not answer as a `ChainSettlement`.
    #[error("no ChainSettlement at {settlement} on L1 ({source})")]
    NoSettlement {
        /// The configured address.
        settlement: Address,
        /// The failed `chainId()` call.
        #[source]
        source: BoxError,
    },
    /// A log the node returned for an event filter does not decode as that event.
    #[error("bad {event} log: {source}")]
    Decode {
        /// The event filtered for.
        event: &'static str,
        /// The decoder's error.
        #[source]
        source: alloy::sol_types::Error,
    },
    /// Rebuilding the chain's state from its genesis and L1's pubdata failed.
    #[error("reconstruct: {what}: {source}")]
    Reconstruct {
        /// The read or the step that failed.
        what: String,
        /// The genesis replay, pubdata decoding or L1 read error.
        #[source]
        source: BoxError,
    },
    /// The database failed.
    #[error("operator database: {0}")]
    Store(#[source] BoxError),
    /// The node's state before a batch is not the state L1 holds for the previous batch: it was
    /// changed outside a block (`anvil_setCode`, `anvil_setBalance`, a state load) or the node is
    /// not this chain's. The validity program re-executes blocks, so no batch built on that state
    /// can be attested; restore the node's state (or start the chain over).
    #[error(
        "batch {batch}: the L2 node's state at block {block} has root {node_root}, but L1 holds \
         {l1_root} for it: the node's state was changed outside a block (anvil_set*, a state \
         load) or this is not the chain's node; no batch built on it can be attested"
    )]
    StateDiverged {
        /// Batch number.
        batch: u64,
        /// The L2 block the batch starts after.
        block: u64,
        /// The root the node's proofs at `block` are against.
        node_root: B256,
        /// The root L1 holds for `block` (the previous batch's, or the registered genesis root).
        l1_root: B256,
    },
    /// Fewer than the verifier's threshold of attesters signed the batch (down, slow, refusing):
    /// the batch waits and is asked again.
    #[error("batch {batch}: {valid} of the {threshold} attestations needed ({failures})")]
    AttestationsMissing {
        /// Batch number.
        batch: u64,
        /// Valid signatures received.
        valid: usize,
        /// The verifier's threshold.
        threshold: usize,
        /// Each attester that gave none, and why.
        failures: String,
    },
    /// Building the batch commitment or its attestation failed.
    #[error("batch {batch}: {reason}")]
    Build {
        /// Batch number.
        batch: u64,
        /// What made the commitment or attestation impossible to build.
        reason: String,
    },
    /// A step of building the batch failed with a lower-level error (the validity program's
    /// refusal, a DA committee key or signature).
    #[error("batch {batch}: {what}: {source}")]
    BuildFailed {
        /// Batch number.
        batch: u64,
        /// The step that failed.
        what: String,
        /// The validity program's refusal, or the key or signing error.
        #[source]
        source: BoxError,
    },
}

impl OperatorError {
    /// Whether retrying the same step later may succeed (transport errors).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Rpc { .. })
    }
}

/// Maps a transport error of `step` to [`OperatorError::Rpc`].
pub(crate) fn rpc_err(
    step: &str,
) -> impl Fn(alloy::transports::TransportError) -> OperatorError + '_ {
    move |e| OperatorError::Rpc { step: step.to_string(), source: e.into() }
}

/// Maps a failed contract read of `step` to [`OperatorError::Rpc`].
pub(crate) fn call_err(step: &str) -> impl Fn(alloy::contract::Error) -> OperatorError + '_ {
    move |e| OperatorError::Rpc { step: step.to_string(), source: e.into() }
}

/// Classifies a failed contract send: a revert becomes `rejected(reason)`, anything else an RPC
/// error worth retrying.
pub(crate) fn classify(
    step: &str,
    err: alloy::contract::Error,
    rejected: impl FnOnce(String) -> OperatorError,
) -> OperatorError {
    match decode_revert(&err) {
        Some(reason) => rejected(reason),
        None => OperatorError::Rpc { step: step.to_string(), source: err.into() },
    }
}
