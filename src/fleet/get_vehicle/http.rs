use axum::{
    extract::{Path, State},
    Json,
};
use event_store::EventStore;

use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::extract::VehicleId;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .get("/vehicles/by-plate/{plate}", Access::Read, by_plate)
        .get("/vehicles/{vehicle_id}", Access::Read, by_id)
}

/// `GET /vehicles/{id}` → `Vehicle`
async fn by_id(
    State(store): State<EventStore>,
    scope: Scope,
    VehicleId(id): VehicleId,
) -> Result<Json<Vehicle>, AppError> {
    Vehicle::load(store.pool(), id, &scope).await.map(Json)
}

/// `GET /vehicles/by-plate/{plate}` → `Vehicle`
async fn by_plate(
    State(store): State<EventStore>,
    scope: Scope,
    Path(plate): Path<String>,
) -> Result<Json<Vehicle>, AppError> {
    super::by_plate(store.pool(), &plate, &scope)
        .await
        .map(Json)
}
