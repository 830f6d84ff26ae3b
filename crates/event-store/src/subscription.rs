use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use async_trait::async_trait;
use sqlx::{postgres::PgListener, PgConnection, PgPool};
use tokio::sync::watch;

use super::read::{any_after, count_after, read_committed};
use super::{Cursor, StoredEvent};

/// A read model fed by the log. Its checkpoint moves in the transaction that applies the events,
/// so each event takes effect exactly once, even across crashes.
#[async_trait]
pub trait Projection: Send + Sync + 'static {
    /// Unique name; the key of its checkpoint.
    fn name(&self) -> &'static str;

    /// The tables it owns (in schema `public`): a rebuild fills fresh copies and swaps them in.
    fn tables(&self) -> &'static [&'static str];

    /// Applies events in commit order. Tables are named without a schema: a rebuild points the
    /// transaction's `search_path` at its copies.
    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()>;

    /// Indexes (or index-backed constraints) of its tables that a rebuild gives the copies before
    /// filling them, because `apply` reads through them; the others are built once at the end.
    fn indexes_read_while_applying(&self) -> &'static [&'static str] {
        &[]
    }
}

/// Wake-ups for subscribers: the store's announcements of appends (LISTEN/NOTIFY, coalesced), plus
/// a poll as a safety net for lost notifications and events written by other programs.
#[derive(Clone)]
pub struct Wakeups {
    receiver: watch::Receiver<u64>,
    poll_interval: Duration,
}

