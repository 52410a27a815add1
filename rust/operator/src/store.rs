//! SQLite persistence of the operator's progress (migrations embedded).

use crate::OperatorError;
use alloy::primitives::{B256, Bytes};
use hyperchain_bindings::CommitBatchInfo;
use serde::Serialize;
use sqlx::{
    Row,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};
use std::{path::Path, str::FromStr};

/// Where a batch is in its settlement on L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchState {
    /// Sealed on L2, its CommitBatchInfo fixed, not yet on L1.
    Sealed,
    /// `commitBatch` mined.
    Committed,
    /// `proveBatch` mined (attestation accepted).
    Proven,
    /// `executeBatch` mined: its messages are in the Transaction Root.
    Executed,
}

impl BatchState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Committed => "committed",
            Self::Proven => "proven",
            Self::Executed => "executed",
        }
    }

    fn parse(s: &str) -> Result<Self, OperatorError> {
        Ok(match s {
            "sealed" => Self::Sealed,
            "committed" => Self::Committed,
            "proven" => Self::Proven,
            "executed" => Self::Executed,
            other => {
                return Err(OperatorError::Store(format!("unknown batch state {other:?}").into()));
            }
        })
    }
}

/// A sealed batch as stored.
#[derive(Clone, Debug, Serialize)]
pub struct BatchRecord {
    /// Batch number (1-based; 0 is genesis).
    pub number: u64,
    /// First L2 block of the batch.
    pub first_block: u64,
    /// Last L2 block of the batch.
    pub last_block: u64,
    /// Settlement state.
    pub state: BatchState,
    /// What is committed on L1.
    pub info: CommitBatchInfo,
    /// DA input sent with `commitBatch` (rollup pubdata or validium committee signatures).
    pub da_input: Bytes,
    /// `commitBatch` transaction.
    pub commit_tx: Option<B256>,
    /// `proveBatch` transaction.
    pub prove_tx: Option<B256>,
    /// `executeBatch` transaction.
    pub execute_tx: Option<B256>,
    /// Last error of the next step, if it failed.
    pub error: Option<String>,
}

/// The operator database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

