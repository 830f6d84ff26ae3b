//! Query GetVehicle: one vehicle, by id or by plate.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::vehicle::Vehicle;

#[server(endpoint = "get_vehicle")]
pub async fn get_vehicle(vehicle_registered_id: Uuid) -> Result<Vehicle, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    Vehicle::load(store.pool(), vehicle_registered_id, &caller.scope).await
}

/// The plate is normalised first, so `abc 123` finds `ABC 123`.
#[cfg(feature = "ssr")]
pub async fn by_plate(
    pool: &sqlx::PgPool,
    raw_plate: &str,
    scope: &crate::fleet::access::Scope,
) -> Result<Vehicle, AppError> {
    use crate::fleet::{license_plate::LicensePlate, vehicle::VEHICLE_COLUMNS};
    let plate = LicensePlate::parse(raw_plate)
        .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles
         WHERE license_plate = $1 AND ($2::uuid[] IS NULL OR group_id = ANY($2))"
    );
    sqlx::query_as(&sql)
        .bind(plate.as_str())
        .bind(scope.group_filter())
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| AppError::vehicle_not_found("vehicleLicensePlate"))
}
