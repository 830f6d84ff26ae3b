use axum::{extract::State, Json};
use chrono::Utc;
use event_store::EventStore;
use serde::Deserialize;

use super::{answer, FleetPosition};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::fleet::fleet_index::FleetIndex;
use crate::http::extract::{Moment, QueryParams};
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct FleetParams {
    /// RFC 3339; default now.
    #[param(value_type = Option<String>, format = DateTime)]
    at: Option<Moment>,
}

/// The fleet at a moment: every vehicle registered or tracked by then, at its latest fix at or before it
#[utoipa::path(get, path = "/fleet", params(FleetParams), responses(
    (status = 200, description = "The fleet", body = Vec<FleetPosition>),
    (status = 400, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    State(index): State<FleetIndex>,
    scope: Scope,
    QueryParams(params): QueryParams<FleetParams>,
) -> Result<Json<Vec<FleetPosition>>, AppError> {
    let at = params.at.map_or_else(Utc::now, |Moment(at)| at);
    answer(&index, store.pool(), at, &scope).await.map(Json)
}
