//! The `imported_roots` table: the Transaction Roots each destination chain has imported.

use alloy::primitives::B256;
use sqlx::Row;

use super::{Result, Store, hex, parse, to_i64};

impl Store {
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
