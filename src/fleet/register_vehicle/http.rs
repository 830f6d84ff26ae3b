use axum::{extract::State, Json};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::{register, Registered};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;
use event_store::EventStore;

pub fn routes() -> Routes {
    Routes::new().post("/register-vehicle", Access::Manage, handle)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterVehicleBody {
    vehicle_license_plate: String,
    /// Optional, chosen by the client (UUID v7) so that a retry is stored once.
    #[serde(default)]
    vehicle_registered_id: Option<Uuid>,
    /// Optional: the GPS device (e.g. Traccar Client's device identifier) that reports the
    /// vehicle's fixes.
    #[serde(default)]
    device_id: Option<String>,
}

/// `POST /register-vehicle` `{"vehicleLicensePlate":"ABC-1234"}` (optionally `"deviceId"`) →
/// `{"vehicleRegisteredId":…}`
async fn handle(
    State(store): State<EventStore>,
    caused_by: CausedBy,
    scope: Scope,
    JsonBody(body): JsonBody<RegisterVehicleBody>,
) -> Result<Json<Registered>, AppError> {
    register(
        &store,
        &body.vehicle_license_plate,
        body.vehicle_registered_id,
        body.device_id,
        Utc::now(),
        &scope,
        &caused_by,
    )
    .await
    .map(Json)
}
