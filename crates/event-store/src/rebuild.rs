use std::sync::Arc;

use sqlx::{PgConnection, PgPool};
use tokio::sync::mpsc;

use super::read::read_committed;
use super::subscription::{ensure_checkpoint, lock_checkpoint, save_checkpoint};
use super::{Cursor, Projection, StoredEvent};

/// Progress of a rebuild, reported after each batch.
#[derive(Clone, Copy, Debug)]
pub struct RebuildProgress {
    pub applied: u64,
    /// Events in the log when the rebuild started (more may arrive meanwhile).
    pub total: u64,
}

/// Rebuilds projections from position 0 while the app keeps serving. The log is read once for
/// all of them, and each batch is replayed into fresh copies of their tables, each projection in a
/// schema of its own (`rebuild_<name>`). Then, in one transaction holding their checkpoints (so the
/// live runners pause), the last events are applied, the copies replace the live tables and the
/// checkpoints move to where the copies are. Readers see the old tables until that commit, then
/// the new ones. Answers the number of events replayed.
///
/// It is fast because the copies are filled without their indexes (built once, by sorting, at the
/// end), without waiting for each batch to reach the disk (a crash only loses the copies), each
/// projection on a connection of its own, and while the next batch is already being read.
pub async fn rebuild(
    pool: &PgPool,
    projections: &[Arc<dyn Projection>],
    batch_size: i64,
    mut progress: impl FnMut(RebuildProgress),
) -> sqlx::Result<u64> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(pool)
        .await?;
    let mut report = RebuildProgress {
        applied: 0,
        total: total as u64,
    };
    for projection in projections {
        create_copies(pool, projection.as_ref()).await?;
    }

    // One task reads the log while this one applies the batch before.
    let (batches, mut received) = mpsc::channel::<sqlx::Result<Vec<StoredEvent>>>(2);
    let reader = tokio::spawn(read_all(pool.clone(), batch_size, batches));
    let mut cursor = Cursor::default();
    while let Some(events) = received.recv().await {
        let events = Arc::new(events?);
        // Each projection on a connection of its own, side by side.
        let mut applying = tokio::task::JoinSet::new();
        for projection in projections {
            let (pool, projection, events) = (pool.clone(), projection.clone(), events.clone());
            applying.spawn(async move {
                let mut tx = pool.begin().await?;
                sqlx::query("SET LOCAL synchronous_commit TO off")
                    .execute(&mut *tx)
                    .await?;
                apply_to_copy(&mut tx, projection.as_ref(), &events).await?;
                tx.commit().await
            });
        }
        while let Some(applied) = applying.join_next().await {
            applied.map_err(|error| sqlx::Error::Io(error.into()))??;
        }
        cursor = events.last().map_or(cursor, StoredEvent::cursor);
        report.applied += events.len() as u64;
        progress(report);
    }
    reader
        .await
        .map_err(|error| sqlx::Error::Io(error.into()))?;

    for projection in projections {
        let early = projection.indexes_read_while_applying();
        for table in projection.tables() {
            build_indexes(pool, &schema_of(projection.as_ref()), table, |name| {
                !early.contains(&name)
            })
            .await?;
        }
        ensure_checkpoint(pool, projection.name()).await?;
    }

    let mut swap = pool.begin().await?;
    for projection in projections {
        lock_checkpoint(&mut swap, projection.name(), false).await?;
    }
    loop {
        let events = read_committed(&mut *swap, cursor, batch_size).await?;
        let Some(last) = events.last() else { break };
        apply_to_copies(&mut swap, projections, &events).await?;
        cursor = last.cursor();
        report.applied += events.len() as u64;
    }
    for projection in projections {
        let schema = schema_of(projection.as_ref());
        for table in projection.tables() {
            sqlx::raw_sql(&format!(
                "DROP TABLE public.\"{table}\"; ALTER TABLE \"{schema}\".\"{table}\" SET SCHEMA public;"
            ))
            .execute(&mut *swap)
            .await?;
        }
        // What is left in the schema are the copies' partitions (their parents have moved).
        let partitions: Vec<String> = sqlx::query_scalar(
            "SELECT relname::text FROM pg_class
             WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p')",
        )
        .bind(&schema)
        .fetch_all(&mut *swap)
        .await?;
        for partition in partitions {
            sqlx::raw_sql(&format!(
                "ALTER TABLE \"{schema}\".\"{partition}\" SET SCHEMA public"
            ))
            .execute(&mut *swap)
            .await?;
        }
        sqlx::raw_sql(&format!("DROP SCHEMA \"{schema}\""))
            .execute(&mut *swap)
            .await?;
        save_checkpoint(&mut swap, projection.name(), cursor).await?;
    }
    swap.commit().await?;
    progress(report);
    Ok(report.applied)
}

