use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;
use uuid::Uuid;

use super::create;
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy};
use crate::fleet::groups::Group;
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().post("/groups", Access::Administer, handle)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateGroupBody {
    name: String,
    /// Optional, chosen by the client (UUID v7) so that a retry is stored once.
    #[serde(default)]
    group_id: Option<Uuid>,
}

/// `POST /groups` `{"name":"Depot North"}` → `{"groupId":…,"name":…}`; 409 `group_name_taken`.
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    JsonBody(body): JsonBody<CreateGroupBody>,
) -> Result<Json<Group>, AppError> {
    create(&store, &body.name, body.group_id, &caused_by)
        .await
        .map(Json)
}
