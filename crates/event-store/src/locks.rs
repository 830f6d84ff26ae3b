//! The store's locks: transaction-scoped advisory locks on the tags a writer touches, taken in
//! one global order. Exclusive on the tags a condition asks about, shared on those only
//! appended: a writer whose events could break a condition and the writer deciding on it run one
//! after the other; writers that decide nothing run side by side.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Postgres};

use crate::{AppendCondition, NewEvent};

pub(super) async fn lock(
    tx: &mut PgConnection,
    events: &[NewEvent],
    conditions: &[&AppendCondition],
) -> sqlx::Result<()> {
    if conditions.iter().any(|c| c.query.tags.is_empty()) {
        // A condition on event types alone can be broken by any writer: wait for the writers in
        // flight and hold the others back until this transaction ends.
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

/// The tags a writer locks: exclusively those its conditions ask about, shared those it only
/// appends. Appends that decide nothing do not wait for each other, only for a decision about
/// their tags.
pub(super) struct LockKeys<'a> {
    pub(super) tags: Vec<&'a str>,
    exclusive: Vec<bool>,
}

impl<'a> LockKeys<'a> {
    pub(super) fn of(events: &'a [NewEvent], conditions: &[&'a AppendCondition]) -> Self {
        let mut keys: BTreeMap<&str, bool> = BTreeMap::new();
        for tag in events.iter().flat_map(|e| e.tags.iter()) {
            keys.insert(tag, false);
        }
        for tag in conditions.iter().flat_map(|c| c.query.tags.iter()) {
            keys.insert(tag, true);
        }
        let (tags, exclusive) = keys.into_iter().unzip();
        Self { tags, exclusive }
    }

    /// A query taking the locks of the tags in parameters `$first` (text[]) and `$first + 1`
    /// (bool[]), one row (`taken`) per stripe. Stripes are locked in ascending order, the same for
    /// every writer: no deadlocks, even when two tags share a stripe (it is then locked
    /// exclusively if either tag is).
    pub(super) fn take(first: usize) -> String {
        let second = first + 1;
        format!(
            "SELECT CASE WHEN exclusive THEN pg_advisory_xact_lock({LOCK_SPACE}, k)
                         ELSE pg_advisory_xact_lock_shared({LOCK_SPACE}, k) END AS taken
             FROM (
                 SELECT {STRIPE_OF_TAG} AS k, bool_or(exclusive) AS exclusive
                 FROM unnest(${first}::text[], ${second}::bool[]) AS t(tag, exclusive)
                 GROUP BY 1 ORDER BY 1
             ) AS keys"
        )
    }

    pub(super) fn bind<'q, O>(
        &'q self,
        query: sqlx::query::QueryAs<'q, Postgres, O, <Postgres as sqlx::Database>::Arguments<'q>>,
    ) -> sqlx::query::QueryAs<'q, Postgres, O, <Postgres as sqlx::Database>::Arguments<'q>> {
        query.bind(&self.tags).bind(&self.exclusive)
    }
}

/// The tags' locks are striped: a tag locks one of 256 keys. A batch of fixes for thousands of
/// vehicles would otherwise hold thousands of locks, and a few such batches at once overflow
/// PostgreSQL's lock table (64 per connection by default: "out of shared memory"). Two tags that
/// share a stripe only make a decision wait for an append it did not need to wait for.
const STRIPE_OF_TAG: &str = "(hashtext(tag) & 255)";
/// The first key of the two-key advisory locks: keeps the stripes apart from other advisory locks
/// of the database (one-key advisory locks, like sqlx's migration lock, are a separate space).
const LOCK_SPACE: i32 = 0x000F_1EE7;
