use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;
use serde::Deserialize;

use super::{answer, FleetPosition};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::fleet_index::FleetIndex;
use crate::http::extract::{Moment, QueryParams};
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/fleet", Access::Read, handle)
}

#[derive(Deserialize)]
struct FleetParams {
    at: Option<Moment>,
}

/// `GET /fleet?at=<RFC 3339>` (now when absent) → `[FleetPosition]`
async fn handle(
    State(store): State<EventStore>,
    State(index): State<FleetIndex>,
    scope: Scope,
    QueryParams(params): QueryParams<FleetParams>,
) -> Result<Json<Vec<FleetPosition>>, AppError> {
    let at = params.at.map_or_else(Utc::now, |Moment(at)| at);
    answer(&index, store.pool(), at, &scope).await.map(Json)
}
