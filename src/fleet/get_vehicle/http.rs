use axum::{
    extract::{Path, State},
    Json,
};
use event_store::EventStore;

use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::extract::VehicleId;
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .add(Access::Read, utoipa_axum::routes!(by_plate))
        .add(Access::Read, utoipa_axum::routes!(by_id))
}

/// One vehicle
#[utoipa::path(get, path = "/vehicles/{vehicle_id}", params(VehicleId), responses(
    (status = 200, description = "The vehicle", body = Vehicle),
    (status = 400, response = Refused), (status = 404, response = Refused),
))]
async fn by_id(
    State(store): State<EventStore>,
    scope: Scope,
    VehicleId(id): VehicleId,
) -> Result<Json<Vehicle>, AppError> {
    Vehicle::load(store.pool(), id, &scope).await.map(Json)
}

/// One vehicle by plate (normalised first: ` ab-123 ` finds `AB-123`)
#[utoipa::path(get, path = "/vehicles/by-plate/{plate}",
    params(("plate" = String, Path, description = "The licence plate, as at registration",
        pattern = r"^\s*[A-Za-z0-9-]([A-Za-z0-9 -]{0,13}[A-Za-z0-9-])?\s*$")),
    responses(
        (status = 200, description = "The vehicle", body = Vehicle),
        (status = 404, response = Refused), (status = 422, response = Refused),
    ))]
async fn by_plate(
    State(store): State<EventStore>,
    scope: Scope,
    Path(plate): Path<String>,
) -> Result<Json<Vehicle>, AppError> {
    super::by_plate(store.pool(), &plate, &scope)
        .await
        .map(Json)
}
