use axum::{
    extract::{Path, State},
    Json,
};

use super::{current_location, CurrentLocation};
use crate::error::AppError;
use crate::event_store::EventStore;
use crate::http::parse_vehicle_id;

/// `GET /vehicle-current-location/{vehicleRegisteredId}`
pub async fn handle(
    State(store): State<EventStore>,
    Path(id): Path<String>,
) -> Result<Json<CurrentLocation>, AppError> {
    current_location(store.pool(), parse_vehicle_id(&id)?)
        .await
        .map(Json)
}
