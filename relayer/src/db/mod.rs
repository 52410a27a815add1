//! Persistent relayer state on SQLite (default) or PostgreSQL (several instances), through
//! sqlx's `Any` driver with embedded migrations and runtime queries only.
//!
//! Work is split between instances by claims: a submitter claims messages of one destination with
//! a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), and every transition
//! out of `submitted` is guarded by the transaction hash, so no message is submitted by two
//! instances and a stale instance cannot undo another's progress.

use std::str::FromStr;

use alloy::primitives::{Address, B256, Bytes, U256};
use sqlx::{
    AnyPool, Row,
    any::{AnyPoolOptions, AnyRow},
};

use crate::{abi::Message, state::MessageState};

mod cursors;
mod imported_roots;
mod leaves;
mod messages;
mod submissions;
#[cfg(test)]
mod tests;

/// A database failure, with what the relayer was doing.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Could not open or reach the database.
    #[error("cannot connect to database {url}: {source}")]
    Connect {
        /// URL without password.
        url: String,
        /// Driver error.
        source: sqlx::Error,
    },
    /// Migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// A stored value is not what the relayer wrote.
    #[error("corrupt database row: {0}")]
    Corrupt(String),
}

type Result<T, E = DbError> = std::result::Result<T, E>;

/// Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// A message with its relayer bookkeeping.
#[derive(Clone, Debug)]
pub struct MessageRow {
    /// `message.hash()`.
    pub hash: B256,
    /// The message as the outbox emitted it.
    pub message: Message,
    /// Current state.
    pub state: MessageState,
    /// Why it is held / retrying.
    pub reason: Option<String>,
    /// Source batch.
    pub batch_number: Option<u64>,
    /// Source batch's leaf index in the Transaction Root tree.
    pub leaf_index: Option<u64>,
    /// Transaction Root the proof is against.
    pub root: Option<B256>,
    /// Its leaf count.
    pub root_leaf_count: Option<u64>,
    /// `RelayProof` as JSON.
    pub proof: Option<String>,
    /// Delivery transaction.
    pub tx_hash: Option<B256>,
    /// Failed simulations so far.
    pub attempts: u32,
    /// When first seen (unix ms).
    pub discovered_at: i64,
    /// When confirmed (unix ms).
    pub confirmed_at: Option<i64>,
    /// Fee paid to this relayer, wei.
    pub fee_earned: Option<U256>,
}

impl MessageRow {
    /// The message and its relayer state as JSON: the admin `messages --json` list and the
    /// HTTP `GET /v1/messages/0x<hash>` answer.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "hash": self.hash,
            "state": self.state.as_str(),
            "reason": self.reason,
            "sourceChainId": self.message.sourceChainId,
            "destinationChainId": self.message.destinationChainId,
            "nonce": self.message.nonce,
            "sender": self.message.sender,
            "recipient": self.message.recipient,
            "value": self.message.value.to_string(),
            "fee": self.message.fee.to_string(),
            "batchNumber": self.batch_number,
            "transactionRoot": self.root,
            "txHash": self.tx_hash,
            "attempts": self.attempts,
            "feeEarned": self.fee_earned.map(|f| f.to_string()),
            "discoveredAt": self.discovered_at,
            "confirmedAt": self.confirmed_at,
        })
    }
}

/// A Transaction Root leaf (one executed batch) as the relayer stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafRow {
    /// Position in the Transaction Root tree.
    pub leaf_index: u64,
    /// Root after appending it.
    pub root: B256,
    /// Source chain.
    pub chain_id: u64,
    /// Batch number.
    pub batch_number: u64,
    /// The leaf.
    pub leaf: B256,
    /// Batch state root.
    pub state_root: B256,
    /// Batch messages root.
    pub messages_root: B256,
    /// L1 block of the event.
    pub l1_block: u64,
    /// Its hash (reorg detection).
    pub l1_block_hash: B256,
    /// First outbox nonce of the batch, once matched.
    pub first_nonce: Option<u64>,
    /// Messages in the batch, once matched.
    pub message_count: Option<u64>,
}

/// A signed delivery transaction.
#[derive(Clone, Debug)]
pub struct SubmissionRow {
    /// Transaction hash.
    pub tx_hash: B256,
    /// Destination chain.
    pub chain_id: u64,
    /// The address that signed the transaction (this or another instance's signer).
    pub signer: Address,
    /// Its nonce on the destination chain.
    pub nonce: u64,
    /// EIP-2718 encoded signed transaction.
    pub raw_tx: Bytes,
    /// Status: pending, confirmed, failed, dropped.
    pub status: String,
    /// Creation time (unix ms).
    pub created_at: i64,
    /// Last change (unix ms).
    pub updated_at: i64,
}

/// The database handle.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    postgres: bool,
}

fn hex(b: impl AsRef<[u8]>) -> String {
    alloy::hex::encode_prefixed(b)
}

fn parse<T: FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse::<T>().map_err(|_| DbError::Corrupt(format!("{what}: {s:?}")))
}

fn to_i64(v: u64) -> i64 {
    v.min(i64::MAX as u64) as i64
}

fn opt_u64(row: &AnyRow, col: &str) -> Result<Option<u64>> {
    Ok(row.try_get::<Option<i64>, _>(col)?.map(|v| v as u64))
}

fn opt_b256(row: &AnyRow, col: &str) -> Result<Option<B256>> {
    row.try_get::<Option<String>, _>(col)?.map(|s| parse::<B256>(&s, col)).transpose()
}

