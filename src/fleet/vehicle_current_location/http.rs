use axum::{extract::State, Json};

use super::{current_location, CurrentLocation};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::extract::VehicleId;
use crate::http::routes::Routes;
use event_store::EventStore;

pub fn routes() -> Routes {
    Routes::new().get(
        "/vehicle-current-location/{vehicle_id}",
        Access::Read,
        handle,
    )
}

/// `GET /vehicle-current-location/{vehicleRegisteredId}`
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
    VehicleId(id): VehicleId,
) -> Result<Json<CurrentLocation>, AppError> {
    current_location(store.pool(), id, &scope).await.map(Json)
}