fn schema_of(projection: &dyn Projection) -> String {
    format!("rebuild_{}", projection.name())
}

/// Empty copies of the projection's tables, without indexes (nor the constraints they back).
async fn create_copies(pool: &PgPool, projection: &dyn Projection) -> sqlx::Result<()> {
    let schema = schema_of(projection);
    let mut setup = pool.begin().await?;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\";"
    ))
    .execute(&mut *setup)
    .await?;
    for table in projection.tables() {
        // A partitioned table's copy is partitioned alike; the projection creates its partitions
        // as it needs them, in the copy's schema, and the swap moves them with it.
        let partition_key: Option<String> =
            sqlx::query_scalar("SELECT pg_get_partkeydef(format('public.%I', $1::text)::regclass)")
                .bind(table)
                .fetch_one(&mut *setup)
                .await?;
        let partitioned = partition_key
            .map(|key| format!(" PARTITION BY {key}"))
            .unwrap_or_default();
        sqlx::raw_sql(&format!(
            "CREATE TABLE \"{schema}\".\"{table}\" (LIKE public.\"{table}\" INCLUDING ALL EXCLUDING INDEXES){partitioned}"
        ))
        .execute(&mut *setup)
        .await?;
    }
    setup.commit().await?;
    let early = projection.indexes_read_while_applying();
    for table in projection.tables() {
        build_indexes(pool, &schema, table, |name| early.contains(&name)).await?;
    }
    Ok(())
}

/// Reads the whole committed log in batches, until it has nothing more to give.
async fn read_all(
    pool: PgPool,
    batch_size: i64,
    batches: mpsc::Sender<sqlx::Result<Vec<StoredEvent>>>,
) {
    let mut cursor = Cursor::default();
    loop {
        let events = read_committed(&pool, cursor, batch_size).await;
        let Ok(read) = &events else {
            let _ = batches.send(events).await;
            return;
        };
        let Some(last) = read.last() else { return };
        cursor = last.cursor();
        if batches.send(events).await.is_err() {
            return;
        }
    }
}

async fn apply_to_copies(
    tx: &mut PgConnection,
    projections: &[Arc<dyn Projection>],
    events: &[StoredEvent],
) -> sqlx::Result<()> {
    for projection in projections {
        apply_to_copy(tx, projection.as_ref(), events).await?;
    }
    Ok(())
}

/// Applies `events` to the projection's copies: its transaction's `search_path` points there.
async fn apply_to_copy(
    tx: &mut PgConnection,
    projection: &dyn Projection,
    events: &[StoredEvent],
) -> sqlx::Result<()> {
    let schema = schema_of(projection);
    sqlx::query(&format!("SET LOCAL search_path TO \"{schema}\", public"))
        .execute(&mut *tx)
        .await?;
    projection.apply(tx, events).await?;
    sqlx::query("SET LOCAL search_path TO public")
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// Gives the copy `schema.table` the indexes and index-backed constraints of `public.table`
/// whose names `wanted` accepts.
async fn build_indexes(
    pool: &PgPool,
    schema: &str,
    table: &str,
    wanted: impl Fn(&str) -> bool,
) -> sqlx::Result<()> {
    let indexes: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname::text,
                pg_get_constraintdef(c.oid)
         FROM pg_index i
         LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
         WHERE i.indrelid = format('public.%I', $1::text)::regclass",
    )
    .bind(table)
    .fetch_all(pool)
    .await?;
    for (name, index, constraint, definition) in indexes {
        if !wanted(&name) {
            continue;
        }
        let sql = match (constraint, definition) {
            (Some(name), Some(definition)) => {
                format!(
                    "ALTER TABLE \"{schema}\".\"{table}\" ADD CONSTRAINT \"{name}\" {definition}"
                )
            }
            // `CREATE INDEX name ON public.table USING …`: the same on the copy. A partitioned
            // table's reads `ON ONLY public.table`; on the copy it is made on every partition.
            _ => index
                .replacen(
                    &format!(" ON ONLY public.{table} "),
                    &format!(" ON public.{table} "),
                    1,
                )
                .replacen(
                    &format!(" ON public.{table} "),
                    &format!(" ON \"{schema}\".\"{table}\" "),
                    1,
                ),
        };
        sqlx::raw_sql(&sql).execute(pool).await?;
    }
    Ok(())
}
