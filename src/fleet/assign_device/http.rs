use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;
use serde::Deserialize;

use super::{assign, DeviceAssignment};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::extract::VehicleId;
use crate::http::json_body::JsonBody;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Manage, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AssignDevice)]
struct AssignDeviceBody {
    /// The device's identifier as it sends it: 1 to 64 characters, no spaces.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]{1,64}\s*$",
        example = "48241179"
    )]
    device_id: String,
    /// Move the device from the vehicle that holds it (unassigned there, assigned here, in one
    /// append) instead of answering 409.
    #[serde(default, rename = "move")]
    take_over: bool,
}

/// Assign a GPS device to the vehicle
///
/// `{"deviceId":"48241179"}` → `{"deviceId":…,"vehicleRegisteredId":…}`; 409
/// `device_already_assigned` when another vehicle holds the device, unless `"move":true` moves
/// it from that vehicle. Assigning it again is a harmless retry.
#[utoipa::path(post, path = "/vehicles/{vehicle_id}/device", params(VehicleId), request_body = AssignDeviceBody, responses(
    (status = 200, description = "Assigned (again: a harmless retry)", body = DeviceAssignment),
    (status = 400, response = Refused), (status = 404, response = Refused),
    (status = 409, response = Refused), (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    scope: Scope,
    VehicleId(vehicle_id): VehicleId,
    JsonBody(body): JsonBody<AssignDeviceBody>,
) -> Result<Json<DeviceAssignment>, AppError> {
    assign(
        &store,
        vehicle_id,
        &body.device_id,
        body.take_over,
        Utc::now(),
        &scope,
        &caused_by,
    )
    .await
    .map(Json)
}
