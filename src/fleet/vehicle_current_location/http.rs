use axum::{extract::State, Json};

use super::{current_location, CurrentLocation};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::extract::VehicleId;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;
use event_store::EventStore;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

/// A vehicle's current location (the old system's route): the fix with the latest device time
#[utoipa::path(get, path = "/vehicle-current-location/{vehicle_id}", params(VehicleId), responses(
    (status = 200, description = "The current location", body = CurrentLocation),
    (status = 400, response = Refused), (status = 404, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
    VehicleId(id): VehicleId,
) -> Result<Json<CurrentLocation>, AppError> {
    current_location(store.pool(), id, &scope).await.map(Json)
}
