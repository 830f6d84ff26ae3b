//! The store's locks: transaction-scoped advisory locks on the (event type, tag) pairs a writer
//! touches, taken in one global order. Exclusive on the pairs a condition asks about, shared on
//! those only appended: a writer whose events could break a condition and the writer deciding on
//! it run one after the other; writers that decide nothing run side by side, and a decision about
//! one type never waits for appends of another (a registration does not wait for a batch of fixes).

use std::collections::BTreeMap;

use sqlx::{PgConnection, Postgres};

use crate::{AppendCondition, NewEvent};

pub(super) async fn lock(
    tx: &mut PgConnection,
    events: &[NewEvent],
    conditions: &[&AppendCondition],
) -> sqlx::Result<()> {
    if conditions
        .iter()
        .any(|c| c.query.tags.is_empty() || c.query.event_types.is_empty())
    {
        // A condition on event types alone, or on tags of any type, can be broken by writers of
        // any tag or type: wait for the writers in flight and hold the others back until this
        // transaction ends. (Locking an "any type" key as well on every append would double a
        // batch's locks for the sake of rare administrative decisions.)
        sqlx::query("LOCK TABLE events IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    let keys = LockKeys::of(events, conditions);
    if keys.tags.is_empty() {
        return Ok(());
    }
    keys.bind(sqlx::query_as::<_, (i64,)>(&format!(
        "SELECT count(taken) FROM ({}) AS locks",
        LockKeys::take(1)
    )))
    .fetch_one(&mut *tx)
    .await?;
    Ok(())
}

/// The (event type, tag) pairs a writer locks: exclusively those its conditions ask about, shared
/// those it only appends. Appends that decide nothing do not wait for each other, only for a
/// decision about their pairs. An event matches a condition's query when its type is one of the
/// query's and it has all the query's tags, so it has the pair (its type, any of those tags): the
/// appender and the decider always meet on at least one key.
pub(super) struct LockKeys<'a> {
    tags: Vec<&'a str>,
    event_types: Vec<&'a str>,
    exclusive: Vec<bool>,
}

impl<'a> LockKeys<'a> {
    pub(super) fn of(events: &'a [NewEvent], conditions: &[&'a AppendCondition]) -> Self {
        let mut keys: BTreeMap<(&str, &str), bool> = BTreeMap::new();
        for event in events {
            for tag in &event.tags {
                keys.entry((event.event_type.as_str(), tag))
                    .or_insert(false);
            }
        }
        for query in conditions.iter().map(|c| &c.query) {
            for event_type in &query.event_types {
                for tag in &query.tags {
                    keys.insert((event_type, tag), true);
                }
            }
        }
        let mut locks = Self {
            tags: Vec::with_capacity(keys.len()),
            event_types: Vec::with_capacity(keys.len()),
            exclusive: Vec::with_capacity(keys.len()),
        };
        for ((event_type, tag), exclusive) in keys {
            locks.event_types.push(event_type);
            locks.tags.push(tag);
            locks.exclusive.push(exclusive);
        }
        locks
    }

    /// A query taking the locks of the pairs in parameters `$first` (event types, text[]),
    /// `$first + 1` (tags, text[]) and `$first + 2` (bool[]), one row (`taken`) per key. Keys are
    /// locked in ascending order, the same for every writer: no deadlocks, even when two pairs
    /// share a key (it is then locked exclusively if either pair is).
    pub(super) fn take(first: usize) -> String {
        let (second, third) = (first + 1, first + 2);
        format!(
            "SELECT CASE WHEN exclusive THEN pg_advisory_xact_lock(space, k)
                         ELSE pg_advisory_xact_lock_shared(space, k) END AS taken
             FROM (
                 SELECT {SPACE_OF_TYPE} AS space, {STRIPE_OF_TAG} AS k,
                        bool_or(exclusive) AS exclusive
                 FROM unnest(${first}::text[], ${second}::text[], ${third}::bool[])
                      AS t(event_type, tag, exclusive)
                 GROUP BY 1, 2 ORDER BY 1, 2
             ) AS keys"
        )
    }

    pub(super) fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, Postgres, O, <Postgres as sqlx::Database>::Arguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, <Postgres as sqlx::Database>::Arguments<'q>> {
        query
            .bind(&self.event_types)
            .bind(&self.tags)
            .bind(&self.exclusive)
    }
}

/// Each event type has a space of its own (the first key of the two-key advisory locks), so that
/// a decision about registrations never shares a key with a batch of fixes: with one space, a
/// batch of 1,000 vehicles' fixes held all 256 stripes shared, every registration's exclusive lock
/// waited for the batch running, and the next batches queued behind the registration (the soak's
/// convoy, docs/benchmarks.md). One-key advisory locks, like sqlx's migration lock, are a space
/// apart from these; the prefix keeps these off any other two-key locks of the database.
const SPACE_OF_TYPE: &str = "hashtext('fleetline-events:' || event_type)";
/// Within a type, a tag locks one of 256 stripes. A batch of fixes for thousands of vehicles would
/// otherwise hold thousands of locks, and a few such batches at once overflow PostgreSQL's lock
/// table (64 per connection by default: "out of shared memory"). Two tags that share a stripe
/// only make a decision wait for an append it did not need to wait for.
const STRIPE_OF_TAG: &str = "(hashtext(tag) & 255)";
