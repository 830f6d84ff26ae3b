use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;

use super::{track, Tracked};
use crate::error::AppError;
use crate::fleet::access::{Access, CausedBy, Scope};
use crate::fleet::fix_body::FixBody;
use crate::fleet::fleet_index::FleetIndex;
use crate::http::json_body::JsonBody;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().post("/track-location", Access::Ingest, handle)
}

/// `POST /track-location` `{"vehicleLicensePlate":"ABC-1234","latitude":…,"longitude":…}` (or
/// `vehicleRegisteredId` instead of the plate) → `{"locationTrackedId":…}`
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
