//! The fleet before the index's horizon, from PostgreSQL: the latest keyframe at or before T
//! and the fixes after it (at most a minute's), each vehicle at its latest.

use sqlx::PgExecutor;

use super::fixes::Micros;
use super::keyframe::{self, Keyframe, KeyframeRow};

/// Each vehicle's latest fix at or before `at`, by vehicle id. One statement, so the keyframe
/// and the fixes after it come from one snapshot (the projection writes both in one
/// transaction). The fixes after it are at most a minute's, but for the last 15 minutes of
/// fixes, whose keyframes are not written yet (see `keyframe::SETTLE_MICROS`); the index on
/// device time finds them, with or without statistics. Only each vehicle's latest of them
/// leaves the database: until a keyframe settles, the fixes since the last one can be millions
/// (the soak sends 11,000 a second: 15 minutes are 10 M) while the answer is one row a vehicle.
/// Sent whole, they stepped the soak's resident memory up by 250 MB.
pub(super) async fn state_at<'e>(
    executor: impl PgExecutor<'e>,
    at: Micros,
) -> sqlx::Result<Keyframe> {
    let at = chrono::DateTime::from_timestamp_micros(at).unwrap_or_default();
    let mut rows: Vec<KeyframeRow> = sqlx::query_as(
        "WITH k AS (SELECT * FROM fleet_keyframes WHERE at <= $1 ORDER BY at DESC LIMIT 1),
              after AS (SELECT DISTINCT ON (vehicle_id)
                               vehicle_id, tracked_at, position, latitude, longitude
                        FROM vehicle_positions
                        WHERE tracked_at > coalesce((SELECT at FROM k), '-infinity')
                          AND tracked_at <= $1
                        ORDER BY vehicle_id, tracked_at DESC, position DESC)
         (SELECT 0 AS part, at, vehicle_ids, tracked_at, positions, latitudes, longitudes FROM k)
         UNION ALL
         (SELECT 1, $1, coalesce(array_agg(vehicle_id), '{}'), coalesce(array_agg(tracked_at), '{}'),
                 coalesce(array_agg(position), '{}'), coalesce(array_agg(latitude), '{}'),
                 coalesce(array_agg(longitude), '{}')
          FROM after)
         ORDER BY part",
    )
    .bind(at)
    .persistent(false)
    .fetch_all(executor)
    .await?;
    let after = rows
        .pop()
        .map(KeyframeRow::into_keyframe)
        .unwrap_or_default();
    let keyframe = rows.pop().map(KeyframeRow::into_keyframe);
    Ok(keyframe::fleet_at(keyframe, &after.entries))
}
