use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::history::{is_missing_partition, Weeks};
use super::locks::{lock, LockKeys};
use super::matching::{push_matches_after, ONE_SHOT_PLAN};
use super::metadata::MetadataIds;
use super::{EventStore, Query};

/// An event to append. The writer chooses `event_id`: appending the same id again stores nothing.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event_id: Uuid,
    pub event_type: String,
    pub tags: Vec<String>,
    /// JSON, serialised once by the writer.
    pub payload: Box<RawValue>,
    /// JSON about the event rather than of it (who caused it, how), or none.
    pub metadata: Option<Box<RawValue>>,
}

/// "Append only if nothing matching `query` was appended after position `after`"
/// (`None`: only if nothing matches at all).
#[derive(Clone, Debug)]
pub struct AppendCondition {
    pub query: Query,
    pub after: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error(
        "append refused: an event matching the condition was appended after position {after:?}"
    )]
    Conflict { after: Option<i64> },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The failure of a transaction shared with other callers' appends (group commit): each of
    /// them gets it.
    #[error("{0}")]
    Grouped(std::sync::Arc<sqlx::Error>),
}

impl AppendError {
    /// The database's error, if the database failed (rather than the condition).
    pub fn database_error(&self) -> Option<&sqlx::Error> {
        match self {
            AppendError::Conflict { .. } => None,
            AppendError::Database(error) => Some(error),
            AppendError::Grouped(error) => Some(error),
        }
    }
}

/// What an append stored: the position of each event, in order, or `None` where an event with
/// that id was already stored (an idempotent retry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    pub positions: Vec<Option<i64>>,
}

impl Appended {
    pub fn is_retry(&self) -> bool {
        self.positions.iter().all(Option::is_none)
    }
}

impl EventStore {
    /// Appends `events` atomically, if `condition` holds.
    pub async fn append(
        &self,
        events: &[NewEvent],
        condition: Option<&AppendCondition>,
    ) -> Result<Appended, AppendError> {
        self.append_if_all(events, condition.as_slice()).await
    }

    /// Appends `events` atomically, if every one of `conditions` holds: one decision over
    /// several consistency boundaries (e.g. "this plate and this device are both free").
    pub async fn append_if_all(
        &self,
        events: &[NewEvent],
        conditions: &[&AppendCondition],
    ) -> Result<Appended, AppendError> {
        let appended = if conditions.is_empty() {
            append_in_one_statement(
                &self.writes,
                &self.weeks,
                &self.metadata,
                events,
                Insert::AssumingNew,
            )
            .await?
        } else {
            // The weeks' partitions and the metadata's numbers in statements of their own:
            // created in the decision's transaction, they would hold every other creator of the
            // same until it commits.
            self.weeks.ensure(&self.writes, events).await?;
            self.metadata.ensure(&self.writes, events).await?;
            let mut tx = self.writes.begin().await?;
            let appended = append_all_in(&mut tx, &self.metadata, events, conditions)
                .await
                .inspect_err(|error| forget_weeks_if_missing(&self.weeks, error))?;
            tx.commit().await?;
            appended
        };
        if !appended.is_retry() {
            self.announce();
        }
        Ok(appended)
    }
}

/// [`append_all_in`] with at most one condition.
#[cfg(test)]
pub async fn append_in(
    tx: &mut PgConnection,
    events: &[NewEvent],
    condition: Option<&AppendCondition>,
) -> Result<Appended, AppendError> {
    append_all_in(tx, &MetadataIds::default(), events, condition.as_slice()).await
}

