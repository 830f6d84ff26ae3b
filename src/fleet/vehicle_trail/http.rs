use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{trail, TrailPoint, DEFAULT_POINTS};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::extract::{Moment, QueryParams, VehicleId, WholeNumber};
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/vehicles/{vehicle_id}/trail", Access::Read, handle)
}

#[derive(Deserialize)]
struct TrailParams {
    until: Option<Moment>,
    limit: Option<WholeNumber>,
}

/// `GET /vehicles/{id}/trail?until=<RFC 3339>&limit=<1..5000>` → `[TrailPoint]`, oldest first
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
