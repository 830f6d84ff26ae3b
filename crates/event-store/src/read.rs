use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sqlx::{PgExecutor, Postgres, QueryBuilder};
use uuid::Uuid;

use super::{
    matching::{push_matches, push_matches_after, ONE_SHOT_PLAN},
    EventStore, Query,
};

/// A place in the commit order of the log: (transaction id, position). Reading "after a cursor"
/// never skips an event, however late its transaction commits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub transaction_id: i64,
    pub position: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredEvent {
    pub position: i64,
    pub transaction_id: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub tags: Vec<String>,
    /// The JSON as stored, parsed only into the type a reader asks for (no `Value` tree between).
    #[sqlx(json)]
    pub payload: Box<RawValue>,
    /// Who caused it and how, as the writer put it; `None` for events written without.
    #[sqlx(json(nullable))]
    pub metadata: Option<Box<RawValue>>,
    pub recorded_at: DateTime<Utc>,
}

impl StoredEvent {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            transaction_id: self.transaction_id,
            position: self.position,
        }
    }

    pub fn decode<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.payload.get())
    }
}

/// Metadata numbered in `event_metadata` is looked up by its number (one probe of a small table's
/// primary key, for the rows read only); see [`crate::metadata`].
pub(super) const COLUMNS: &str = "position, transaction_id, event_id, event_type, tags, payload,
    coalesce(metadata, (SELECT m.metadata::json FROM event_metadata m
                        WHERE m.metadata_id = events.metadata_id)) AS metadata,
    recorded_at";

impl EventStore {
    /// Events matching `query` with a position after `after`, in position order: the view a
    /// command decides on, and an entity's history. (For one tag, position order is commit order:
    /// writers of a tag hold its lock until they commit.)
    pub async fn read(
        &self,
        query: &Query,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<StoredEvent>> {
        let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM events WHERE "));
        push_matches_after(&mut sql, query, after);
        sql.push(" ORDER BY position LIMIT ").push_bind(limit);
        // Planned for its own values each time (an unnamed statement): see `ONE_SHOT_PLAN`.
        sql.build_query_as()
            .persistent(ONE_SHOT_PLAN)
            .fetch_all(&self.pool)
            .await
    }

    /// Events by their ids, whatever their type: one round trip, one index probe each.
    pub async fn read_ids(&self, ids: &[Uuid]) -> sqlx::Result<Vec<StoredEvent>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM events WHERE event_id = ANY($1) ORDER BY position"
        ))
        .bind(ids)
        .fetch_all(&self.pool)
        .await
    }

    /// Events of one type by their ids: one round trip, one index probe each.
    pub async fn read_by_ids(
        &self,
        event_type: &str,
        ids: &[Uuid],
    ) -> sqlx::Result<Vec<StoredEvent>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM events WHERE event_id = ANY($1) AND event_type = $2 ORDER BY position"
        ))
        .bind(ids)
        .bind(event_type)
        .fetch_all(&self.pool)
        .await
    }

    /// Events at the given positions, in position order: a read model that keeps positions
    /// (a vehicle's fixes by time, say) finds its events with one primary-key probe each.
    pub async fn read_positions(&self, positions: &[i64]) -> sqlx::Result<Vec<StoredEvent>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM events WHERE position = ANY($1) ORDER BY position"
        ))
        .bind(positions)
        .fetch_all(&self.pool)
        .await
    }

    /// Every event matching `query`, in position order, for a stream known to be small (an
    /// account's few events). Without a `LIMIT`, PostgreSQL takes the tag index and sorts the few
    /// rows; [`Self::read`]'s `ORDER BY position LIMIT n` may instead walk the whole table in
    /// position order looking for them (measured: 25 ms to 300 ms at 1 M events, when the tag's
    /// events are recent).
    pub async fn read_all(&self, query: &Query) -> sqlx::Result<Vec<StoredEvent>> {
        let mut sql = QueryBuilder::<Postgres>::new(format!("SELECT {COLUMNS} FROM events WHERE "));
        push_matches(&mut sql, query);
        sql.push(" ORDER BY position");
        sql.build_query_as().fetch_all(&self.pool).await
    }

    /// Events of one type carrying any of `tags`, in position order: one round trip to find
    /// many entities at once.
    pub async fn read_any_tag(
        &self,
        event_type: &str,
        tags: &[String],
    ) -> sqlx::Result<Vec<StoredEvent>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM events WHERE event_type = $1 AND tags && $2::text[] ORDER BY position"
        ))
        .bind(event_type)
        .bind(tags)
        .fetch_all(&self.pool)
        .await
    }

    /// Reads events committed after `after`, in commit order; see [`read_committed`].
    pub async fn read_committed(
        &self,
        after: Cursor,
        limit: i64,
    ) -> sqlx::Result<Vec<StoredEvent>> {
        read_committed(&self.pool, after, limit).await
    }
}

