//! The explicit, persisted life of a message.
//!
//! ```text
//! discovered ─► batch_executed ─► root_imported ─► proof_built ─► simulated ─► submitted ─► confirmed
//!                                       ▲               │  │                      │
//!                                       │               │  └─► held (fee policy; `retry`)
//!                                       │               └──► retrying (recipient reverted; backoff)
//!                                       └───────────────────────── (tx failed / dropped / L1 reorg)
//! ```
//! `withdrawal` marks messages to L1 (finalized on L1 by their owner, not relayed); they stay in
//! the table because a batch's messages tree covers them.

use std::{fmt, str::FromStr};

/// State of a message in the relayer's database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageState {
    /// Seen in a source outbox `MessageQueued` event.
    Discovered,
    /// Its source batch is executed on L1 (its leaf is in the Transaction Root).
    BatchExecuted,
    /// The destination inbox imported a Transaction Root that includes the source batch.
    RootImported,
    /// `RelayProof` built against that root.
    ProofBuilt,
    /// `relay` simulated successfully on the destination.
    Simulated,
    /// A delivery transaction carrying it is signed, persisted and broadcast.
    Submitted,
    /// Delivered on chain (`MessageRelayed`, or `AlreadyDelivered`).
    Confirmed,
    /// Not delivered on purpose (fee policy, unknown destination, too many failures); `reason`.
    Held,
    /// Simulation reverted; retried after a capped exponential backoff.
    Retrying,
    /// Addressed to L1: not relayed (the owner finalizes it on L1).
    Withdrawal,
}

impl MessageState {
    /// Every state, in pipeline order.
    pub const ALL: [Self; 10] = [
        Self::Discovered,
        Self::BatchExecuted,
        Self::RootImported,
        Self::ProofBuilt,
        Self::Simulated,
        Self::Submitted,
        Self::Confirmed,
        Self::Held,
        Self::Retrying,
        Self::Withdrawal,
    ];

    /// Name stored in the database and shown to users.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Discovered => "discovered",
            Self::BatchExecuted => "batch_executed",
            Self::RootImported => "root_imported",
            Self::ProofBuilt => "proof_built",
            Self::Simulated => "simulated",
            Self::Submitted => "submitted",
            Self::Confirmed => "confirmed",
            Self::Held => "held",
            Self::Retrying => "retrying",
            Self::Withdrawal => "withdrawal",
        }
    }

    /// States a submitter may claim: ready for (re)proving, simulation and submission.
    pub const CLAIMABLE: [Self; 4] =
        [Self::RootImported, Self::ProofBuilt, Self::Simulated, Self::Retrying];
}

impl fmt::Display for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A state name that is not one of [`MessageState::ALL`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown message state {0:?} (one of: discovered, batch_executed, root_imported, proof_built, simulated, submitted, confirmed, held, retrying, withdrawal)"
)]
pub struct UnknownState(pub String);

impl FromStr for MessageState {
    type Err = UnknownState;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| UnknownState(s.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in MessageState::ALL {
            assert_eq!(state.as_str().parse::<MessageState>().unwrap(), state);
        }
        assert!("nope".parse::<MessageState>().is_err());
    }
}
