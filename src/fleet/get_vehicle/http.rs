use axum::{
    extract::{Path, State},
    routing::get,
    Json, Router,
};
use event_store::EventStore;

use crate::error::AppError;
use crate::fleet::vehicle::Vehicle;
use crate::http::extract::VehicleId;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/vehicles/by-plate/{plate}", get(by_plate))
        .route("/vehicles/{vehicle_id}", get(by_id))
}

/// `GET /vehicles/{id}` → `Vehicle`
async fn by_id(
    State(store): State<EventStore>,
    VehicleId(id): VehicleId,
) -> Result<Json<Vehicle>, AppError> {
    Vehicle::load(store.pool(), id).await.map(Json)
}

/// `GET /vehicles/by-plate/{plate}` → `Vehicle`
async fn by_plate(
    State(store): State<EventStore>,
    Path(plate): Path<String>,
) -> Result<Json<Vehicle>, AppError> {
    super::by_plate(store.pool(), &plate).await.map(Json)
}
