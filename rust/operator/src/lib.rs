//! The operator of one hyperchain (one per chain, a library: the `hyperchain` CLI runs it
//! in-process).
//!
//! Each [`Operator::tick`]:
//! 1. delivers the L1 priority requests (deposits, forced calls, forced Transaction Root imports)
//!    its L2 inbox has not executed, in nonce order, as SYSTEM_CALLER transactions
//!    (`Inbox.executePriorityRequest`) whose gas is sized from each request's own L2 gas limit;
//! 2. imports L1's newest Transaction Root into the L2 inbox (`importTransactionRoot`); once the
//!    chain rage-quit (`hasLeft()`), only the root it had when it left (`leftAtLeafCount()`
//!    leaves), the newest its batches may import: it keeps settling on its pinned version so its
//!    users' withdrawals still reach L1;
//! 3. seals the pending L2 blocks into a batch per [`SealPolicy`], fixing its CommitBatchInfo and
//!    DA input in the database before anything is sent;
//! 4. settles every sealed batch on L1 in one `settleBatch` transaction (commit + prove with the
//!    attestation k of the configured attester services signed + execute), recording the mined
//!    transaction; a batch found already committed goes through `proveBatch` → `executeBatch`.
//!
//! Progress lives in SQLite ([`Store`]); on start [`Operator::new`] reconciles it with L1's
//! counters, so a `kill -9` at any point neither commits a batch twice nor skips one, and a lost
//! database is rebuilt from L1's `commitBatch`/`settleBatch` calldata. Errors name the step and the decoded L1
//! custom error, e.g. `batch 3 rejected by L1 at settleBatch: UnknownTransactionRoot(0x…)`.
//!
//! Batch proofs are attestations (k-of-n signatures over the batch public input), not ZK proofs.

pub mod batch;
mod error;
mod operator;
pub mod reconstruct;
mod store;

pub use error::{BoxError, OperatorError, decode_revert, decode_revert_data};
pub use operator::{DaMode, L1Counters, Operator, OperatorConfig, SealPolicy, TickReport};
pub use store::{BatchRecord, BatchState, Store};
