//! A small event store on PostgreSQL. It knows nothing of vehicles: an event is a type, a JSON
//! payload and a set of tags, stored once in an append-only table.
//!
//! # Guarantees, and how
//!
//! One log, `events (position, transaction_id, event_id, event_type, tags, payload, recorded_at,
//! metadata, history)`, a partitioned table: events of the types the writer declares history (GPS
//! fixes) are stored in a partition per week of their UUID v7's time, everything else in one
//! partition kept for ever ([`history`]).
//!
//! - **Append-only, enforced by the database.** Statement-level triggers on the log and on each of
//!   its partitions refuse `UPDATE`, `DELETE` and `TRUNCATE` for every role (they fire even when no
//!   row matches). Only a purge removes events: whole weeks of history, by detaching and
//!   dropping their partitions ([`EventStore::detach_history_before`]).
//! - **Conditional append** ("dynamic consistency boundary"): `append(events, condition)` where the condition
//!   is a query (event types + tags) and the last position the caller saw for it; it fails with a conflict if
//!   a matching event was appended since. Race-free at PostgreSQL's default isolation: every writer takes
//!   transaction-scoped advisory locks in one global order (no deadlocks) on (event type, tag) pairs —
//!   *shared* on those it appends, *exclusive* on those its condition reads — so a writer whose events could
//!   break a condition and the writer deciding on it run one after the other, and the second one's check sees
//!   the first one's events, while appends that decide nothing (fixes) never wait for each other, and a
//!   decision never waits for appends of types it does not read. A condition on event types alone, or on tags
//!   of any type, takes a table lock.
//! - **Gap-free reading in commit order.** Positions are taken at insert, not at commit. Readers order by
//!   `(transaction_id, position)` — `transaction_id` is the writer's `pg_current_xact_id()`, kept as a
//!   `bigint` so the planner has statistics for it — and read only below
//!   `pg_snapshot_xmin(pg_current_snapshot())`, so an event whose transaction commits late is
//!   waited for, never skipped. (The horizon is the whole cluster's: a long transaction anywhere on the server
//!   delays subscribers until it ends; give Fleetline its own cluster in production.) Both are on the
//!   log's clock: the cluster's transaction ids plus an offset that start-up raises when a `pg_dump`
//!   restored into a new cluster left the stored ids ahead of the cluster's ([`clock`]).
//! - **Subscriptions**: each projection's checkpoint is a row, locked with `FOR UPDATE SKIP LOCKED` for each
//!   batch and moved in the same transaction as the read-model rows — each event takes effect exactly once,
//!   across crashes, and with several app instances only one applies a batch at a time (up to 5,000 events;
//!   these commits do not wait for the disk: a lost one is re-applied from the log with its checkpoint).
//!   Subscribers are woken by `LISTEN/NOTIFY` — one coalesced notification sent by the store after its appends
//!   commit (a `NOTIFY` inside the writers' transactions would hold PostgreSQL's notification lock through
//!   each commit and serialise them) — with a slow poll as a safety net; a subscriber that finds committed
//!   events still held back by an older open transaction looks again 50 ms later.
//! - **Rebuilds** while the app runs: the log is read once for all projections (the next batch is read while
//!   the last is applied) and replayed into fresh copies of their tables, each in a schema of its own. The
//!   copies are filled without their indexes, without waiting for the disk (a crash loses only the copies),
//!   then given the live tables' indexes and constraints, built by sorting. Then, in one transaction holding
//!   the checkpoints (the live runners pause), the last events are applied, the copies replace the live
//!   tables and the checkpoints move. Readers see the old tables until that commit, then the new ones.
//! - **Idempotent appends by event id** (`event_id` is unique — with `history` beside it, which a
//!   partitioned table needs in its unique key, and which the same event always has; an append
//!   whose events are all stored already succeeds without storing anything), which makes
//!   client-chosen ids safe to retry. A batch appended
//!   without a condition is one statement that first assumes every event is new: `ON CONFLICT DO NOTHING`
//!   would cost every row a speculative insertion (about 15% of an append). When an id was stored before,
//!   the unique index refuses the statement and it runs again skipping the stored ids — one more round trip
//!   for that batch's sender. Grouped single appends, which share a statement among many callers, always
//!   skip stored ids: one client's retry must not make its whole group run twice.
//! - **Payloads are `json`**, the text as the writer serialised it: checked on the way in, never converted.
//!   (`jsonb` parsed each payload into a tree on insert and printed it back on every read, for operators the
//!   store does not use.) Reads select on tags (GIN), event ids or commit order; a read by type alone is
//!   answered by scanning the table, as no use case makes one (nor a condition on types alone, which would
//!   scan it holding the table lock that such a condition takes). The migration that made this change
//!   (`20261201000004_events_json_payload.sql`) rewrites the events table once, holding it locked: on a
//!   long log, upgrade in a quiet hour.
//! - **Metadata stored once**: each distinct metadata is a row of `event_metadata`, numbered, and
//!   an event keeps its number, 4 bytes ([`metadata`]); readers get the text back as before.

mod append;
mod clock;
mod group;
mod history;
mod locks;
mod matching;
mod metadata;
mod read;
mod rebuild;
mod subscription;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

pub use append::{AppendCondition, AppendError, Appended, NewEvent};
pub use history::{Detached, HistoryWeek};
pub use read::{Cursor, StoredEvent};
pub use rebuild::{rebuild, RebuildProgress};
pub use subscription::{
    checkpoint, follow, Projection, ProjectionFailure, ProjectionRunner, Wakeups,
};

