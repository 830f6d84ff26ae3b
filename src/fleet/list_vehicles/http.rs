use axum::{extract::State, Json};

use super::list;
use crate::error::AppError;
use crate::event_store::EventStore;
use crate::fleet::vehicle::Vehicle;

/// `GET /vehicles` → `[Vehicle]`
pub async fn handle(State(store): State<EventStore>) -> Result<Json<Vec<Vehicle>>, AppError> {
    list(store.pool()).await.map(Json)
}