/// Appends within the caller's transaction, if every one of `conditions` holds; the events become
/// visible when it commits.
///
/// Every writer takes transaction-scoped advisory locks, in one global order: shared on the tags
/// it appends, exclusive on the tags its conditions ask about (see `locks`: the keys are
/// striped). A writer whose events could break a condition and the writer deciding on
/// it therefore run one after the other, and the second one's check (a new snapshot at READ
/// COMMITTED) sees the first one's events; writers that decide nothing run side by side.
///
/// Metadata that `metadata` has no number for is stored on its event.
pub async fn append_all_in(
    tx: &mut PgConnection,
    metadata: &MetadataIds,
    events: &[NewEvent],
    conditions: &[&AppendCondition],
) -> Result<Appended, AppendError> {
    if events.is_empty() {
        return Ok(Appended { positions: vec![] });
    }
    lock(tx, events, conditions).await?;

    if !conditions.is_empty() {
        let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
        // A retry of a conditional append that was stored succeeds again, although its own
        // events now break its condition. (Without conditions, the insert alone is idempotent.)
        let already: Vec<Uuid> =
            sqlx::query_scalar("SELECT event_id FROM events WHERE event_id = ANY($1)")
                .bind(&ids)
                .fetch_all(&mut *tx)
                .await?;
        if already.len() == events.len() {
            return Ok(Appended {
                positions: vec![None; events.len()],
            });
        }
    }

    for condition in conditions {
        // `count(*) > 0`, not `EXISTS`: with no statistics on the log (a restored database before
        // its ANALYZE, a server whose autovacuum is off) PostgreSQL guesses about 100 matches, so
        // `EXISTS` (a LIMIT 1) expects to find one after 1 % of a sequential scan and scans the
        // whole log when there is none, the usual answer: 1,762 ms at 5 M events, where the tag
        // index counts in 2 ms. A boundary holds a handful of events, so counting costs nothing.
        let mut check = QueryBuilder::<Postgres>::new("SELECT count(*) > 0 FROM events WHERE ");
        push_matches_after(&mut check, &condition.query, condition.after.unwrap_or(0));
        let conflict: bool = check
            .build_query_scalar()
            .persistent(ONE_SHOT_PLAN)
            .fetch_one(&mut *tx)
            .await?;
        if conflict {
            return Err(AppendError::Conflict {
                after: condition.after,
            });
        }
    }

    let rows = Rows::of(events, metadata);
    let inserted = rows
        .bind(sqlx::query_as(&format!(
            "{INSERT_ROWS} {IN_ORDER} {SKIP_STORED} {RETURNING}"
        )))
        .fetch_all(&mut *tx)
        .await?;
    Ok(rows.appended(inserted))
}

/// Appends `events` unconditionally in one statement, so in a transaction of its own: one round
/// trip instead of four (begin, lock, insert, commit). The shared locks on its tags are taken by
/// a materialised CTE that the insert waits on, before any row is inserted, and held until the
/// statement commits: decisions about these tags still see these events or run after them.
///
/// With [`Insert::AssumingNew`], the insert first assumes every event is new, because `ON
/// CONFLICT` costs every row a speculative insertion (about 15% of an append): an event id stored
/// before (or repeated in `events`) fails the whole statement, which then runs again skipping the
/// stored ids. For one caller's batch that makes a retry cost one more round trip. The group
/// commit uses [`Insert::SkippingStored`]: there, one client's retry would make every request of
/// its group pay the failed statement, and more so the busier the server.
pub(super) async fn append_in_one_statement(
    pool: &PgPool,
    weeks: &Weeks,
    metadata: &MetadataIds,
    events: &[NewEvent],
    insert: Insert,
) -> Result<Appended, AppendError> {
    // A week this store had seen was purged (by another instance, or is being detached right
    // now): again, creating it anew. While a purge detaches it the week can be neither written
    // nor created: that lasts until the transactions that began before the detach have ended,
    // milliseconds usually, so the append waits it out rather than fail (up to 5 s).
    let mut attempts = 0;
    loop {
        match try_append_in_one_statement(pool, weeks, metadata, events, insert).await {
            Err(AppendError::Database(error))
                if is_missing_partition(&error) && attempts < MISSING_WEEK_ATTEMPTS =>
            {
                weeks.forget();
                if attempts > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                attempts += 1;
            }
            result => return result,
        }
    }
}

/// An append into a week being detached tries again every 100 ms, up to 5 s.
const MISSING_WEEK_ATTEMPTS: u32 = 50;

/// The error, if it says a week's partition was missing, makes `weeks` find them again.
fn forget_weeks_if_missing(weeks: &Weeks, error: &AppendError) {
    if error.database_error().is_some_and(is_missing_partition) {
        weeks.forget();
    }
}

async fn try_append_in_one_statement(
    pool: &PgPool,
    weeks: &Weeks,
    metadata: &MetadataIds,
    events: &[NewEvent],
    insert: Insert,
) -> Result<Appended, AppendError> {
    if events.is_empty() {
        return Ok(Appended { positions: vec![] });
    }
    weeks.ensure(pool, events).await?;
    metadata.ensure(pool, events).await?;
    let keys = LockKeys::of(events, &[]);
    let rows = Rows::of(events, metadata);
    let (keys, rows) = (&keys, &rows);
    let insert_rows = |skip_stored: &'static str| async move {
        let sql = format!(
            "WITH locked AS MATERIALIZED (SELECT count(taken) AS n FROM ({}) AS locks)
             {INSERT_ROWS} WHERE (SELECT n FROM locked) >= 0 {IN_ORDER} {skip_stored} {RETURNING}",
            LockKeys::take(7)
        );
        keys.bind(rows.bind(sqlx::query_as(&sql)))
            .fetch_all(pool)
            .await
    };
    let assume_new = insert == Insert::AssumingNew && !rows.repeats_an_id();
    let inserted = if assume_new {
        match insert_rows("").await {
            Err(error) if is_stored_event_id(&error) => insert_rows(SKIP_STORED).await?,
            result => result?,
        }
    } else {
        insert_rows(SKIP_STORED).await?
    };
    Ok(rows.appended(inserted))
}

