use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;
use uuid::Uuid;

use super::{place, Placement};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::extract::GroupId;
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().post("/groups/{group_id}/vehicles", Access::Manage, handle)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlaceBody {
    vehicle_registered_id: Uuid,
}

/// `POST /groups/{groupId}/vehicles` `{"vehicleRegisteredId":…}` →
/// `{"vehicleRegisteredId":…,"groupId":…}`: the vehicle leaves the group it was in.
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    scope: Scope,
    GroupId(group_id): GroupId,
    JsonBody(body): JsonBody<PlaceBody>,
) -> Result<Json<Placement>, AppError> {
    place(
        &store,
        body.vehicle_registered_id,
        group_id,
        &scope,
        &caused_by,
    )
    .await
    .map(Json)
}
