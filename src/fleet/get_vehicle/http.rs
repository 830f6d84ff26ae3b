use axum::{
    extract::{Path, State},
    Json,
};

use crate::error::AppError;
use crate::event_store::EventStore;
use crate::fleet::vehicle::Vehicle;
use crate::http::parse_vehicle_id;

/// `GET /vehicles/{id}` → `Vehicle`
pub async fn by_id(
    State(store): State<EventStore>,
    Path(id): Path<String>,
) -> Result<Json<Vehicle>, AppError> {
    super::by_id(store.pool(), parse_vehicle_id(&id)?)
        .await
        .map(Json)
}

/// `GET /vehicles/by-plate/{plate}` → `Vehicle`
pub async fn by_plate(
    State(store): State<EventStore>,
    Path(plate): Path<String>,
) -> Result<Json<Vehicle>, AppError> {
    super::by_plate(store.pool(), &plate).await.map(Json)
}
