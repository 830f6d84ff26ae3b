use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{unassign, DeviceUnassignment};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::extract::VehicleId;
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().post(
        "/vehicles/{vehicle_id}/device/unassign",
        Access::Manage,
        handle,
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UnassignDeviceBody {
    device_id: String,
}

/// `POST /vehicles/{vehicleRegisteredId}/device/unassign` `{"deviceId":"48241179"}` →
/// `{"deviceId":…,"vehicleRegisteredId":…}`
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
