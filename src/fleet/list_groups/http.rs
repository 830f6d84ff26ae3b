use axum::{extract::State, Json};
use event_store::EventStore;

use super::{list, GroupSummary};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

/// The vehicle groups the caller sees
///
/// Every group for a caller who sees the whole fleet; only their own groups for a user or
/// token limited to groups. By name.
#[utoipa::path(get, path = "/groups", responses(
    (status = 200, description = "By name", body = Vec<GroupSummary>),
))]
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
) -> Result<Json<Vec<GroupSummary>>, AppError> {
    list(store.pool(), &scope).await.map(Json)
}
