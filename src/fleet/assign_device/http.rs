use axum::{
    extract::{Path, State},
    Json,
};
use chrono::Utc;
use serde::Deserialize;

use super::{assign, DeviceAssignment};
use crate::error::AppError;
use crate::event_store::EventStore;
use crate::http::{parse_vehicle_id, JsonBody};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignDeviceBody {
    device_id: String,
}

/// `POST /vehicles/{vehicleRegisteredId}/device` `{"deviceId":"48241179"}` →
/// `{"deviceId":…,"vehicleRegisteredId":…}`; 409 `device_already_assigned` when another vehicle
/// holds the device.
pub async fn handle(
    State(store): State<EventStore>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AssignDeviceBody>,
) -> Result<Json<DeviceAssignment>, AppError> {
    let vehicle_id = parse_vehicle_id(&id)?;
    assign(&store, vehicle_id, &body.device_id, Utc::now())
        .await
        .map(Json)
}
