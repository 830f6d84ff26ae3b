//! A query (event types and tags) as SQL: what a conditional append checks and what readers
//! select on.

use sqlx::{Postgres, QueryBuilder};

use super::Query;

/// `false`: reads by tag are planned for their own values each time, never with a cached generic
/// plan. After five runs of a prepared statement PostgreSQL may keep a generic plan, costed
/// without the tag; for "a tag's events after a position, in position order" (a decision's read,
/// an append's condition) that plan walks the primary key through the whole log filtering on
/// the tag, because with no value it guesses that many rows match and the first come soon.
/// Measured on 4 M events: 1.4 s per read, growing with the log (the 20-minute soak's
/// registrations and the batches waiting on their locks slowed from 0.2 s to 2 s), against
/// under 20 ms by the tag index with a plan for the value. Planning each time costs well under
/// a millisecond.
pub(super) const ONE_SHOT_PLAN: bool = false;

/// Appends the SQL condition "this event matches `query`".
pub(super) fn push_matches(sql: &mut QueryBuilder<'_, Postgres>, query: &Query) {
    sql.push("tags @> ")
        .push_bind(query.tags.clone())
        .push("::text[]");
    if !query.event_types.is_empty() {
        sql.push(" AND event_type = ANY(")
            .push_bind(query.event_types.clone())
            .push(")");
    }
}

/// [`push_matches`] after a position. `position + 0`: the position filters the tag index's few
/// rows and is never an index condition of its own. As one, PostgreSQL may AND the tag's bitmap
/// with the primary key's bitmap of every position after it, which for a tag with rows walks the
/// whole key (958 ms of a 1,082 ms read at 5 M events, measured in the soak's database; the tag's
/// bitmap alone: 11 ms).
pub(super) fn push_matches_after(sql: &mut QueryBuilder<'_, Postgres>, query: &Query, after: i64) {
    push_matches(sql, query);
    sql.push(" AND position + 0 > ").push_bind(after);
}
