//! What purges of old history left: the moment before which fixes are gone, so that answers
//! about earlier moments say they are coarse (from the keyframes, to the minute).

use chrono::{DateTime, Datelike, Duration, Utc};
use sqlx::PgPool;

use crate::fleet::events::{HISTORY_PURGED, HISTORY_TAG};

/// Marks an answer about a moment before a purge (`GET /fleet?at=`): `purged-before=<RFC 3339>`.
pub const COARSE_HEADER: &str = "fleet-coarse";

/// A purge keeps at least the last day: the live map, today's timeline and the fleet index's
/// memory read it.
pub const KEPT_AT_LEAST: Duration = Duration::days(1);

/// The latest purge's `before`: fixes tracked before it are gone. `None` if nothing was purged.
pub async fn purged_before(pool: &PgPool) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT max((payload->>'before')::timestamptz) FROM events
         WHERE tags @> ARRAY[$1] AND event_type = $2",
    )
    .bind(HISTORY_TAG)
    .bind(HISTORY_PURGED)
    .fetch_one(pool)
    .await
}

/// `Some(before)` when the fleet at `at` is answered without the fixes since its last keyframe,
/// purged before `before`. A moment within the last day never is, and costs no query.
pub async fn coarse_at(pool: &PgPool, at: DateTime<Utc>) -> sqlx::Result<Option<DateTime<Utc>>> {
    if at >= Utc::now() - KEPT_AT_LEAST {
        return Ok(None);
    }
    Ok(purged_before(pool).await?.filter(|before| at < *before))
}

/// The start of `at`'s week: Monday 00:00 UTC. History is stored, and purged, by such weeks.
pub fn week_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let day = at.date_naive();
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    monday
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
        .and_utc()
}
