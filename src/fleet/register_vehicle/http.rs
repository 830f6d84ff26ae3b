use axum::{extract::State, Json};
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::{register, Registered};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::json_body::JsonBody;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;
use event_store::EventStore;

pub fn routes() -> Routes {
    Routes::new().add(Access::Manage, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = RegisterVehicle)]
struct RegisterVehicleBody {
    /// Trimmed, upper-cased and its inner spaces collapsed, then 1 to 15 of A–Z, 0–9, space and
    /// hyphen.
    #[schema(
        pattern = r"^\s*[A-Za-z0-9-]([A-Za-z0-9 -]{0,13}[A-Za-z0-9-])?\s*$",
        example = "AB-123"
    )]
    vehicle_license_plate: String,
    /// Optional, chosen by the client (UUID v7) so that a retry is stored once.
    #[serde(default)]
    #[schema(
        pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    vehicle_registered_id: Option<Uuid>,
    /// Optional: the GPS device (e.g. Traccar Client's device identifier) that reports the
    /// vehicle's fixes: 1 to 64 characters, no spaces.
    #[serde(default)]
    #[schema(pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]{1,64}\s*$")]
    device_id: Option<String>,
}

/// Register a vehicle (the old system's route), optionally with its GPS device
///
/// `{"vehicleLicensePlate":"ABC-1234"}` (optionally `"deviceId"`) → `{"vehicleRegisteredId":…}`.
/// A limited manager's vehicle goes into their group.
#[utoipa::path(post, path = "/register-vehicle", request_body = RegisterVehicleBody, responses(
    (status = 200, description = "Registered, or the same registration again for a retry with the same id", body = Registered),
    (status = 400, response = Refused), (status = 409, response = Refused),
    (status = 413, response = Refused), (status = 422, response = Refused),
))]
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