impl Wakeups {
    /// Listens on the store's channel in a background task that reconnects by itself.
    pub fn listen(pool: &PgPool, poll_interval: Duration) -> Self {
        let (sender, receiver) = watch::channel(0u64);
        let pool = pool.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = sender.closed() => return,
                    result = listen_until_error(&pool, &sender) => {
                        tracing::warn!(error = %result, "event notifications interrupted; reconnecting");
                        // Notifications may have been lost meanwhile: wake everyone once.
                        sender.send_modify(|n| *n += 1);
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        Self {
            receiver,
            poll_interval,
        }
    }

    /// Waits for the next notification or the poll interval, whichever comes first.
    pub async fn wait(&mut self) {
        let _ = tokio::time::timeout(self.poll_interval, self.receiver.changed()).await;
    }
}

async fn listen_until_error(pool: &PgPool, sender: &watch::Sender<u64>) -> sqlx::Error {
    let mut listener = match PgListener::connect_with(pool).await {
        Ok(listener) => listener,
        Err(error) => return error,
    };
    listener.ignore_pool_close_event(true);
    if let Err(error) = listener.listen(crate::CHANNEL).await {
        return error;
    }
    loop {
        match listener.try_recv().await {
            Ok(Some(_)) => sender.send_modify(|n| *n += 1),
            Ok(None) => return sqlx::Error::PoolClosed,
            Err(error) => return error,
        }
    }
}

/// Hands every batch of events committed after `from` to `apply`, in commit order, for ever:
/// for subscribers that keep their place in memory (a live feed, a cache).
pub async fn follow(
    pool: PgPool,
    mut from: Cursor,
    mut wakeups: Wakeups,
    mut apply: impl FnMut(&[StoredEvent]) + Send,
) {
    loop {
        match read_committed(&pool, from, 1000).await {
            Ok(events) if events.is_empty() => wait_for_more(&pool, from, &mut wakeups).await,
            Ok(events) => {
                apply(&events);
                from = events.last().map(StoredEvent::cursor).unwrap_or(from);
            }
            Err(error) => {
                tracing::warn!(%error, "cannot read the log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Waits until more events may be readable after `cursor`. Events already committed but held back
/// (an older transaction of the cluster is still open) were announced already: retry soon rather
/// than wait for the next announcement or the poll.
async fn wait_for_more(pool: &PgPool, cursor: Cursor, wakeups: &mut Wakeups) {
    match any_after(pool, cursor).await {
        Ok(true) => tokio::time::sleep(HELD_BACK_RETRY).await,
        _ => wakeups.wait().await,
    }
}

/// How soon a subscriber looks again for events held back by an older open transaction.
const HELD_BACK_RETRY: Duration = Duration::from_millis(50);

/// A projection stopped at an event it cannot apply.
#[derive(Debug, thiserror::Error)]
#[error("projection {projection} cannot apply {}: {error}", event.as_ref().map_or("its next batch".to_string(), |e| format!("event {} ({}, position {})", e.event_id, e.event_type, e.position)))]
pub struct ProjectionFailure {
    pub projection: &'static str,
    /// The event that fails; `None` if it could not be singled out.
    pub event: Option<StoredEvent>,
    pub error: sqlx::Error,
}

impl ProjectionFailure {
    fn new(projection: &'static str, event: Option<StoredEvent>, error: sqlx::Error) -> Self {
        Self {
            projection,
            event,
            error,
        }
    }
}

/// Feeds one projection from its checkpoint. Any number of runners (in any number of app
/// instances) may run for the same projection: each batch locks the checkpoint row with
/// `FOR UPDATE SKIP LOCKED`, so only one applies events at a time.
#[derive(Clone)]
pub struct ProjectionRunner {
    pool: PgPool,
    projection: Arc<dyn Projection>,
    batch_size: i64,
    /// Set once this runner has made sure the checkpoint row exists.
    has_checkpoint: Arc<AtomicBool>,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Applied this many events (0: nothing readable yet).
    Applied(usize),
    /// Another runner holds the checkpoint.
    Busy,
}

impl ProjectionRunner {
    pub fn new(pool: PgPool, projection: Arc<dyn Projection>) -> Self {
        Self {
            pool,
            projection,
            batch_size: 5000,
            has_checkpoint: Arc::default(),
        }
    }

    pub fn with_batch_size(mut self, batch_size: i64) -> Self {
        self.batch_size = batch_size;
        self
    }

    pub fn name(&self) -> &'static str {
        self.projection.name()
    }

    /// Follows the log: catches up, then applies new events as they are notified. While the
    /// database is away it retries each second; it returns only when an event cannot be applied
    /// (a bug, or data the projection does not expect), naming that event, so that its supervisor
    /// can say which and why while the other projections go on.
    pub async fn run(self, mut wakeups: Wakeups) -> Result<(), ProjectionFailure> {
        loop {
            match self.advance().await {
                Ok((Step::Applied(n), _)) if n as i64 == self.batch_size => continue,
                Ok((Step::Applied(_), Some(at))) => {
                    wait_for_more(&self.pool, at, &mut wakeups).await
                }
                Ok(_) => wakeups.wait().await,
                Err(error) if crate::is_connection_error(&error) => {
                    tracing::warn!(projection = self.name(), %error, "the database is away; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(error) => {
                    if let Some(failure) = self.failing_event(error).await {
                        return Err(failure);
                    }
                }
            }
        }
    }

    /// Which event of the failed batch fails: the batch applied again one event at a time (each
    /// that applies moves the checkpoint, as it would have), at most a batch's worth. `None` when
    /// none fails (what failed has passed) or the database went away meanwhile: the caller goes on.
    async fn failing_event(&self, batch_error: sqlx::Error) -> Option<ProjectionFailure> {
        let one_by_one = self.clone().with_batch_size(1);
        for _ in 0..self.batch_size {
            let before = checkpoint(&self.pool, self.name()).await.ok().flatten();
            match one_by_one.advance().await {
                Ok((Step::Applied(1), _)) => continue,
                Ok(_) => break,
                Err(error) if crate::is_connection_error(&error) => return None,
                Err(error) => {
                    // (With several instances, another may have moved the checkpoint since it was
                    // read: the event named is then a later one, and the error is still this one.)
                    let event = match before {
                        Some(cursor) => read_committed(&self.pool, cursor, 1)
                            .await
                            .ok()
                            .and_then(|events| events.into_iter().next()),
                        None => None,
                    };
                    return Some(ProjectionFailure::new(self.name(), event, error));
                }
            }
        }
        tracing::warn!(projection = self.name(), error = %batch_error, "a batch failed, then applied event by event");
        None
    }

    /// One batch in one transaction: lock the checkpoint, read after it, apply, move it.
    pub async fn step(&self) -> sqlx::Result<Step> {
        Ok(self.advance().await?.0)
    }

    /// [`step`](Self::step), and where the checkpoint stands after it (`None` when busy).
    async fn advance(&self) -> sqlx::Result<(Step, Option<Cursor>)> {
        self.ensure_checkpoint().await?;
        let mut tx = self.pool.begin().await?;
        // A read model and its checkpoint commit together, and both follow from the log: if a
        // crash loses this commit, the batch is simply applied again. No need to wait for disk.
        sqlx::query("SET LOCAL synchronous_commit TO off")
            .execute(&mut *tx)
            .await?;
        let Some(cursor) = lock_checkpoint(&mut tx, self.name(), true).await? else {
            return Ok((Step::Busy, None));
        };
        let events = read_committed(&mut *tx, cursor, self.batch_size).await?;
        let Some(last) = events.last() else {
            return Ok((Step::Applied(0), Some(cursor)));
        };
        self.projection.apply(&mut tx, &events).await?;
        save_checkpoint(&mut tx, self.name(), last.cursor()).await?;
        tx.commit().await?;
        Ok((Step::Applied(events.len()), Some(last.cursor())))
    }

    /// Events not yet applied.
    pub async fn lag(&self) -> sqlx::Result<i64> {
        self.lag_up_to(i64::MAX).await
    }

    /// Events not yet applied, counted up to `cap`: a health check's cheap look, which writes
    /// nothing (a projection that never ran counts from the start of the log).
    pub async fn lag_up_to(&self, cap: i64) -> sqlx::Result<i64> {
        let cursor = checkpoint(&self.pool, self.name()).await?;
        count_after(&self.pool, cursor.unwrap_or_default(), cap).await
    }

    /// Creates the checkpoint row on first use; once per runner, not on every batch.
    async fn ensure_checkpoint(&self) -> sqlx::Result<()> {
        if !self.has_checkpoint.load(Ordering::Acquire) {
            ensure_checkpoint(&self.pool, self.name()).await?;
            self.has_checkpoint.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Applies every event stored so far (waiting for transactions still open), then returns.
    pub async fn catch_up(&self) -> sqlx::Result<()> {
        loop {
            if let Step::Applied(n) = self.step().await? {
                if n as i64 == self.batch_size {
                    continue;
                }
            }
            if self.lag().await? == 0 {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

pub(super) async fn ensure_checkpoint(pool: &PgPool, name: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (projection) VALUES ($1) ON CONFLICT DO NOTHING",
    )
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

/// Where the projection `name` has got to, as `executor` sees it; `None` before its first run.
/// Read in the same snapshot as the projection's tables, it says which events they hold.
pub async fn checkpoint<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    name: &str,
) -> sqlx::Result<Option<Cursor>> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT transaction_id, position FROM projection_checkpoints WHERE projection = $1",
    )
    .bind(name)
    .fetch_optional(executor)
    .await?;
    Ok(row.map(|(transaction_id, position)| Cursor {
        transaction_id,
        position,
    }))
}

/// Locks the checkpoint row for this transaction; `None` if `skip_locked` and another holds it.
pub(super) async fn lock_checkpoint(
    tx: &mut PgConnection,
    name: &str,
    skip_locked: bool,
) -> sqlx::Result<Option<Cursor>> {
    let sql = if skip_locked {
        "SELECT transaction_id, position FROM projection_checkpoints
         WHERE projection = $1 FOR UPDATE SKIP LOCKED"
    } else {
        "SELECT transaction_id, position FROM projection_checkpoints
         WHERE projection = $1 FOR UPDATE"
    };
    let row: Option<(i64, i64)> = sqlx::query_as(sql)
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|(transaction_id, position)| Cursor {
        transaction_id,
        position,
    }))
}

pub(super) async fn save_checkpoint(
    tx: &mut PgConnection,
    name: &str,
    cursor: Cursor,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE projection_checkpoints
         SET transaction_id = $2, position = $3, updated_at = now()
         WHERE projection = $1",
    )
    .bind(name)
    .bind(cursor.transaction_id)
    .bind(cursor.position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