/// Whether `error` says the database is away or overloaded rather than that a statement is
/// wrong: no connection within the pool's acquire timeout, a connection cut, the server shutting
/// down or starting, out of resources (too many connections, disk full), a statement cancelled by
/// the statement timeout, a serialization failure or a deadlock (SQLSTATE classes 08 and 53,
/// 57P01-57P03, 57014, 40001, 40P01). Retrying such an error later may succeed; retrying any other
/// will not.
pub fn is_connection_error(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(
                    &*code,
                    "57P01" | "57P02" | "57P03" | "57014" | "40001" | "40P01"
                )
        }),
        _ => false,
    }
}

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::watch;

/// Sends one NOTIFY for all the appends committed since the last one, outside the writers'
/// transactions: a NOTIFY inside a transaction holds PostgreSQL's notification lock through its
/// commit, which would let only one writer commit at a time. Ends with the last store handle.
async fn announce_appends(pool: PgPool, mut appended: watch::Receiver<()>) {
    while appended.changed().await.is_ok() {
        if let Err(error) = sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&pool)
            .await
        {
            // Subscribers still poll: a lost announcement delays them, loses nothing.
            tracing::warn!(%error, "cannot announce appended events");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
}

/// Which events a read or an append condition is about: events of any of `event_types`
/// (all types when empty) that carry every one of `tags`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub event_types: Vec<String>,
    pub tags: Vec<String>,
}

impl Query {
    pub fn of_types(event_types: &[&str]) -> Self {
        Self {
            event_types: event_types.iter().map(|t| t.to_string()).collect(),
            tags: Vec::new(),
        }
    }

    pub fn tagged(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
}

/// [`EventStore::migrate`] on one connection (a migration may run longer than a pool's
/// statement timeout allows: the caller sets the connection's).
///
/// Events of `history_types` are history: stored in a partition per week (of their ids' time,
/// for UUID v7 ids) that a purge can remove ([`EventStore::detach_history_before`]). Types declared once
/// stay history; declare them before storing any, or those stored before stay kept.
pub async fn migrate_on(
    connection: &mut sqlx::PgConnection,
    history_types: &[&str],
) -> Result<(), sqlx::migrate::MigrateError> {
    // Before the migrations: the one that partitions the log sorts the stored events by it.
    sqlx::raw_sql("CREATE TABLE IF NOT EXISTS event_history_types (event_type text PRIMARY KEY)")
        .execute(&mut *connection)
        .await?;
    sqlx::query("INSERT INTO event_history_types SELECT unnest($1::text[]) ON CONFLICT DO NOTHING")
        .bind(history_types)
        .execute(&mut *connection)
        .await?;
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_ignore_missing(true);
    migrator.run(&mut *connection).await?;
    clock::align(connection).await?;
    Ok(())
}

/// Handle on the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct EventStore {
    pool: PgPool,
    /// The appends' connections (the same pool as `pool` unless made [`Self::with_pools`]).
    writes: PgPool,
    /// Signalled after each append commits; see [`announce_appends`].
    appended: Arc<watch::Sender<()>>,
    /// Unconditional appends that share transactions; see [`group`].
    grouped: tokio::sync::mpsc::Sender<group::Request>,
    /// The weeks of history known to have their partition.
    weeks: Arc<history::Weeks>,
    /// The numbers of the metadata seen; see [`metadata`].
    metadata: Arc<metadata::MetadataIds>,
}

/// The channel subscribers listen on.
pub const CHANNEL: &str = "events_appended";

impl EventStore {
    /// Also starts the task that announces appends to every instance's subscribers.
    pub fn new(pool: PgPool) -> Self {
        Self::with_pools(pool.clone(), pool)
    }

    /// A store whose appends have connections of their own (`writes`), so that a burst of
    /// heavy reads on `reads` (what [`Self::pool`] hands out) cannot keep ingest waiting.
    pub fn with_pools(reads: PgPool, writes: PgPool) -> Self {
        let (appended, receiver) = watch::channel(());
        tokio::spawn(announce_appends(writes.clone(), receiver));
        let appended = Arc::new(appended);
        let announcer = Arc::downgrade(&appended);
        let weeks = Arc::new(history::Weeks::default());
        let metadata = Arc::new(metadata::MetadataIds::default());
        let grouped = group::start(writes.clone(), weeks.clone(), metadata.clone(), move || {
            if let Some(appended) = announcer.upgrade() {
                appended.send_replace(());
            }
        });
        Self {
            pool: reads,
            writes,
            appended,
            grouped,
            weeks,
            metadata,
        }
    }

    /// Appends `events` with no condition, in a transaction shared with other callers' appends
    /// (group commit): all of them are stored, or none. Idempotent by event id, like [`append`].
    ///
    /// [`append`]: EventStore::append
    pub async fn append_grouped(&self, events: Vec<NewEvent>) -> Result<Appended, AppendError> {
        group::submit(&self.grouped, events).await
    }

    /// Tells subscribers that events were committed.
    fn announce(&self) {
        self.appended.send_replace(());
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes both pools, for every clone of this store: nothing reconnects afterwards.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writes.close().await;
    }

    /// Applies the store's own schema migrations (`crates/event-store/migrations`), then sets the
    /// log's clock right after a restore into a new cluster ([`clock::align`]). The migrations
    /// share PostgreSQL's migration table with the app's, so each side ignores the other's versions.
    pub async fn migrate(&self, history_types: &[&str]) -> Result<(), sqlx::migrate::MigrateError> {
        migrate_on(&mut *self.pool.acquire().await?, history_types).await
    }

    /// Number of stored events.
    pub async fn count(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.pool)
            .await
    }
}
