//! Query: a vehicle's recent trail — its last fixes up to a moment, oldest first.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

pub const DEFAULT_POINTS: i64 = 200;
pub const MAX_POINTS: i64 = 5000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct TrailPoint {
    pub latitude: f64,
    pub longitude: f64,
    pub tracked_at: DateTime<Utc>,
}

#[server(endpoint = "get_vehicle_trail")]
pub async fn get_vehicle_trail(
    vehicle_registered_id: Uuid,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<TrailPoint>, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    let pool = store.pool();
    trail(
        pool,
        vehicle_registered_id,
        &caller.scope,
        until,
        DEFAULT_POINTS,
    )
    .await
}

/// The last `points` fixes at or before `until` (now when absent), by device time.
#[cfg(feature = "ssr")]
pub async fn trail(
    pool: &sqlx::PgPool,
    vehicle_id: Uuid,
    scope: &crate::fleet::access::Scope,
    until: Option<DateTime<Utc>>,
    points: i64,
) -> Result<Vec<TrailPoint>, AppError> {
    if !(1..=MAX_POINTS).contains(&points) {
        return Err(AppError::unprocessable(
            "limit",
            format!("limit must be from 1 to {MAX_POINTS}"),
        ));
    }
    crate::fleet::vehicle::Vehicle::load(pool, vehicle_id, scope).await?;
    let mut trail: Vec<TrailPoint> = sqlx::query_as(
        "SELECT latitude, longitude, tracked_at FROM vehicle_positions
         WHERE vehicle_id = $1 AND tracked_at <= $2
         ORDER BY tracked_at DESC, position DESC LIMIT $3",
    )
    .bind(vehicle_id)
    .bind(until.unwrap_or_else(Utc::now))
    .bind(points)
    .fetch_all(pool)
    .await?;
    trail.reverse();
    Ok(trail)
}
