pub use hyperchain_bindings::{decode_revert, decode_revert_data};

/// What went wrong, naming the step and the reason in the user's terms.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// A JSON-RPC endpoint failed (retried by the run loop).
    #[error("{step}: RPC error: {reason}")]
    Rpc {
        /// What the operator was doing.
        step: String,
        /// The transport error.
        reason: String,
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
    /// The database failed.
    #[error("operator database: {0}")]
    Store(String),
    /// Building the batch commitment or its attestation failed.
    #[error("batch {batch}: {reason}")]
    Build {
        /// Batch number.
        batch: u64,
        /// Why.
        reason: String,
    },
}

impl OperatorError {
    /// Whether retrying the same step later may succeed (transport errors).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Rpc { .. })
    }
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
        None => OperatorError::Rpc { step: step.to_string(), reason: err.to_string() },
    }
}