fn db_err(e: impl Into<crate::error::BoxError>) -> OperatorError {
    OperatorError::Store(e.into())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn parse_b256(s: Option<String>) -> Option<B256> {
    s.and_then(|s| B256::from_str(&s).ok())
}

impl Store {
    /// Opens (creating if needed) the database at `path` and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self, OperatorError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(db_err)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        Self::connect(options).await
    }

    /// An in-memory database (tests, throwaway devnets).
    pub async fn in_memory() -> Result<Self, OperatorError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(db_err)?;
        Self::connect(options).await
    }

    async fn connect(options: SqliteConnectOptions) -> Result<Self, OperatorError> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(db_err)?;
        sqlx::migrate!("./migrations").run(&pool).await.map_err(db_err)?;
        Ok(Self { pool })
    }

    /// Records a newly sealed batch. Fails if that number is already sealed.
    pub async fn insert_batch(
        &self,
        number: u64,
        first_block: u64,
        last_block: u64,
        info: &CommitBatchInfo,
        da_input: &Bytes,
    ) -> Result<(), OperatorError> {
        let info = serde_json::to_string(info).map_err(db_err)?;
        sqlx::query(
            "INSERT INTO batches (number, first_block, last_block, state, info, da_input, updated_at)
             VALUES (?, ?, ?, 'sealed', ?, ?, ?)",
        )
        .bind(number as i64)
        .bind(first_block as i64)
        .bind(last_block as i64)
        .bind(info)
        .bind(da_input.to_vec())
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Records a batch whose state is known from L1 (re-sync after the database was lost).
    pub async fn upsert_synced_batch(&self, record: &BatchRecord) -> Result<(), OperatorError> {
        let info = serde_json::to_string(&record.info).map_err(db_err)?;
        sqlx::query(
            "INSERT OR REPLACE INTO batches
               (number, first_block, last_block, state, info, da_input, commit_tx, prove_tx, execute_tx, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(record.number as i64)
        .bind(record.first_block as i64)
        .bind(record.last_block as i64)
        .bind(record.state.as_str())
        .bind(info)
        .bind(record.da_input.to_vec())
        .bind(record.commit_tx.map(|h| h.to_string()))
        .bind(record.prove_tx.map(|h| h.to_string()))
        .bind(record.execute_tx.map(|h| h.to_string()))
        .bind(now())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Moves a batch to `state`, recording the transaction that did it (if we sent it).
    pub async fn advance(
        &self,
        number: u64,
        state: BatchState,
        tx: Option<B256>,
    ) -> Result<(), OperatorError> {
        let sql = match state {
            BatchState::Sealed => return Ok(()),
            BatchState::Committed => {
                "UPDATE batches SET state = ?, commit_tx = COALESCE(?, commit_tx), error = NULL,
                 updated_at = ? WHERE number = ?"
            }
            BatchState::Proven => {
                "UPDATE batches SET state = ?, prove_tx = COALESCE(?, prove_tx), error = NULL,
                 updated_at = ? WHERE number = ?"
            }
            BatchState::Executed => {
                "UPDATE batches SET state = ?, execute_tx = COALESCE(?, execute_tx), error = NULL,
                 updated_at = ? WHERE number = ?"
            }
        };
        sqlx::query(sql)
            .bind(state.as_str())
            .bind(tx.map(|h| h.to_string()))
            .bind(now())
            .bind(number as i64)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Marks a batch executed by one `settleBatch` transaction (its commit, prove and execute tx).
    pub async fn settled(&self, number: u64, tx: B256) -> Result<(), OperatorError> {
        let tx = tx.to_string();
        sqlx::query(
            "UPDATE batches SET state = ?, commit_tx = ?, prove_tx = ?, execute_tx = ?, error = NULL,
             updated_at = ? WHERE number = ?",
        )
        .bind(BatchState::Executed.as_str())
        .bind(&tx)
        .bind(&tx)
        .bind(&tx)
        .bind(now())
        .bind(number as i64)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Records why the next step of a batch failed.
    pub async fn set_error(&self, number: u64, error: &str) -> Result<(), OperatorError> {
        sqlx::query("UPDATE batches SET error = ?, updated_at = ? WHERE number = ?")
            .bind(error)
            .bind(now())
            .bind(number as i64)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Drops sealed batches above `number` that never reached L1 (after L1 reverted them).
    pub async fn delete_batches_above(&self, number: u64) -> Result<(), OperatorError> {
        sqlx::query("DELETE FROM batches WHERE number > ?")
            .bind(number as i64)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// The batch with the highest number.
    pub async fn last_batch(&self) -> Result<Option<BatchRecord>, OperatorError> {
        let row = sqlx::query("SELECT * FROM batches ORDER BY number DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| Self::record(&r)).transpose()
    }

    /// One batch.
    pub async fn batch(&self, number: u64) -> Result<Option<BatchRecord>, OperatorError> {
        let row = sqlx::query("SELECT * FROM batches WHERE number = ?")
            .bind(number as i64)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.map(|r| Self::record(&r)).transpose()
    }

    /// Batches not yet executed, oldest first.
    pub async fn unexecuted_batches(&self) -> Result<Vec<BatchRecord>, OperatorError> {
        let rows =
            sqlx::query("SELECT * FROM batches WHERE state != 'executed' ORDER BY number ASC")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        rows.iter().map(Self::record).collect()
    }

    /// Every batch, oldest first.
    pub async fn batches(&self) -> Result<Vec<BatchRecord>, OperatorError> {
        let rows = sqlx::query("SELECT * FROM batches ORDER BY number ASC")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(Self::record).collect()
    }

    fn record(row: &sqlx::sqlite::SqliteRow) -> Result<BatchRecord, OperatorError> {
        let info: String = row.try_get("info").map_err(db_err)?;
        let da_input: Vec<u8> = row.try_get("da_input").map_err(db_err)?;
        let state: String = row.try_get("state").map_err(db_err)?;
        Ok(BatchRecord {
            number: row.try_get::<i64, _>("number").map_err(db_err)? as u64,
            first_block: row.try_get::<i64, _>("first_block").map_err(db_err)? as u64,
            last_block: row.try_get::<i64, _>("last_block").map_err(db_err)? as u64,
            state: BatchState::parse(&state)?,
            info: serde_json::from_str(&info).map_err(db_err)?,
            da_input: da_input.into(),
            commit_tx: parse_b256(row.try_get("commit_tx").map_err(db_err)?),
            prove_tx: parse_b256(row.try_get("prove_tx").map_err(db_err)?),
            execute_tx: parse_b256(row.try_get("execute_tx").map_err(db_err)?),
            error: row.try_get("error").map_err(db_err)?,
        })
    }

    /// Records a delivered priority request.
    pub async fn record_priority_delivery(
        &self,
        nonce: u64,
        message_hash: B256,
        tx: B256,
    ) -> Result<(), OperatorError> {
        sqlx::query(
            "INSERT OR REPLACE INTO priority_deliveries (nonce, message_hash, l2_tx) VALUES (?, ?, ?)",
        )
        .bind(nonce as i64)
        .bind(message_hash.to_string())
        .bind(tx.to_string())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// Number of priority requests this operator delivered (by its records).
    pub async fn priority_deliveries(&self) -> Result<u64, OperatorError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM priority_deliveries")
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(n as u64)
    }

    /// Records an imported Transaction Root.
    pub async fn record_import(
        &self,
        root: B256,
        tx: B256,
        block: u64,
    ) -> Result<(), OperatorError> {
        sqlx::query(
            "INSERT OR REPLACE INTO imported_roots (root, l2_tx, l2_block) VALUES (?, ?, ?)",
        )
        .bind(root.to_string())
        .bind(tx.to_string())
        .bind(block as i64)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    /// A cursor value.
    pub async fn progress(&self, key: &str) -> Result<Option<String>, OperatorError> {
        sqlx::query_scalar("SELECT value FROM progress WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)
    }

    /// Sets a cursor value.
    pub async fn set_progress(&self, key: &str, value: &str) -> Result<(), OperatorError> {
        sqlx::query("INSERT OR REPLACE INTO progress (key, value) VALUES (?, ?)")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(n: u64) -> CommitBatchInfo {
        CommitBatchInfo {
            batchNumber: n,
            newStateRoot: B256::repeat_byte(n as u8),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn batches_advance_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("op.db");
        {
            let store = Store::open(&path).await.unwrap();
            store.insert_batch(1, 1, 5, &info(1), &Bytes::from(vec![1, 2])).await.unwrap();
            store.insert_batch(2, 6, 9, &info(2), &Bytes::new()).await.unwrap();
            assert!(store.insert_batch(2, 6, 9, &info(2), &Bytes::new()).await.is_err());
            store.advance(1, BatchState::Committed, Some(B256::repeat_byte(7))).await.unwrap();
            store.advance(1, BatchState::Proven, None).await.unwrap();
            store.set_error(2, "boom").await.unwrap();
        }
        let store = Store::open(&path).await.unwrap();
        let b1 = store.batch(1).await.unwrap().unwrap();
        assert_eq!(b1.state, BatchState::Proven);
        assert_eq!(b1.commit_tx, Some(B256::repeat_byte(7)));
        assert_eq!(b1.info, info(1));
        assert_eq!(b1.da_input, Bytes::from(vec![1, 2]));
        let unexecuted = store.unexecuted_batches().await.unwrap();
        assert_eq!(unexecuted.iter().map(|b| b.number).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(unexecuted[1].error.as_deref(), Some("boom"));
        store.delete_batches_above(1).await.unwrap();
        assert_eq!(store.last_batch().await.unwrap().unwrap().number, 1);
        store.set_progress("k", "v").await.unwrap();
        assert_eq!(store.progress("k").await.unwrap().as_deref(), Some("v"));
    }
}
