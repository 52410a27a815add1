//! The Hyperchains relayer: carries hyperbridge messages from each hyperchain's outbox to their
//! destination inbox with a Merkle proof against an imported Transaction Root (hyperbridge steps 5–6, README),
//! and is paid the message's fee on delivery.
//!
//! Every message moves through explicit states ([`state::MessageState`]) persisted in SQLite or
//! PostgreSQL ([`db::Store`]) before each transition, so the daemon can be killed at any moment
//! and resume without losing or duplicating a delivery.

pub mod abi;
pub mod check;
pub mod config;
pub mod db;
pub mod metrics;
pub mod nonce;
pub mod relayer;
pub mod state;