/// Gap-free reading in commit order. Positions are taken at insert, not at commit, so "position >
/// last seen" could skip an event whose transaction commits late. Instead, only events of
/// transactions older than every transaction still running are read: nothing can commit before
/// them any more.
pub async fn read_committed<'c>(
    executor: impl PgExecutor<'c>,
    after: Cursor,
    limit: i64,
) -> sqlx::Result<Vec<StoredEvent>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM events
         WHERE (transaction_id, position) > ($1, $2)
           AND transaction_id < (SELECT event_log_horizon())
         ORDER BY transaction_id, position
         LIMIT $3"
    ))
    .bind(after.transaction_id)
    .bind(after.position)
    .bind(limit)
    .fetch_all(executor)
    .await
}

/// Whether any event lies beyond `after` (committed or not yet readable): one index probe. (The
/// ORDER BY keeps it one: as a bare EXISTS, a generic plan may scan the table from its start.)
pub async fn any_after<'c>(executor: impl PgExecutor<'c>, after: Cursor) -> sqlx::Result<bool> {
    let next: Option<i64> = sqlx::query_scalar(
        "SELECT position FROM events WHERE (transaction_id, position) > ($1, $2)
         ORDER BY transaction_id, position LIMIT 1",
    )
    .bind(after.transaction_id)
    .bind(after.position)
    .fetch_optional(executor)
    .await?;
    Ok(next.is_some())
}

/// How many events lie beyond `after` (committed or not yet readable), counted up to `cap`: a
/// subscriber's lag.
pub async fn count_after<'c>(
    executor: impl PgExecutor<'c>,
    after: Cursor,
    cap: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT 1 FROM events WHERE (transaction_id, position) > ($1, $2)
                               ORDER BY transaction_id, position LIMIT $3) AS beyond",
    )
    .bind(after.transaction_id)
    .bind(after.position)
    .bind(cap)
    .fetch_one(executor)
    .await
}

impl EventStore {
    /// The cursor of the last committed event, readable or not yet: a subscriber that has reached
    /// it has seen everything committed so far.
    pub async fn last(&self) -> sqlx::Result<Cursor> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT transaction_id, position FROM events
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(cursor_of(row))
    }

    /// The cursor of the last readable event: a subscriber starting here sees what comes next.
    /// While an older transaction of the cluster is open, events committed after it may not be
    /// readable yet: such a subscriber sees them too — it repeats rather than skips.
    pub async fn head(&self) -> sqlx::Result<Cursor> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT transaction_id, position FROM events
             WHERE transaction_id < (SELECT event_log_horizon())
             ORDER BY transaction_id DESC, position DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(cursor_of(row))
    }
}

impl EventStore {
    /// How long the oldest transaction still open on the cluster has been holding readers back
    /// (they read only below it); zero when none is. Cluster-wide, like the horizon itself.
    pub async fn horizon_age(&self) -> sqlx::Result<std::time::Duration> {
        let seconds: f64 = sqlx::query_scalar(
            "SELECT coalesce(extract(epoch FROM now() - min(xact_start)), 0)::float8
             FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(std::time::Duration::from_secs_f64(seconds.max(0.0)))
    }
}

/// The cursor of a `(transaction_id, position)` row; the start of the log when there is none.
fn cursor_of(row: Option<(i64, i64)>) -> Cursor {
    row.map(|(transaction_id, position)| Cursor {
        transaction_id,
        position,
    })
    .unwrap_or_default()
}
