//! The `cursors` table: the last block each scanner and follower has processed.

use sqlx::Row;

use super::{Result, Store, to_i64};

impl Store {
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
}