/// How an unconditional append treats event ids stored before; see [`append_in_one_statement`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Insert {
    AssumingNew,
    SkippingStored,
}

/// A unique violation of `events.event_id`: one of the events was stored before. PostgreSQL
/// names the violated index of the partition (`events_kept_event_id_history_key`, …), and every
/// unique index of the log is on the event id.
fn is_stored_event_id(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| {
        e.is_unique_violation() && e.table().is_some_and(|table| table.starts_with("events"))
    })
}

// The transaction id on the log's clock, once per statement (a scalar subquery: an init plan),
// not once per row as the column's default would; likewise the history types. An event is
// history when its type is one of them and its id a UUID v7 (version 7 in byte 6's high bits).
const INSERT_ROWS: &str = "INSERT INTO events (transaction_id, event_id, event_type, tags, payload, metadata, metadata_id, history)
     SELECT (SELECT event_log_transaction_id()), e.id, e.type, e.tags::text[], e.payload::json, e.metadata::json,
            e.metadata_id,
            e.type = ANY(ARRAY(SELECT event_type FROM event_history_types))
                AND get_byte(uuid_send(e.id), 6) >> 4 = 7
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int4[]) WITH ORDINALITY
          AS e(id, type, tags, payload, metadata, metadata_id, ord)";
const IN_ORDER: &str = "ORDER BY e.ord";
const SKIP_STORED: &str = "ON CONFLICT (event_id, history) DO NOTHING";
const RETURNING: &str = "RETURNING event_id, position";

/// Events as the insert's columns, one array each ($1 to $6).
struct Rows<'a> {
    ids: Vec<Uuid>,
    types: Vec<&'a str>,
    /// Each event's tags as one array literal: PostgreSQL has no arrays of arrays of any length.
    tags: Vec<String>,
    payloads: Vec<&'a str>,
    /// Metadata kept on the event: what has no number.
    metadata: Vec<Option<&'a str>>,
    metadata_ids: Vec<Option<i32>>,
}

type InsertQuery<'q> =
    sqlx::query::QueryAs<'q, Postgres, (Uuid, i64), <Postgres as sqlx::Database>::Arguments<'q>>;

impl<'a> Rows<'a> {
    fn of(events: &'a [NewEvent], numbers: &MetadataIds) -> Self {
        let metadata_ids = numbers.of(events);
        Self {
            ids: events.iter().map(|e| e.event_id).collect(),
            types: events.iter().map(|e| e.event_type.as_str()).collect(),
            tags: events.iter().map(|e| array_literal(&e.tags)).collect(),
            payloads: events.iter().map(|e| e.payload.get()).collect(),
            metadata: events
                .iter()
                .zip(&metadata_ids)
                .map(|(e, id)| match id {
                    Some(_) => None,
                    None => e.metadata.as_deref().map(RawValue::get),
                })
                .collect(),
            metadata_ids,
        }
    }

    fn bind<'q>(&'q self, query: InsertQuery<'q>) -> InsertQuery<'q> {
        query
            .bind(&self.ids)
            .bind(&self.types)
            .bind(&self.tags)
            .bind(&self.payloads)
            .bind(&self.metadata)
            .bind(&self.metadata_ids)
    }

    /// Each event's position, in order; `None` where its id was stored before, by an earlier
    /// append or by an earlier event of this one.
    fn appended(&self, inserted: Vec<(Uuid, i64)>) -> Appended {
        let mut inserted: HashMap<Uuid, i64> = inserted.into_iter().collect();
        Appended {
            positions: self.ids.iter().map(|id| inserted.remove(id)).collect(),
        }
    }

    /// Whether an event id appears twice: the statement assuming new ids would surely fail.
    fn repeats_an_id(&self) -> bool {
        let mut seen = HashSet::with_capacity(self.ids.len());
        !self.ids.iter().all(|id| seen.insert(id))
    }
}

/// `{"a","b \"c\""}`: PostgreSQL's text form of a text array.
fn array_literal(items: &[String]) -> String {
    let mut literal = String::from("{");
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            literal.push(',');
        }
        literal.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push('"');
    }
    literal.push('}');
    literal
}
