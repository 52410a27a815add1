//! The `messages` table: each outbox message, from discovery through proof, claim and delivery.

use alloy::primitives::B256;
use sqlx::Row;

use crate::state::MessageState;

use super::{
    DbError, LeafRow, MESSAGE_COLS, MessageRow, NewMessage, Result, Store, hex, message_row,
    now_ms, parse, to_i64, u256_i64,
};

impl Store {
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
}
