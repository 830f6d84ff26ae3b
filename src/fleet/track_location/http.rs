use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;

use super::{track, Tracked};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::fleet::fix_body::FixBody;
use crate::fleet::fleet_index::FleetIndex;
use crate::http::json_body::JsonBody;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Ingest, utoipa_axum::routes!(handle))
}

/// Track one GPS fix (the old system's route)
///
/// `{"vehicleLicensePlate":"ABC-1234","latitude":…,"longitude":…}` (or `vehicleRegisteredId`
/// instead of the plate) → `{"locationTrackedId":…}`. A retry with the same
/// `locationTrackedId` is stored once.
#[utoipa::path(post, path = "/track-location", request_body = FixBody, responses(
    (status = 200, description = "Stored (a retry with the same locationTrackedId is stored once)", body = Tracked),
    (status = 400, response = Refused), (status = 404, response = Refused),
    (status = 413, response = Refused), (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    State(known): State<FleetIndex>,
    caused_by: CausedBy,
    scope: Scope,
    JsonBody(body): JsonBody<FixBody>,
) -> Result<Json<Tracked>, AppError> {
    track(
        &store,
        &known,
        &body.into_fix()?,
        Utc::now(),
        &scope,
        &caused_by,
    )
    .await
    .map(Json)
}
