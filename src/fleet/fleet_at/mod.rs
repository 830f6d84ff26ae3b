//! Query: the fleet as it was at time T — every vehicle registered or tracked at or before T
//! (an import or a tracker's offline buffer brings fixes older than the registration), each at
//! its latest fix (by device time) at or before T.

#[cfg(test)]
mod agreement_tests;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::fleet::access::Scope;
#[cfg(feature = "ssr")]
use crate::fleet::fleet_index::FleetIndex;
pub use crate::fleet::fleet_index::FleetPosition;

/// Postcard, not JSON: the timeline asks for a fleet at every step of its slider, and for 1,000
/// vehicles the answer is ~70 KB instead of 175 KB, written by the server and read by the browser
/// without scanning text. (`GET /fleet?at=` keeps JSON for other clients.)
#[server(endpoint = "get_fleet_at", output = leptos::server_fn::codec::Postcard)]
pub async fn get_fleet_at(at: DateTime<Utc>) -> Result<Vec<FleetPosition>, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    let index = expect_context::<FleetIndex>();
    answer(&index, store.pool(), at, &caller.scope).await
}

/// From the index once it has loaded (memory for recent moments, keyframes for older ones), from
/// PostgreSQL's read model until then: the same answer.
/// Only the vehicles `scope` sees now, wherever they were placed at T.
#[cfg(feature = "ssr")]
pub async fn answer(
    index: &FleetIndex,
    pool: &sqlx::PgPool,
    at: DateTime<Utc>,
    scope: &Scope,
) -> Result<Vec<FleetPosition>, AppError> {
    if !index.is_ready() {
        return fleet_at(pool, at, scope).await;
    }
    let fleet = index.fleet_at(pool, at).await?;
    Ok(
        match crate::fleet::vehicle::Vehicle::seen_ids(pool, scope).await? {
            None => fleet,
            Some(seen) => fleet
                .into_iter()
                .filter(|position| seen.contains(&position.vehicle_registered_id))
                .collect(),
        },
    )
}

/// One index seek per vehicle on `vehicle_positions (vehicle_id, tracked_at, …)`.
#[cfg(feature = "ssr")]
pub async fn fleet_at(
    pool: &sqlx::PgPool,
    at: DateTime<Utc>,
    scope: &Scope,
) -> Result<Vec<FleetPosition>, AppError> {
    Ok(sqlx::query_as(
        "SELECT v.vehicle_id AS vehicle_registered_id, v.license_plate AS vehicle_license_plate,
                p.latitude, p.longitude, p.tracked_at
         FROM vehicles v
         LEFT JOIN LATERAL (
             SELECT latitude, longitude, tracked_at FROM vehicle_positions p
             WHERE p.vehicle_id = v.vehicle_id AND p.tracked_at <= $1
             ORDER BY p.tracked_at DESC, p.position DESC
             LIMIT 1
         ) p ON true
         WHERE (v.registered_at <= $1 OR p.tracked_at IS NOT NULL)
           AND ($2::uuid[] IS NULL OR v.group_id = ANY($2))
         ORDER BY v.license_plate, v.vehicle_id",
    )
    .bind(at)
    .bind(scope.group_filter())
    .fetch_all(pool)
    .await?)
}

/// Where the timeline starts: the first registration or fix (by device time); `None` while the
/// log is empty.
#[server(endpoint = "get_timeline_start")]
pub async fn get_timeline_start() -> Result<Option<DateTime<Utc>>, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    timeline_start(store.pool(), &caller.scope).await
}

/// Of the vehicles `scope` sees. The whole fleet's is two index reads; a group's looks at its
/// vehicles' first fixes, one index seek each.
#[cfg(feature = "ssr")]
pub async fn timeline_start(
    pool: &sqlx::PgPool,
    scope: &Scope,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(groups) = scope.group_filter() else {
        return Ok(sqlx::query_scalar(
            "SELECT least((SELECT min(registered_at) FROM vehicles), (SELECT min(tracked_at) FROM vehicle_positions))",
        )
        .fetch_one(pool)
        .await?);
    };
    Ok(sqlx::query_scalar(
        "SELECT min(least(v.registered_at, (SELECT min(tracked_at) FROM vehicle_positions p
                                             WHERE p.vehicle_id = v.vehicle_id)))
         FROM vehicles v WHERE v.group_id = ANY($1)",
    )
    .bind(groups)
    .fetch_one(pool)
    .await?)
}
