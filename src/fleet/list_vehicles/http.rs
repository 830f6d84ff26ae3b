use axum::{extract::State, routing::get, Json, Router};
use event_store::EventStore;

use super::list;
use crate::error::AppError;
use crate::fleet::vehicle::Vehicle;
use crate::server::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/vehicles", get(handle))
}

/// `GET /vehicles` → `[Vehicle]`
async fn handle(State(store): State<EventStore>) -> Result<Json<Vec<Vehicle>>, AppError> {
    list(store.pool()).await.map(Json)
}
