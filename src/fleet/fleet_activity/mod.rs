//! Query: where there was activity — the fixes per time bucket between two moments (by device
//! time) of the vehicles the caller may see, which the timeline draws under its slider. Read
//! from `fleet_activity` (fixes per minute and group), never from the fixes themselves: a month
//! of a 1,000-vehicle fleet is 86 M fixes but 43,200 minutes.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Buckets asked for when none are: about one per 8 pixels of a desktop timeline.
pub const DEFAULT_BUCKETS: u32 = 120;
/// At most a bucket per pixel of a wide screen.
pub const MAX_BUCKETS: u32 = 2000;
/// The longest range answered: a year and a month. The read sums one row per minute and group
/// in the range (525,600 minutes a year, about 0.3 s for a fleet in a few groups here).
pub const MAX_RANGE_DAYS: i64 = 400;

/// Fixes per bucket of whole minutes (the resolution kept), the first starting at `from`
/// rounded down to its minute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Activity {
    /// Where the first bucket starts: the `from` asked for, rounded down to its minute.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The width of a bucket: whole minutes, at least one.
    pub bucket_seconds: i64,
    /// Fixes per bucket, oldest first; the last bucket may end after `to`.
    pub fixes: Vec<i64>,
    /// Fixes tracked before this moment were purged (`fleetline history purge`, the retention
    /// setting): the fleet at an earlier moment is answered from keyframes, to the minute. The
    /// counts are kept. Absent when nothing was purged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purged_before: Option<DateTime<Utc>>,
}

/// The start of the minute `at` falls in: the resolution the activity is kept at.
pub fn minute_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at - Duration::seconds(at.timestamp().rem_euclid(60))
        - Duration::nanoseconds(i64::from(at.timestamp_subsec_nanos()))
}

#[server(endpoint = "get_fleet_activity")]
pub async fn get_fleet_activity(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: u32,
) -> Result<Activity, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    activity(store.pool(), from, to, buckets, &caller.scope).await
}

/// The buckets of a range: `buckets` at most, each whole minutes wide. `Err` names the field
/// that is wrong.
pub fn bucketing(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: u32,
) -> Result<(DateTime<Utc>, i64, usize), AppError> {
    if !(1..=MAX_BUCKETS).contains(&buckets) {
        return Err(AppError::unprocessable(
            "buckets",
            format!("buckets must be from 1 to {MAX_BUCKETS}"),
        ));
    }
    if to <= from {
        return Err(AppError::unprocessable("to", "to must be after from"));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(AppError::unprocessable(
            "to",
            format!("the range must be at most {MAX_RANGE_DAYS} days"),
        ));
    }
    let start = minute_start(from);
    // Whole minutes from the first bucket's start to `to` (at least one), shared out.
    let ceil_div = |a: i64, b: i64| (a + b - 1) / b;
    let minutes = ceil_div((to - start).num_seconds(), 60).max(1);
    let width = ceil_div(minutes, i64::from(buckets));
    let count = ceil_div(minutes, width) as usize;
    Ok((start, width * 60, count))
}

#[cfg(feature = "ssr")]
pub async fn activity(
    pool: &sqlx::PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: u32,
    scope: &crate::fleet::access::Scope,
) -> Result<Activity, AppError> {
    let (start, bucket_seconds, count) = bucketing(from, to, buckets)?;
    let sums: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT (extract(epoch FROM minute)::bigint - $3) / $4 AS bucket, sum(fixes)::bigint
         FROM fleet_activity
         WHERE minute >= $1 AND minute < $2 AND ($5::uuid[] IS NULL OR group_id = ANY($5))
         GROUP BY 1",
    )
    .bind(start)
    .bind(to)
    .bind(start.timestamp())
    .bind(bucket_seconds)
    .bind(scope.group_filter())
    .fetch_all(pool)
    .await?;
    let mut fixes = vec![0; count];
    for (bucket, sum) in sums {
        if let Some(slot) = usize::try_from(bucket).ok().and_then(|b| fixes.get_mut(b)) {
            *slot = sum;
        }
    }
    Ok(Activity {
        from: start,
        to,
        bucket_seconds,
        fixes,
        purged_before: crate::fleet::retention::purged_before(pool).await?,
    })
}
