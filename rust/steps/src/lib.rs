//! Which of the 7 hyperbridge steps (the README's step table) a message is in, with the
//! transaction and time of each step reached — from public chain data only: the chains' outbox,
//! inbox and block headers and L1's settlement and Transaction Root events. No operator database
//! and no relayer bookkeeping: anyone with the RPC URLs gets the same answer. The CLI (`send
//! --wait`, `status`, `withdraw`, `proof`), the portal and the end-to-end tests all use this one
//! implementation.

mod error;
mod locate;
mod step;
mod track;

pub use error::StepsError;
pub use locate::{Located, Settled, executed_batches, locate, outbox_messages};
pub use step::HyperbridgeStep;
pub use track::{Chain, Network, Reached, Sent, Track, TxAt, find, track};
