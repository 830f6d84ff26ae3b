use axum::{extract::State, Json};
use event_store::EventStore;

use super::{list, GroupSummary};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/groups", Access::Read, handle)
}

/// `GET /groups` → `[{"groupId":…,"name":…,"vehicleCount":…}]`, the groups the caller sees.
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
) -> Result<Json<Vec<GroupSummary>>, AppError> {
    list(store.pool(), &scope).await.map(Json)
}
