use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;
use uuid::Uuid;

use super::create;
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy};
use crate::fleet::groups::Group;
use crate::http::json_body::JsonBody;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Administer, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CreateGroup)]
struct CreateGroupBody {
    /// Unique however it is typed (`Depot North` and `depot north` are one name); trimmed, 1 to
    /// 60 characters.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]([^\x00-\x1f\x7f-\x9f]{0,58}[^\s\x00-\x1f\x7f-\x9f])?\s*$",
        example = "Depot North"
    )]
    name: String,
    /// Optional, chosen by the client (UUID v7) so that a retry is stored once.
    #[serde(default)]
    #[schema(
        pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    group_id: Option<Uuid>,
}

/// Create a vehicle group (a fleet, a depot, a customer's vehicles)
///
/// `{"name":"Depot North"}` → `{"groupId":…,"name":…}`; 409 `group_name_taken`.
#[utoipa::path(post, path = "/groups", request_body = CreateGroupBody, responses(
    (status = 200, description = "Created (again: a harmless retry)", body = Group),
    (status = 400, response = Refused), (status = 409, response = Refused),
    (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    JsonBody(body): JsonBody<CreateGroupBody>,
) -> Result<Json<Group>, AppError> {
    create(&store, &body.name, body.group_id, &caused_by)
        .await
        .map(Json)
}
