//! Query: every registered vehicle with its current position, by plate.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;

use crate::error::AppError;
use crate::fleet::vehicle::Vehicle;

#[server(endpoint = "list_vehicles")]
pub async fn list_vehicles() -> Result<Vec<Vehicle>, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    list(store.pool()).await
}

#[cfg(feature = "ssr")]
pub async fn list(pool: &sqlx::PgPool) -> Result<Vec<Vehicle>, AppError> {
    use crate::fleet::vehicle::VEHICLE_COLUMNS;
    let sql = format!("SELECT {VEHICLE_COLUMNS} FROM vehicles ORDER BY license_plate, vehicle_id");
    Ok(sqlx::query_as(&sql).fetch_all(pool).await?)
}
