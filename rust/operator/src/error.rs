use alloy::{primitives::Bytes, sol_types::SolInterface};
use hyperchain_bindings::{ChainSettlement, IInbox, SharedBridge};

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
        /// commitBatch / proveBatch / executeBatch.
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

/// Decodes the revert reason of a failed contract call against every custom error the L1 and L2
/// contracts declare; `None` when the error is not a revert (a transport error).
pub fn decode_revert(err: &alloy::contract::Error) -> Option<String> {
    let data = err.as_revert_data()?;
    Some(decode_revert_data(&data))
}

/// Renders revert data as `ErrorName(arg, …)`.
pub fn decode_revert_data(data: &Bytes) -> String {
    if let Ok(e) = ChainSettlement::ChainSettlementErrors::abi_decode(data) {
        return clean_debug(format!("{e:?}"));
    }
    if let Ok(e) = SharedBridge::SharedBridgeErrors::abi_decode(data) {
        return clean_debug(format!("{e:?}"));
    }
    if let Ok(e) = IInbox::IInboxErrors::abi_decode(data) {
        return clean_debug(format!("{e:?}"));
    }
    if data.is_empty() {
        return "reverted without a reason".into();
    }
    format!("unknown revert 0x{}", alloy::hex::encode(data))
}

/// `UnknownTransactionRoot(UnknownTransactionRoot { root: 0x… })` → `UnknownTransactionRoot(0x…)`.
fn clean_debug(s: String) -> String {
    let Some(open) = s.find('(') else { return s };
    let name = &s[..open];
    let inner = &s[open + 1..s.len().saturating_sub(1)];
    let Some(brace) = inner.find('{') else { return format!("{name}()") };
    let fields = inner[brace + 1..].trim_end_matches('}').trim();
    let values: Vec<&str> = fields
        .split(", ")
        .map(|kv| kv.split_once(": ").map_or(kv, |(_, v)| v))
        .filter(|v| !v.is_empty())
        .collect();
    format!("{name}({})", values.join(", "))
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{primitives::B256, sol_types::SolError};

    #[test]
    fn unknown_transaction_root_is_rendered_with_its_root() {
        let err = ChainSettlement::UnknownTransactionRoot { root: B256::repeat_byte(0xab) };
        let text = decode_revert_data(&err.abi_encode().into());
        assert_eq!(text, format!("UnknownTransactionRoot({})", B256::repeat_byte(0xab)));
        let err = ChainSettlement::NonConsecutiveBatch { expected: 3, actual: 5 };
        assert_eq!(decode_revert_data(&err.abi_encode().into()), "NonConsecutiveBatch(3, 5)");
        let err = ChainSettlement::ChainNotFrozen {};
        assert_eq!(decode_revert_data(&err.abi_encode().into()), "ChainNotFrozen()");
    }
}
