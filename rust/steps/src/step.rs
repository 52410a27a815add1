//! The 7 steps of a hyperbridge message, numbered and worded as in the README's step table.

use serde::{Serialize, Serializer};
use std::fmt;

/// One step of a hyperbridge message (README, "The 7 hyperbridge steps").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HyperbridgeStep {
    /// `Outbox.sendMessage` on the source chain: the message joins its batch's messages tree.
    Sent,
    /// The source batch holding the message is executed on L1 (`BatchExecuted`).
    SourceBatchSettled,
    /// That batch's leaf is appended to the Transaction Root (`TransactionRootUpdated`).
    InTransactionRoot,
    /// The destination imported a Transaction Root covering that leaf (`TransactionRootImported`).
    ImportedByDestination,
    /// A relayer delivered the message with its Merkle proof (`Inbox.relay` / `relayBatch`).
    Relayed,
    /// The destination verified and executed it and paid the relayer (`MessageRelayed`).
    Executed,
    /// The destination batch with the delivery is executed on L1, which checked each root the
    /// batch imported was a Transaction Root.
    DestinationBatchSettled,
}

impl HyperbridgeStep {
    /// Every step, in order.
    pub const ALL: [Self; 7] = [
        Self::Sent,
        Self::SourceBatchSettled,
        Self::InTransactionRoot,
        Self::ImportedByDestination,
        Self::Relayed,
        Self::Executed,
        Self::DestinationBatchSettled,
    ];

    /// 1..=7, the README's numbering.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    /// The step numbered `n` (1..=7).
    pub fn from_number(n: u8) -> Option<Self> {
        Self::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }

    /// The step after this one (`None` after step 7).
    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    /// The README's words for the step.
    pub fn words(self) -> &'static str {
        match self {
            Self::Sent => "sent on the source chain",
            Self::SourceBatchSettled => "source batch settled on L1",
            Self::InTransactionRoot => "in the Transaction Root",
            Self::ImportedByDestination => "imported by the destination",
            Self::Relayed => "relayed with its Merkle proof",
            Self::Executed => "executed on the destination, relayer paid",
            Self::DestinationBatchSettled => {
                "destination batch settled on L1, imported roots checked"
            }
        }
    }
}

impl fmt::Display for HyperbridgeStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/7 {}", self.number(), self.words())
    }
}

/// Serialized as its number (`"step": 3`); the words travel next to it where shown.
impl Serialize for HyperbridgeStep {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_run_one_to_seven_in_order_and_round_trip() {
        for (i, step) in HyperbridgeStep::ALL.iter().enumerate() {
            assert_eq!(usize::from(step.number()), i + 1);
            assert_eq!(HyperbridgeStep::from_number(step.number()), Some(*step));
        }
        assert_eq!(HyperbridgeStep::from_number(0), None);
        assert_eq!(HyperbridgeStep::from_number(8), None);
        assert_eq!(HyperbridgeStep::DestinationBatchSettled.next(), None);
        assert_eq!(HyperbridgeStep::Sent.next(), Some(HyperbridgeStep::SourceBatchSettled));
        assert_eq!(HyperbridgeStep::InTransactionRoot.to_string(), "3/7 in the Transaction Root");
        assert_eq!(serde_json::to_string(&HyperbridgeStep::Executed).unwrap(), "6");
    }
}
