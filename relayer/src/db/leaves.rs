//! The `leaves` table: the Transaction Root leaves (executed batches) as L1 emitted them, matched
//! to their messages.

use alloy::primitives::B256;
use sqlx::Row;

use super::{DbError, LeafRow, Result, Store, hex, leaf_row, now_ms, parse, to_i64};

impl Store {
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
}
