//! The log's transaction-id clock: the cluster's transaction ids plus an offset, raised when a
//! restore into a new cluster left the stored ids ahead of the cluster's (see the migration
//! `20261204000001_transaction_id_offset.sql`).

use sqlx::PgConnection;

/// Raises the offset so that the next transaction's id on the log's clock lies above every stored
/// one; answers the new offset, or `None` when the clock was right (every start but the first
/// after a restore into a new cluster). One statement, holding the clock's row: instances starting
/// together raise it once.
pub(crate) async fn align(connection: &mut PgConnection) -> sqlx::Result<Option<i64>> {
    let raised: Option<i64> = sqlx::query_scalar(
        "UPDATE event_log_clock
         SET transaction_id_offset = stored.last - pg_current_xact_id()::text::bigint + 1,
             raised_at = now()
         FROM (SELECT greatest(
                   (SELECT max(transaction_id) FROM events),
                   (SELECT max(transaction_id) FROM projection_checkpoints)) AS last) AS stored
         WHERE stored.last >= pg_current_xact_id()::text::bigint + transaction_id_offset
         RETURNING transaction_id_offset",
    )
    .fetch_optional(connection)
    .await?;
    if let Some(offset) = raised {
        tracing::warn!(
            offset,
            "the stored transaction ids were ahead of this PostgreSQL cluster's (a restore into a new cluster): the log's clock now adds {offset}"
        );
    }
    Ok(raised)
}
