use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;
use serde::Deserialize;

use super::{assign, DeviceAssignment};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::extract::VehicleId;
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().post("/vehicles/{vehicle_id}/device", Access::Manage, handle)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssignDeviceBody {
    device_id: String,
    /// Move the device from the vehicle that holds it instead of answering 409.
    #[serde(default, rename = "move")]
    take_over: bool,
}

/// `POST /vehicles/{vehicleRegisteredId}/device` `{"deviceId":"48241179"}` →
/// `{"deviceId":…,"vehicleRegisteredId":…}`; 409 `device_already_assigned` when another vehicle
/// holds the device, unless `"move":true` moves it from that vehicle.
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
