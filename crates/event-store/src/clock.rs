//! The log's transaction-id clock: the cluster's transaction ids plus an offset, raised when a
//! restore into a new cluster left the stored ids ahead of the cluster's (see the migration
//! `20261204000001_transaction_id_offset.sql`).

use sqlx::{Connection, PgConnection};

/// Raises the offset so that every transaction id to come, on the log's clock, lies above every
/// stored one; answers the new offset, or `None` when the clock was right (every start but the
/// first after a restore into a new cluster).
///
/// Instances starting together raise it once: the clock's row is locked first, and the raise is a
/// statement of its own, whose snapshot sees an earlier raise. It counts from the next
/// transaction id to be assigned anywhere on the cluster (the snapshot's xmax), not from this
/// transaction's own, which may be older than another instance's.
pub(crate) async fn align(connection: &mut PgConnection) -> sqlx::Result<Option<i64>> {
    let mut tx = connection.begin().await?;
    sqlx::query("SELECT 1 FROM event_log_clock FOR UPDATE")
        .execute(&mut *tx)
        .await?;
    let raised: Option<i64> = sqlx::query_scalar(
        "UPDATE event_log_clock
         SET transaction_id_offset = stored.last - next.id + 1, raised_at = now()
         FROM (SELECT greatest(
                   (SELECT max(transaction_id) FROM events),
                   (SELECT max(transaction_id) FROM projection_checkpoints)) AS last) AS stored,
              (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS id) AS next
         WHERE stored.last >= next.id + transaction_id_offset
         RETURNING transaction_id_offset",
    )
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Some(offset) = raised {
        tracing::warn!(
            offset,
            "the stored transaction ids were ahead of this PostgreSQL cluster's (a restore into a new cluster): the log's clock now adds {offset}"
        );
    }
    Ok(raised)
}
