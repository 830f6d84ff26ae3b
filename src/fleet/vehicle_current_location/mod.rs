//! Query VehicleCurrentLocation (the old API): the fix with the latest device time.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CurrentLocation {
    pub vehicle_registered_id: Uuid,
    pub vehicle_license_plate: String,
    pub latitude: f64,
    pub longitude: f64,
    pub tracked_at: DateTime<Utc>,
}

#[server(endpoint = "vehicle_current_location")]
pub async fn vehicle_current_location(
    vehicle_registered_id: Uuid,
) -> Result<CurrentLocation, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    current_location(store.pool(), vehicle_registered_id, &caller.scope).await
}

/// 404 `vehicle_not_found` for an unknown vehicle, 404 `no_location_yet` before its first fix.
#[cfg(feature = "ssr")]
pub async fn current_location(
    pool: &sqlx::PgPool,
    vehicle_id: Uuid,
    scope: &crate::fleet::access::Scope,
) -> Result<CurrentLocation, AppError> {
    use crate::error::ErrorCode;
    let vehicle = crate::fleet::vehicle::Vehicle::load(pool, vehicle_id, scope).await?;
    match (vehicle.latitude, vehicle.longitude, vehicle.tracked_at) {
        (Some(latitude), Some(longitude), Some(tracked_at)) => Ok(CurrentLocation {
            vehicle_registered_id: vehicle.vehicle_registered_id,
            vehicle_license_plate: vehicle.vehicle_license_plate,
            latitude,
            longitude,
            tracked_at,
        }),
        _ => Err(AppError::new(
            ErrorCode::NoLocationYet,
            "this vehicle has not reported a position yet",
        )
        .on_field("vehicleRegisteredId")),
    }
}
