use axum::{extract::State, routing::get, Json, Router};

use super::{current_location, CurrentLocation};
use crate::error::AppError;
use crate::http::extract::VehicleId;
use crate::server::state::AppState;
use event_store::EventStore;

pub fn routes() -> Router<AppState> {
    Router::new().route("/vehicle-current-location/{vehicle_id}", get(handle))
}

/// `GET /vehicle-current-location/{vehicleRegisteredId}`
async fn handle(
    State(store): State<EventStore>,
    VehicleId(id): VehicleId,
) -> Result<Json<CurrentLocation>, AppError> {
    current_location(store.pool(), id).await.map(Json)
}
