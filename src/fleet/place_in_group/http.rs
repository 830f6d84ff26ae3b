use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;
use uuid::Uuid;

use super::{place, Placement};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::extract::GroupId;
use crate::http::json_body::JsonBody;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Manage, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = PlaceVehicle)]
struct PlaceBody {
    vehicle_registered_id: Uuid,
}

/// Place a vehicle in the group
///
/// `{"vehicleRegisteredId":…}` → `{"vehicleRegisteredId":…,"groupId":…}`. A vehicle is in one
/// group at a time: it leaves the group it was in. Placing a vehicle where it is stores nothing.
/// A manager limited to groups places only vehicles they see, into their own groups (404
/// otherwise).
#[utoipa::path(post, path = "/groups/{group_id}/vehicles", params(GroupId), request_body = PlaceBody, responses(
    (status = 200, description = "Placed", body = Placement),
    (status = 400, response = Refused), (status = 404, response = Refused),
))]
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
