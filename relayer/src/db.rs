//! Persistent relayer state on SQLite (default) or PostgreSQL (several instances), through
//! sqlx's `Any` driver with embedded migrations and runtime queries only.
//!
//! Work is split between instances by claims: a submitter claims messages of one destination with
//! a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer), and every transition
//! out of `submitted` is guarded by the transaction hash, so no message is submitted by two
//! instances and a stale instance cannot undo another's progress.

use std::{collections::HashMap, str::FromStr};

use alloy::primitives::{Address, B256, Bytes, U256};
use sqlx::{
    AnyPool, Row,
    any::{AnyPoolOptions, AnyRow},
};

use crate::{abi::Message, state::MessageState};

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

    // ---------------------------------------------------------------- cursors

    /// Last block indexed by scanner `name`.
    pub async fn cursor(&self, name: &str) -> Result<Option<u64>> {
        let row = sqlx::query("SELECT block FROM cursors WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get::<i64, _>("block")).transpose()?.map(|b| b as u64))
    }

    /// Moves scanner `name` forward to `block` (never backwards; see [`Self::reset_cursor`]).
    pub async fn advance_cursor(&self, name: &str, block: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cursors (name, block) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE \
             SET block = excluded.block WHERE cursors.block < excluded.block",
        )
        .bind(name)
        .bind(to_i64(block))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets scanner `name` to `block` (after an L1 reorg).
    pub async fn reset_cursor(&self, name: &str, block: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO cursors (name, block) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE \
             SET block = excluded.block",
        )
        .bind(name)
        .bind(to_i64(block))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---------------------------------------------------------------- messages

    /// Records newly seen messages (idempotent: a known hash is left as it is).
    pub async fn insert_messages(&self, messages: &[NewMessage]) -> Result<u64> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let mut inserted = 0;
        for m in messages {
            let msg = &m.message;
            let r = sqlx::query(
                "INSERT INTO messages (hash, source_chain_id, destination_chain_id, nonce, sender, \
                 recipient, value, fee, payload, source_block, state, reason, discovered_at, \
                 updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(hex(msg.hash()))
            .bind(u256_i64(msg.sourceChainId))
            .bind(u256_i64(msg.destinationChainId))
            .bind(u256_i64(msg.nonce))
            .bind(msg.sender.to_string())
            .bind(msg.recipient.to_string())
            .bind(msg.value.to_string())
            .bind(msg.fee.to_string())
            .bind(hex(&msg.payload))
            .bind(to_i64(m.block))
            .bind(m.state.as_str())
            .bind(m.reason.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            inserted += r.rows_affected();
        }
        tx.commit().await?;
        Ok(inserted)
    }

    /// One message.
    pub async fn message(&self, hash: B256) -> Result<Option<MessageRow>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE hash = $1"
        )))
        .bind(hex(hash))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(message_row).transpose()
    }

    /// Messages, optionally in one state, oldest first.
    pub async fn list_messages(
        &self,
        state: Option<MessageState>,
        limit: u64,
    ) -> Result<Vec<MessageRow>> {
        let rows = match state {
            Some(s) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLS} FROM messages WHERE state = $1 \
                     ORDER BY discovered_at, source_chain_id, nonce LIMIT $2"
                )))
                .bind(s.as_str())
                .bind(to_i64(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {MESSAGE_COLS} FROM messages \
                     ORDER BY discovered_at, source_chain_id, nonce LIMIT $1"
                )))
                .bind(to_i64(limit))
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(message_row).collect()
    }

    /// Outbox messages of `chain_id` from nonce `from`, in nonce order (at most `limit`).
    pub async fn messages_from_nonce(
        &self,
        chain_id: u64,
        from: u64,
        limit: u64,
    ) -> Result<Vec<(u64, B256)>> {
        let rows = sqlx::query(
            "SELECT nonce, hash FROM messages WHERE source_chain_id = $1 AND nonce >= $2 \
             ORDER BY nonce LIMIT $3",
        )
        .bind(to_i64(chain_id))
        .bind(to_i64(from))
        .bind(to_i64(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("nonce")? as u64,
                    parse(&r.try_get::<String, _>("hash")?, "hash")?,
                ))
            })
            .collect()
    }

    /// Message hashes of a batch (nonces `first..first+count` of `chain_id`), in nonce order.
    pub async fn batch_message_hashes(
        &self,
        chain_id: u64,
        first: u64,
        count: u64,
    ) -> Result<Vec<B256>> {
        let rows = sqlx::query(
            "SELECT hash FROM messages WHERE source_chain_id = $1 AND nonce >= $2 AND nonce < $3 \
             ORDER BY nonce",
        )
        .bind(to_i64(chain_id))
        .bind(to_i64(first))
        .bind(to_i64(first + count))
        .fetch_all(&self.pool)
        .await?;
        let hashes: Vec<B256> = rows
            .iter()
            .map(|r| parse(&r.try_get::<String, _>("hash")?, "hash"))
            .collect::<Result<_>>()?;
        if hashes.len() as u64 != count {
            return Err(DbError::Corrupt(format!(
                "batch of chain {chain_id} from nonce {first}: {} of {count} messages stored",
                hashes.len()
            )));
        }
        Ok(hashes)
    }

    /// Marks nonces `first..first+count` of `chain_id` as sent in `leaf`'s batch; `discovered`
    /// ones become `batch_executed`. Records the match on the leaf.
    pub async fn assign_batch(&self, leaf: &LeafRow, first: u64, count: u64) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE messages SET batch_number = $1, leaf_index = $2, updated_at = $3, \
             state = CASE WHEN state = 'discovered' THEN 'batch_executed' ELSE state END \
             WHERE source_chain_id = $4 AND nonce >= $5 AND nonce < $6",
        )
        .bind(to_i64(leaf.batch_number))
        .bind(to_i64(leaf.leaf_index))
        .bind(now)
        .bind(to_i64(leaf.chain_id))
        .bind(to_i64(first))
        .bind(to_i64(first + count))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE leaves SET first_nonce = $1, message_count = $2 WHERE leaf_index = $3")
            .bind(to_i64(first))
            .bind(to_i64(count))
            .bind(to_i64(leaf.leaf_index))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// `batch_executed` messages to `destination` whose batch leaf is below `leaf_count` become
    /// `root_imported` against `root`. Returns how many moved.
    pub async fn promote_root_imported(
        &self,
        destination: u64,
        root: B256,
        leaf_count: u64,
    ) -> Result<u64> {
        let r = sqlx::query(
            "UPDATE messages SET state = 'root_imported', root = $1, root_leaf_count = $2, \
             updated_at = $3 WHERE destination_chain_id = $4 AND state = 'batch_executed' \
             AND leaf_index < $2",
        )
        .bind(hex(root))
        .bind(to_i64(leaf_count))
        .bind(now_ms())
        .bind(to_i64(destination))
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Claims up to `limit` messages to `destination` ready for delivery, for `lease_ms`.
    /// A message is claimable when its lease expired or this instance holds it (a restarted
    /// instance resumes its own claims at once).
    pub async fn claim_ready(
        &self,
        destination: u64,
        instance: &str,
        limit: usize,
        lease_ms: u64,
    ) -> Result<Vec<MessageRow>> {
        let now = now_ms();
        let lock = if self.postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE messages SET claimed_by = $1, lease_until = $2 WHERE hash IN (\
               SELECT hash FROM messages WHERE destination_chain_id = $3 \
               AND state IN ('root_imported', 'proof_built', 'simulated', 'retrying') \
               AND next_attempt_at <= $4 AND (lease_until <= $4 OR claimed_by = $1) \
               ORDER BY source_chain_id, nonce LIMIT $5 {lock}) \
             RETURNING {MESSAGE_COLS}"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(instance)
            .bind(now + lease_ms as i64)
            .bind(to_i64(destination))
            .bind(now)
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<MessageRow> = rows.iter().map(message_row).collect::<Result<_>>()?;
        out.sort_by_key(|m| (m.message.sourceChainId, m.message.nonce));
        Ok(out)
    }

    /// Stores built proofs (`proof_built`) for messages this instance holds.
    pub async fn set_proofs(&self, instance: &str, proofs: &[(B256, String)]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        for (hash, proof) in proofs {
            sqlx::query(
                "UPDATE messages SET state = 'proof_built', proof = $1, updated_at = $2 \
                 WHERE hash = $3 AND claimed_by = $4 AND state IN \
                 ('root_imported', 'proof_built', 'simulated', 'retrying')",
            )
            .bind(proof)
            .bind(now)
            .bind(hex(hash))
            .bind(instance)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Moves claimed messages from a pre-submission state to `state` (simulated, held, ...).
    pub async fn set_claimed_state(
        &self,
        instance: &str,
        hashes: &[B256],
        state: MessageState,
        reason: Option<&str>,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        for hash in hashes {
            sqlx::query(
                "UPDATE messages SET state = $1, reason = $2, updated_at = $3 \
                 WHERE hash = $4 AND claimed_by = $5 AND state IN \
                 ('root_imported', 'proof_built', 'simulated', 'retrying')",
            )
            .bind(state.as_str())
            .bind(reason)
            .bind(now)
            .bind(hex(hash))
            .bind(instance)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A claimed message whose simulation reverted: `retrying` until `next_attempt_at`, or
    /// `held` when `hold` (too many attempts).
    pub async fn set_retry(
        &self,
        instance: &str,
        hash: B256,
        reason: &str,
        next_attempt_at: i64,
        hold: bool,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE messages SET state = $1, reason = $2, attempts = attempts + 1, \
             next_attempt_at = $3, updated_at = $4, lease_until = 0 WHERE hash = $5 \
             AND claimed_by = $6 AND state IN ('root_imported', 'proof_built', 'simulated', \
             'retrying')",
        )
        .bind(if hold { "held" } else { "retrying" })
        .bind(reason)
        .bind(next_attempt_at)
        .bind(now_ms())
        .bind(hex(hash))
        .bind(instance)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A claimed message whose Transaction Root is not usable: back to `batch_executed` (or
    /// `discovered` when its batch is gone too).
    pub async fn reset_root(&self, hashes: &[B256], reason: &str) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        for hash in hashes {
            sqlx::query(
                "UPDATE messages SET state = 'batch_executed', root = NULL, root_leaf_count = NULL, \
                 proof = NULL, reason = $1, updated_at = $2, lease_until = 0 WHERE hash = $3 \
                 AND state IN ('root_imported', 'proof_built', 'simulated', 'retrying')",
            )
            .bind(reason)
            .bind(now)
            .bind(hex(hash))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Persists a signed delivery transaction and moves its messages to `submitted`, atomically,
    /// only if this instance still holds every one of them. Returns false (and changes nothing)
    /// when a claim was lost.
    pub async fn record_submission(
        &self,
        instance: &str,
        submission: &SubmissionRow,
        hashes: &[B256],
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let mut moved = 0;
        for hash in hashes {
            let r = sqlx::query(
                "UPDATE messages SET state = 'submitted', tx_hash = $1, updated_at = $2 \
                 WHERE hash = $3 AND claimed_by = $4 AND state IN ('simulated', 'proof_built')",
            )
            .bind(hex(submission.tx_hash))
            .bind(now)
            .bind(hex(hash))
            .bind(instance)
            .execute(&mut *tx)
            .await?;
            moved += r.rows_affected();
        }
        if moved != hashes.len() as u64 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO submissions (tx_hash, chain_id, signer, nonce, raw_tx, message_count, \
             status, instance, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'pending',$7,$8,$8)",
        )
        .bind(hex(submission.tx_hash))
        .bind(to_i64(submission.chain_id))
        .bind(submission.signer.to_string())
        .bind(to_i64(submission.nonce))
        .bind(hex(&submission.raw_tx))
        .bind(hashes.len() as i64)
        .bind(instance)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Pending submissions to `chain_id`, oldest nonce first.
    pub async fn pending_submissions(&self, chain_id: u64) -> Result<Vec<SubmissionRow>> {
        let rows = sqlx::query(
            "SELECT * FROM submissions WHERE chain_id = $1 AND status = 'pending' \
             ORDER BY created_at, nonce",
        )
        .bind(to_i64(chain_id))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(submission_row).collect()
    }

    /// Messages carried by a submission.
    pub async fn submission_messages(&self, tx_hash: B256) -> Result<Vec<MessageRow>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MESSAGE_COLS} FROM messages WHERE tx_hash = $1 AND state = 'submitted'"
        )))
        .bind(hex(tx_hash))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_row).collect()
    }

    /// Touches a pending submission (rebroadcast).
    pub async fn touch_submission(&self, tx_hash: B256) -> Result<()> {
        sqlx::query("UPDATE submissions SET updated_at = $1 WHERE tx_hash = $2")
            .bind(now_ms())
            .bind(hex(tx_hash))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Settles a submission: `delivered` messages (hash → fee this relayer earned) become
    /// `confirmed`; the others carried by it go back to `root_imported` to be retried. Returns
    /// the confirmed rows (for latency metrics).
    pub async fn settle_submission(
        &self,
        tx_hash: B256,
        status: &str,
        delivered: &HashMap<B256, U256>,
        requeue_reason: Option<&str>,
    ) -> Result<Vec<MessageRow>> {
        let now = now_ms();
        let carried = self.submission_messages(tx_hash).await?;
        let mut tx = self.pool.begin().await?;
        let mut confirmed = Vec::new();
        for m in carried {
            if let Some(fee) = delivered.get(&m.hash) {
                let r = sqlx::query(
                    "UPDATE messages SET state = 'confirmed', fee_earned = $1, confirmed_at = $2, \
                     updated_at = $2, reason = NULL WHERE hash = $3 AND tx_hash = $4 \
                     AND state = 'submitted'",
                )
                .bind(fee.to_string())
                .bind(now)
                .bind(hex(m.hash))
                .bind(hex(tx_hash))
                .execute(&mut *tx)
                .await?;
                if r.rows_affected() == 1 {
                    confirmed.push(MessageRow {
                        state: MessageState::Confirmed,
                        confirmed_at: Some(now),
                        fee_earned: Some(*fee),
                        ..m
                    });
                }
            } else {
                sqlx::query(
                    "UPDATE messages SET state = 'root_imported', tx_hash = NULL, proof = NULL, \
                     reason = $1, lease_until = 0, updated_at = $2 WHERE hash = $3 \
                     AND tx_hash = $4 AND state = 'submitted'",
                )
                .bind(requeue_reason)
                .bind(now)
                .bind(hex(m.hash))
                .bind(hex(tx_hash))
                .execute(&mut *tx)
                .await?;
            }
        }
        sqlx::query("UPDATE submissions SET status = $1, updated_at = $2 WHERE tx_hash = $3")
            .bind(status)
            .bind(now)
            .bind(hex(tx_hash))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(confirmed)
    }

    /// Settles a delivery transaction that reverted on chain: each message it carried gets one
    /// more attempt and goes to `retrying` until `backoff(attempts)` has passed, or to `held`
    /// with `reason` once `max_attempts` is reached. Without this a message that passes
    /// simulation and reverts on chain would take its whole batch down on every poll. Returns the
    /// messages as updated.
    pub async fn fail_submission(
        &self,
        tx_hash: B256,
        reason: &str,
        max_attempts: u32,
        backoff: impl Fn(u32) -> std::time::Duration,
    ) -> Result<Vec<MessageRow>> {
        let now = now_ms();
        let carried = self.submission_messages(tx_hash).await?;
        let mut tx = self.pool.begin().await?;
        let mut updated = Vec::new();
        for m in carried {
            let attempts = m.attempts + 1;
            let state =
                if attempts >= max_attempts { MessageState::Held } else { MessageState::Retrying };
            let next_attempt_at = now + backoff(attempts).as_millis() as i64;
            let text = match state {
                MessageState::Held => {
                    format!("{reason} ({attempts} attempts; `retry` to try again)")
                }
                _ => format!("{reason} (attempt {attempts}, retrying alone)"),
            };
            let r = sqlx::query(
                "UPDATE messages SET state = $1, tx_hash = NULL, proof = NULL, reason = $2, \
                 attempts = $3, next_attempt_at = $4, lease_until = 0, updated_at = $5 \
                 WHERE hash = $6 AND tx_hash = $7 AND state = 'submitted'",
            )
            .bind(state.as_str())
            .bind(&text)
            .bind(i64::from(attempts))
            .bind(next_attempt_at)
            .bind(now)
            .bind(hex(m.hash))
            .bind(hex(tx_hash))
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() == 1 {
                updated.push(MessageRow { state, attempts, reason: Some(text), ..m });
            }
        }
        sqlx::query("UPDATE submissions SET status = 'failed', updated_at = $1 WHERE tx_hash = $2")
            .bind(now)
            .bind(hex(tx_hash))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Marks claimed messages found already delivered (by anyone) as confirmed, fee 0.
    pub async fn confirm_already_delivered(&self, hashes: &[B256]) -> Result<u64> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let mut n = 0;
        for hash in hashes {
            let r = sqlx::query(
                "UPDATE messages SET state = 'confirmed', fee_earned = '0', confirmed_at = $1, \
                 updated_at = $1, reason = 'already delivered' WHERE hash = $2 AND state IN \
                 ('root_imported', 'proof_built', 'simulated', 'retrying')",
            )
            .bind(now)
            .bind(hex(hash))
            .execute(&mut *tx)
            .await?;
            n += r.rows_affected();
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Admin `retry`: a held or retrying message goes back to the start of delivery.
    pub async fn retry(&self, hash: B256) -> Result<Option<MessageState>> {
        let Some(m) = self.message(hash).await? else { return Ok(None) };
        let target = if m.root.is_some() {
            "root_imported"
        } else if m.leaf_index.is_some() {
            "batch_executed"
        } else {
            "discovered"
        };
        sqlx::query(
            "UPDATE messages SET state = $1, attempts = 0, next_attempt_at = 0, lease_until = 0, \
             reason = 'retry requested', updated_at = $2 WHERE hash = $3 \
             AND state IN ('held', 'retrying')",
        )
        .bind(target)
        .bind(now_ms())
        .bind(hex(hash))
        .execute(&self.pool)
        .await?;
        Ok(self.message(hash).await?.map(|m| m.state))
    }

    /// Message counts per (destination chain, state).
    pub async fn counts(&self) -> Result<Vec<(u64, MessageState, u64)>> {
        let rows = sqlx::query(
            "SELECT destination_chain_id, state, COUNT(*) AS n FROM messages \
             GROUP BY destination_chain_id, state",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<i64, _>("destination_chain_id")? as u64,
                    parse(&r.try_get::<String, _>("state")?, "state")?,
                    r.try_get::<i64, _>("n")? as u64,
                ))
            })
            .collect()
    }

    // ---------------------------------------------------------------- L1 leaves

    /// Stores Transaction Root leaves (idempotent).
    pub async fn insert_leaves(&self, leaves: &[LeafRow]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for l in leaves {
            sqlx::query(
                "INSERT INTO leaves (leaf_index, root, chain_id, batch_number, leaf, state_root, \
                 messages_root, l1_block, l1_block_hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(to_i64(l.leaf_index))
            .bind(hex(l.root))
            .bind(to_i64(l.chain_id))
            .bind(to_i64(l.batch_number))
            .bind(hex(l.leaf))
            .bind(hex(l.state_root))
            .bind(hex(l.messages_root))
            .bind(to_i64(l.l1_block))
            .bind(hex(l.l1_block_hash))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored leaf with the highest index.
    pub async fn last_leaf(&self) -> Result<Option<LeafRow>> {
        let row = sqlx::query("SELECT * FROM leaves ORDER BY leaf_index DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(leaf_row).transpose()
    }

    /// Leaf at `index`.
    pub async fn leaf(&self, index: u64) -> Result<Option<LeafRow>> {
        let row = sqlx::query("SELECT * FROM leaves WHERE leaf_index = $1")
            .bind(to_i64(index))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(leaf_row).transpose()
    }

    /// The first `count` leaves, in order (for the Transaction Root tree).
    pub async fn leaf_hashes(&self, count: u64) -> Result<Vec<B256>> {
        let rows = sqlx::query("SELECT leaf FROM leaves WHERE leaf_index < $1 ORDER BY leaf_index")
            .bind(to_i64(count))
            .fetch_all(&self.pool)
            .await?;
        let leaves: Vec<B256> = rows
            .iter()
            .map(|r| parse(&r.try_get::<String, _>("leaf")?, "leaf"))
            .collect::<Result<_>>()?;
        if leaves.len() as u64 != count {
            return Err(DbError::Corrupt(format!(
                "{} of {count} Transaction Root leaves stored",
                leaves.len()
            )));
        }
        Ok(leaves)
    }

    /// `chain_id`'s executed batches not yet matched to outbox nonces, by batch number, with
    /// the next nonce to match from.
    pub async fn unmatched_batches(&self, chain_id: u64) -> Result<(u64, Vec<LeafRow>)> {
        let matched = sqlx::query(
            "SELECT first_nonce, message_count FROM leaves WHERE chain_id = $1 \
             AND message_count IS NOT NULL ORDER BY batch_number DESC LIMIT 1",
        )
        .bind(to_i64(chain_id))
        .fetch_optional(&self.pool)
        .await?;
        let next_nonce = match matched {
            Some(r) => {
                (r.try_get::<i64, _>("first_nonce")? + r.try_get::<i64, _>("message_count")?) as u64
            }
            None => 0,
        };
        let rows = sqlx::query(
            "SELECT * FROM leaves WHERE chain_id = $1 AND message_count IS NULL \
             ORDER BY batch_number",
        )
        .bind(to_i64(chain_id))
        .fetch_all(&self.pool)
        .await?;
        Ok((next_nonce, rows.iter().map(leaf_row).collect::<Result<_>>()?))
    }

    /// Leaves stored from L1 block `from` on, newest last (reorg checks).
    pub async fn leaves_since_block(&self, from: u64) -> Result<Vec<LeafRow>> {
        let rows = sqlx::query("SELECT * FROM leaves WHERE l1_block >= $1 ORDER BY leaf_index")
            .bind(to_i64(from))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(leaf_row).collect()
    }

    /// After an L1 reorg: drops leaves from `from_index` on, and moves messages that depended on
    /// them back (batch gone → `discovered`; only the root gone → `batch_executed`).
    pub async fn truncate_leaves(&self, from_index: u64) -> Result<()> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE messages SET state = CASE WHEN state IN ('withdrawal', 'held', 'submitted', \
             'confirmed') THEN state ELSE 'discovered' END, batch_number = NULL, leaf_index = NULL, \
             root = CASE WHEN state IN ('submitted', 'confirmed') THEN root ELSE NULL END, \
             root_leaf_count = CASE WHEN state IN ('submitted', 'confirmed') THEN root_leaf_count \
             ELSE NULL END, proof = NULL, reason = 'L1 reorg', updated_at = $1 \
             WHERE leaf_index >= $2 AND state NOT IN ('submitted', 'confirmed')",
        )
        .bind(now)
        .bind(to_i64(from_index))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE messages SET state = 'batch_executed', root = NULL, root_leaf_count = NULL, \
             proof = NULL, reason = 'L1 reorg', updated_at = $1 WHERE root_leaf_count > $2 \
             AND state IN ('root_imported', 'proof_built', 'simulated', 'retrying')",
        )
        .bind(now)
        .bind(to_i64(from_index))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM leaves WHERE leaf_index >= $1")
            .bind(to_i64(from_index))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---------------------------------------------------------------- imported roots

    /// Records roots a destination inbox imported.
    pub async fn insert_imported_roots(&self, chain_id: u64, roots: &[(B256, u64)]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for (root, block) in roots {
            sqlx::query(
                "INSERT INTO imported_roots (chain_id, root, l2_block) VALUES ($1,$2,$3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(to_i64(chain_id))
            .bind(hex(root))
            .bind(to_i64(*block))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The largest Transaction Root (by leaf count) that `chain_id` imported and that is still
    /// one of the L1 roots the relayer follows.
    pub async fn best_imported_root(&self, chain_id: u64) -> Result<Option<(B256, u64)>> {
        let row = sqlx::query(
            "SELECT l.root AS root, l.leaf_index AS leaf_index FROM imported_roots i \
             JOIN leaves l ON l.root = i.root WHERE i.chain_id = $1 \
             ORDER BY l.leaf_index DESC LIMIT 1",
        )
        .bind(to_i64(chain_id))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((
                parse(&r.try_get::<String, _>("root")?, "root")?,
                r.try_get::<i64, _>("leaf_index")? as u64 + 1,
            ))),
            None => Ok(None),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(nonce: u64, dest: u64) -> NewMessage {
        NewMessage {
            message: Message {
                sourceChainId: U256::from(1),
                destinationChainId: U256::from(dest),
                nonce: U256::from(nonce),
                sender: Address::repeat_byte(1),
                recipient: Address::repeat_byte(2),
                value: U256::from(5),
                fee: U256::from(7),
                payload: Bytes::from(vec![1, 2, 3]),
            },
            state: MessageState::Discovered,
            reason: None,
            block: 10 + nonce,
        }
    }

    /// Leaf 0 of the Transaction Root: chain 1's batch 1, not matched to messages yet.
    fn first_leaf() -> LeafRow {
        LeafRow {
            leaf_index: 0,
            root: B256::repeat_byte(9),
            chain_id: 1,
            batch_number: 1,
            leaf: B256::repeat_byte(8),
            state_root: B256::ZERO,
            messages_root: B256::ZERO,
            l1_block: 1,
            l1_block_hash: B256::ZERO,
            first_nonce: None,
            message_count: None,
        }
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("r.db").display());
        (dir, Store::connect(&url).await.unwrap())
    }

    #[tokio::test]
    async fn insert_is_idempotent_and_round_trips() {
        let (_d, s) = store().await;
        let batch: Vec<_> = (0..3).map(|n| msg(n, 2)).collect();
        assert_eq!(s.insert_messages(&batch).await.unwrap(), 3);
        assert_eq!(s.insert_messages(&batch).await.unwrap(), 0);
        let m = s.message(batch[1].message.hash()).await.unwrap().unwrap();
        assert_eq!(m.message, batch[1].message);
        assert_eq!(m.state, MessageState::Discovered);
    }

    #[tokio::test]
    async fn claims_exclude_other_instances_until_lease_expiry() {
        let (_d, s) = store().await;
        let batch: Vec<_> = (0..4).map(|n| msg(n, 2)).collect();
        s.insert_messages(&batch).await.unwrap();
        let leaf = first_leaf();
        s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
        s.assign_batch(&leaf, 0, 4).await.unwrap();
        assert_eq!(s.promote_root_imported(2, leaf.root, 1).await.unwrap(), 4);
        let a = s.claim_ready(2, "a", 3, 60_000).await.unwrap();
        assert_eq!(a.len(), 3);
        let b = s.claim_ready(2, "b", 10, 60_000).await.unwrap();
        assert_eq!(b.len(), 1, "b gets only the unclaimed one");
        // a's restart resumes its own claims at once
        assert_eq!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().len(), 3);
        // submission requires the claim
        let sub = SubmissionRow {
            tx_hash: B256::repeat_byte(3),
            chain_id: 2,
            signer: Address::ZERO,
            nonce: 0,
            raw_tx: Bytes::new(),
            status: "pending".into(),
            created_at: 0,
            updated_at: 0,
        };
        let hashes: Vec<B256> = a.iter().map(|m| m.hash).collect();
        s.set_claimed_state("a", &hashes, MessageState::Simulated, None).await.unwrap();
        assert!(!s.record_submission("b", &sub, &hashes).await.unwrap());
        assert!(s.record_submission("a", &sub, &hashes).await.unwrap());
        assert!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().is_empty());
        // settle: two delivered, one requeued
        let delivered: HashMap<B256, U256> =
            hashes[..2].iter().map(|h| (*h, U256::from(7))).collect();
        let confirmed = s.settle_submission(sub.tx_hash, "confirmed", &delivered, None).await;
        assert_eq!(confirmed.unwrap().len(), 2);
        let back = s.message(hashes[2]).await.unwrap().unwrap();
        assert_eq!(back.state, MessageState::RootImported);
        // a second settle of the same tx changes nothing
        let again = s.settle_submission(sub.tx_hash, "confirmed", &delivered, None).await;
        assert!(again.unwrap().is_empty());
    }

    /// A delivery that reverted on chain does not send its messages straight back into the next
    /// batch: each gets an attempt and a backoff, and is held after `max_attempts`.
    #[tokio::test]
    async fn reverted_delivery_backs_off_each_message_then_holds_it() {
        let (_d, s) = store().await;
        let batch: Vec<_> = (0..2).map(|n| msg(n, 2)).collect();
        s.insert_messages(&batch).await.unwrap();
        let leaf = first_leaf();
        s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
        s.assign_batch(&leaf, 0, 2).await.unwrap();
        s.promote_root_imported(2, leaf.root, 1).await.unwrap();
        let backoff = |attempts: u32| std::time::Duration::from_secs(60 * u64::from(attempts));
        for round in 1..=3u32 {
            if round > 1 {
                // The backoff passed (simulated by clearing it), the relayer claims them again.
                sqlx::query("UPDATE messages SET next_attempt_at = 0")
                    .execute(&s.pool)
                    .await
                    .unwrap();
            }
            let claimed = s.claim_ready(2, "a", 10, 60_000).await.unwrap();
            assert_eq!(
                claimed.len(),
                2,
                "round {round}: both claimable again only after the backoff"
            );
            let hashes: Vec<B256> = claimed.iter().map(|m| m.hash).collect();
            s.set_claimed_state("a", &hashes, MessageState::Simulated, None).await.unwrap();
            let sub = SubmissionRow {
                tx_hash: B256::repeat_byte(round as u8),
                chain_id: 2,
                signer: Address::ZERO,
                nonce: u64::from(round),
                raw_tx: Bytes::new(),
                status: "pending".into(),
                created_at: 0,
                updated_at: 0,
            };
            assert!(s.record_submission("a", &sub, &hashes).await.unwrap());
            let failed = s.fail_submission(sub.tx_hash, "reverted", 3, backoff).await.unwrap();
            assert_eq!(failed.len(), 2);
            let expected = if round < 3 { MessageState::Retrying } else { MessageState::Held };
            for m in &failed {
                assert_eq!((m.state, m.attempts), (expected, round));
                let stored = s.message(m.hash).await.unwrap().unwrap();
                assert_eq!((stored.state, stored.attempts), (expected, round));
                assert!(stored.reason.unwrap().starts_with("reverted"));
            }
            // Backing off: nothing is claimable now.
            assert!(s.claim_ready(2, "a", 10, 60_000).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn reorg_truncation_moves_messages_back() {
        let (_d, s) = store().await;
        s.insert_messages(&[msg(0, 2)]).await.unwrap();
        let leaf = first_leaf();
        s.insert_leaves(std::slice::from_ref(&leaf)).await.unwrap();
        s.assign_batch(&leaf, 0, 1).await.unwrap();
        s.promote_root_imported(2, leaf.root, 1).await.unwrap();
        s.truncate_leaves(0).await.unwrap();
        let m = s.message(msg(0, 2).message.hash()).await.unwrap().unwrap();
        assert_eq!(m.state, MessageState::Discovered);
        assert!(s.last_leaf().await.unwrap().is_none());
        assert_eq!(s.unmatched_batches(1).await.unwrap().0, 0);
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h:5/db"), "postgres://u:***@h:5/db");
        assert_eq!(redact("sqlite://x.db"), "sqlite://x.db");
    }
}
