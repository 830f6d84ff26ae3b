use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{unassign, DeviceUnassignment};
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
#[schema(as = UnassignDevice)]
struct UnassignDeviceBody {
    /// The device's identifier: 1 to 64 characters, no spaces.
    #[schema(
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]{1,64}\s*$",
        example = "48241179"
    )]
    device_id: String,
}

/// Take a GPS device off the vehicle
///
/// `{"deviceId":"48241179"}` → `{"deviceId":…,"vehicleRegisteredId":…}`. Its fixes are not
/// stored until it is assigned again. Unassigning a device no vehicle holds is a harmless retry.
#[utoipa::path(post, path = "/vehicles/{vehicle_id}/device/unassign", params(VehicleId), request_body = UnassignDeviceBody, responses(
    (status = 200, description = "Unassigned", body = DeviceUnassignment),
    (status = 400, response = Refused), (status = 404, response = Refused),
    (status = 409, response = Refused), (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    scope: Scope,
    VehicleId(vehicle_id): VehicleId,
    JsonBody(body): JsonBody<UnassignDeviceBody>,
) -> Result<Json<DeviceUnassignment>, AppError> {
    unassign(&store, vehicle_id, &body.device_id, &scope, &caused_by)
        .await
        .map(Json)
}
