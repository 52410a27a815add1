use alloy::primitives::B256;

/// Why a message's steps could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StepsError {
    /// An RPC request failed.
    #[error("{what}: {source}")]
    Rpc {
        what: String,
        #[source]
        source: alloy::transports::TransportError,
    },
    /// A contract view call failed.
    #[error("{what}: {source}")]
    Call {
        what: String,
        #[source]
        source: Box<alloy::contract::Error>,
    },
    /// A log did not decode as the event it was filtered for.
    #[error("bad {event} log: {source}")]
    Decode {
        event: &'static str,
        #[source]
        source: alloy::sol_types::Error,
    },
    /// The chain is not part of the ecosystem description.
    #[error("unknown chain id {0}")]
    UnknownChain(u64),
    /// The chain's RPC is down.
    #[error("chain {chain_id} is unreachable: {reason}")]
    ChainDown { chain_id: u64, reason: String },
    /// Neither a message hash nor a transaction that sent a message.
    #[error(
        "no message or transaction {0} on any hyperchain of this ecosystem (a message hash from \
         MessageQueued, or the hash of the transaction that sent it)"
    )]
    NotFound(B256),
    /// The message is not among the chain's outbox messages.
    #[error("message {hash} was not sent from chain {chain_id} (not in its outbox logs)")]
    NotSent { hash: B256, chain_id: u64 },
    /// The node and L1 disagree (wrong node, missing logs).
    #[error("{0}")]
    Inconsistent(String),
    /// The message has no path in the messages tree rebuilt for its batch.
    #[error("messages tree proof: {0}")]
    MessageProof(#[source] hyperchain_merkle::MerkleError),
}

pub(crate) fn rpc(
    what: impl Into<String>,
) -> impl FnOnce(alloy::transports::TransportError) -> StepsError {
    let what = what.into();
    move |source| StepsError::Rpc { what, source }
}

pub(crate) fn call(what: impl Into<String>) -> impl FnOnce(alloy::contract::Error) -> StepsError {
    let what = what.into();
    move |source| StepsError::Call { what, source: Box::new(source) }
}
