//! A small event store on PostgreSQL. It knows nothing of vehicles: an event is a type, a JSON
//! payload and a set of tags, stored once in an append-only table.
//!
//! Guarantees (see `migrations/*_event_store.sql` for the table):
//! - append-only, refused by the database itself;
//! - conditional appends ("dynamic consistency boundary"), race-free at READ COMMITTED through
//!   transaction-scoped advisory locks on the tags involved;
//! - gap-free reading in commit order, through a transaction-id cursor;
//! - subscriptions whose checkpoint moves in the same transaction as their read model;
//! - rebuilds aside while the app runs, swapped in atomically;
//! - idempotent appends by event id.

mod append;
mod group;
mod read;
mod rebuild;
mod subscription;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
#[cfg(test)]
mod tests;

pub use append::{AppendCondition, AppendError, Appended, NewEvent};
pub use read::{Cursor, StoredEvent};
pub use rebuild::{rebuild, RebuildProgress};
pub use subscription::{follow, Projection, ProjectionRunner, Wakeups};

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

/// Handle on the store; cheap to clone.
#[derive(Clone, Debug)]
pub struct EventStore {
    pool: PgPool,
    /// Signalled after each append commits; see [`announce_appends`].
    appended: Arc<watch::Sender<()>>,
    /// Unconditional appends that share transactions; see [`group`].
    grouped: tokio::sync::mpsc::Sender<group::Request>,
}

/// The channel subscribers listen on.
pub const CHANNEL: &str = "events_appended";

impl EventStore {
    /// Also starts the task that announces appends to every instance's subscribers.
    pub fn new(pool: PgPool) -> Self {
        let (appended, receiver) = watch::channel(());
        tokio::spawn(announce_appends(pool.clone(), receiver));
        let appended = Arc::new(appended);
        let announcer = Arc::downgrade(&appended);
        let grouped = group::start(pool.clone(), move || {
            if let Some(appended) = announcer.upgrade() {
                appended.send_replace(());
            }
        });
        Self {
            pool,
            appended,
            grouped,
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

    /// Applies the store's own schema migrations (`crates/event-store/migrations`). They share
    /// PostgreSQL's migration table with the app's, so each side ignores the other's versions.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        let mut migrator = sqlx::migrate!("./migrations");
        migrator.set_ignore_missing(true);
        migrator.run(&self.pool).await
    }

    /// Number of stored events.
    pub async fn count(&self) -> sqlx::Result<i64> {
        sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&self.pool)
            .await
    }
}
