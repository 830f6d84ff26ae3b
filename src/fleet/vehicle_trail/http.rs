use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{trail, TrailPoint, DEFAULT_POINTS};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::extract::{Moment, QueryParams, VehicleId, WholeNumber};
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TrailParams {
    /// RFC 3339; default now.
    #[param(value_type = Option<String>, format = DateTime)]
    until: Option<Moment>,
    /// How many fixes, 1 to 5,000 (default 200).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 5000)]
    limit: Option<WholeNumber>,
}

/// The last fixes up to a moment, oldest first
#[utoipa::path(get, path = "/vehicles/{vehicle_id}/trail", params(VehicleId, TrailParams), responses(
    (status = 200, description = "The trail", body = Vec<TrailPoint>),
    (status = 400, response = Refused), (status = 404, response = Refused),
    (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
    VehicleId(vehicle_id): VehicleId,
    QueryParams(params): QueryParams<TrailParams>,
) -> Result<Json<Vec<TrailPoint>>, AppError> {
    let until = params.until.map(|Moment(at)| at);
    let limit = params.limit.map_or(DEFAULT_POINTS, |WholeNumber(n)| n);
    trail(store.pool(), vehicle_id, &scope, until, limit)
        .await
        .map(Json)
}
