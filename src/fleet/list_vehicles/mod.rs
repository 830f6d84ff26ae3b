//! Query: every registered vehicle with its current position, by plate.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::fleet::access::Scope;
use crate::fleet::vehicle::Vehicle;

#[server(endpoint = "list_vehicles")]
pub async fn list_vehicles() -> Result<Vec<Vehicle>, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    list(store.pool(), &caller.scope).await
}

/// The vehicles `scope` sees.
#[cfg(feature = "ssr")]
pub async fn list(pool: &sqlx::PgPool, scope: &Scope) -> Result<Vec<Vehicle>, AppError> {
    use crate::fleet::vehicle::VEHICLE_COLUMNS;
    let sql = format!(
        "SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE ($1::uuid[] IS NULL OR group_id = ANY($1))
         ORDER BY license_plate, vehicle_id"
    );
    Ok(sqlx::query_as(&sql)
        .bind(scope.group_filter())
        .fetch_all(pool)
        .await?)
}
