use axum::{extract::State, Json};
use event_store::EventStore;

use super::list;
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

/// Every vehicle the caller sees, by plate
#[utoipa::path(get, path = "/vehicles", responses(
    (status = 200, description = "The vehicles", body = Vec<Vehicle>),
))]
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
) -> Result<Json<Vec<Vehicle>>, AppError> {
    list(store.pool(), &scope).await.map(Json)
}
