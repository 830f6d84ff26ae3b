use axum::{extract::State, Json};
use event_store::EventStore;

use super::list;
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/vehicles", Access::Read, handle)
}

/// `GET /vehicles` → `[Vehicle]`
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
) -> Result<Json<Vec<Vehicle>>, AppError> {
    list(store.pool(), &scope).await.map(Json)
}
