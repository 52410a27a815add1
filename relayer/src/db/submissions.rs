//! The `submissions` table: signed delivery transactions and what their receipts did to the
//! messages they carried.

use std::collections::HashMap;

use alloy::primitives::{B256, U256};

use crate::state::MessageState;

use super::{
    MESSAGE_COLS, MessageRow, Result, Store, SubmissionRow, hex, message_row, now_ms,
    submission_row, to_i64,
};

impl Store {
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
}