const MESSAGE_COLS: &str = "hash, source_chain_id, destination_chain_id, nonce, sender, recipient, \
    value, fee, payload, state, reason, batch_number, leaf_index, root, root_leaf_count, proof, \
    tx_hash, attempts, discovered_at, confirmed_at, fee_earned";

fn message_row(row: &AnyRow) -> Result<MessageRow> {
    let message = Message {
        sourceChainId: U256::from(row.try_get::<i64, _>("source_chain_id")? as u64),
        destinationChainId: U256::from(row.try_get::<i64, _>("destination_chain_id")? as u64),
        nonce: U256::from(row.try_get::<i64, _>("nonce")? as u64),
        sender: parse(&row.try_get::<String, _>("sender")?, "sender")?,
        recipient: parse(&row.try_get::<String, _>("recipient")?, "recipient")?,
        value: parse(&row.try_get::<String, _>("value")?, "value")?,
        fee: parse(&row.try_get::<String, _>("fee")?, "fee")?,
        payload: parse(&row.try_get::<String, _>("payload")?, "payload")?,
    };
    Ok(MessageRow {
        hash: parse(&row.try_get::<String, _>("hash")?, "hash")?,
        message,
        state: parse(&row.try_get::<String, _>("state")?, "state")?,
        reason: row.try_get("reason")?,
        batch_number: opt_u64(row, "batch_number")?,
        leaf_index: opt_u64(row, "leaf_index")?,
        root: opt_b256(row, "root")?,
        root_leaf_count: opt_u64(row, "root_leaf_count")?,
        proof: row.try_get("proof")?,
        tx_hash: opt_b256(row, "tx_hash")?,
        attempts: row.try_get::<i64, _>("attempts")? as u32,
        discovered_at: row.try_get("discovered_at")?,
        confirmed_at: row.try_get("confirmed_at")?,
        fee_earned: row
            .try_get::<Option<String>, _>("fee_earned")?
            .map(|s| parse::<U256>(&s, "fee_earned"))
            .transpose()?,
    })
}

fn leaf_row(row: &AnyRow) -> Result<LeafRow> {
    Ok(LeafRow {
        leaf_index: row.try_get::<i64, _>("leaf_index")? as u64,
        root: parse(&row.try_get::<String, _>("root")?, "root")?,
        chain_id: row.try_get::<i64, _>("chain_id")? as u64,
        batch_number: row.try_get::<i64, _>("batch_number")? as u64,
        leaf: parse(&row.try_get::<String, _>("leaf")?, "leaf")?,
        state_root: parse(&row.try_get::<String, _>("state_root")?, "state_root")?,
        messages_root: parse(&row.try_get::<String, _>("messages_root")?, "messages_root")?,
        l1_block: row.try_get::<i64, _>("l1_block")? as u64,
        l1_block_hash: parse(&row.try_get::<String, _>("l1_block_hash")?, "l1_block_hash")?,
        first_nonce: opt_u64(row, "first_nonce")?,
        message_count: opt_u64(row, "message_count")?,
    })
}

fn submission_row(row: &AnyRow) -> Result<SubmissionRow> {
    Ok(SubmissionRow {
        tx_hash: parse(&row.try_get::<String, _>("tx_hash")?, "tx_hash")?,
        chain_id: row.try_get::<i64, _>("chain_id")? as u64,
        signer: parse(&row.try_get::<String, _>("signer")?, "signer")?,
        nonce: row.try_get::<i64, _>("nonce")? as u64,
        raw_tx: parse(&row.try_get::<String, _>("raw_tx")?, "raw_tx")?,
        status: row.try_get("status")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// A newly seen outbox message.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// The message.
    pub message: Message,
    /// Initial state (discovered, withdrawal or held).
    pub state: MessageState,
    /// Reason when held.
    pub reason: Option<String>,
    /// Source block.
    pub block: u64,
}

impl Store {
    /// Opens (creating a SQLite file when needed) and migrates.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let postgres = url.starts_with("postgres");
        let mut full = url.to_string();
        if !postgres && !full.contains('?') && !full.contains(":memory:") {
            full.push_str("?mode=rwc");
        }
        let redacted = redact(url);
        let mut options = AnyPoolOptions::new()
            .max_connections(if postgres { 8 } else { 1 })
            .acquire_timeout(std::time::Duration::from_secs(30));
        if !postgres {
            options = options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    Ok(())
                })
            });
        }
        let pool = options
            .connect(&full)
            .await
            .map_err(|source| DbError::Connect { url: redacted, source })?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, postgres })
    }

    /// Whether this is PostgreSQL (shared by several instances).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }
}

impl Store {
    /// Test helper: `chain_id` imported `root` (a stored leaf's root) and its `batch_executed`
    /// messages move to `root_imported`.
    #[doc(hidden)]
    pub async fn imported_and_promote_for_test(&self, chain_id: u64, root: B256) {
        let _ = self.insert_imported_roots(chain_id, &[(root, 1)]).await;
        if let Ok(Some((root, count))) = self.best_imported_root(chain_id).await {
            let _ = self.promote_root_imported(chain_id, root, count).await;
        }
    }
}

fn u256_i64(v: U256) -> i64 {
    u64::try_from(v).map(to_i64).unwrap_or(i64::MAX)
}

/// URL with any password replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => {
                    format!("{}{}:***{}", &url[..scheme + 3], &creds[..colon], &url[at..])
                }
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
