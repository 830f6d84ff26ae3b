use sqlx::{PgConnection, PgPool};

use super::read::read_committed;
use super::subscription::{ensure_checkpoint, lock_checkpoint, save_checkpoint};
use super::{Cursor, Projection};

/// Progress of a rebuild, reported after each batch.
#[derive(Clone, Copy, Debug)]
pub struct RebuildProgress {
    pub applied: u64,
    /// Events in the log when the rebuild started (more may arrive meanwhile).
    pub total: u64,
}

/// Rebuilds a projection from position 0 while the app keeps serving: the events are replayed
/// into fresh copies of its tables in a schema of their own; then, in one transaction holding
/// the checkpoint (so the live runner pauses), the last events are applied, the copies replace
/// the live tables and the checkpoint moves to where the copies are. Readers see the old tables
/// until that commit, then the new ones.
pub async fn rebuild(
    pool: &PgPool,
    projection: &dyn Projection,
    batch_size: i64,
    mut progress: impl FnMut(RebuildProgress),
) -> sqlx::Result<u64> {
    let schema = format!("rebuild_{}", projection.name());
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    let mut report = RebuildProgress {
        applied: 0,
        total: total as u64,
    };

    let mut setup = pool.begin().await?;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\";"
    ))
    .execute(&mut *setup)
    .await?;
    for table in projection.tables() {
        sqlx::raw_sql(&format!(
            "CREATE TABLE \"{schema}\".\"{table}\" (LIKE public.\"{table}\" INCLUDING ALL)"
        ))
        .execute(&mut *setup)
        .await?;
    }
    setup.commit().await?;

    let mut cursor = Cursor::default();
    loop {
        let mut tx = pool.begin().await?;
        let applied = apply_batch(&mut tx, projection, &schema, &mut cursor, batch_size).await?;
        tx.commit().await?;
        if applied == 0 {
            break;
        }
        report.applied += applied as u64;
        progress(report);
    }

    ensure_checkpoint(pool, projection.name()).await?;
    let mut swap = pool.begin().await?;
    lock_checkpoint(&mut swap, projection.name(), false).await?;
    loop {
        let applied = apply_batch(&mut swap, projection, &schema, &mut cursor, batch_size).await?;
        if applied == 0 {
            break;
        }
        report.applied += applied as u64;
    }
    for table in projection.tables() {
        sqlx::raw_sql(&format!(
            "DROP TABLE public.\"{table}\"; ALTER TABLE \"{schema}\".\"{table}\" SET SCHEMA public;"
        ))
        .execute(&mut *swap)
        .await?;
    }
    sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\""))
        .execute(&mut *swap)
        .await?;
    save_checkpoint(&mut swap, projection.name(), cursor).await?;
    swap.commit().await?;
    progress(report);
    Ok(report.applied)
}

async fn apply_batch(
    tx: &mut PgConnection,
    projection: &dyn Projection,
    schema: &str,
    cursor: &mut Cursor,
    batch_size: i64,
) -> sqlx::Result<usize> {
    let events = read_committed(&mut *tx, *cursor, batch_size).await?;
    let Some(last) = events.last() else {
        return Ok(0);
    };
    sqlx::raw_sql(&format!("SET LOCAL search_path TO \"{schema}\", public"))
        .execute(&mut *tx)
        .await?;
    projection.apply(tx, &events).await?;
    sqlx::raw_sql("SET LOCAL search_path TO public")
        .execute(&mut *tx)
        .await?;
    *cursor = last.cursor();
    Ok(events.len())
}
