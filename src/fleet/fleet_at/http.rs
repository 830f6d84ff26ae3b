use axum::{extract::State, http::HeaderMap, Json};
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
///
/// For a moment before a purge of old history (`fleetline history purge`, the retention
/// setting) the fixes since the last whole minute are gone: each vehicle is where the minute's
/// keyframe has it, and the answer says so in the header `Fleet-Coarse: purged-before=<RFC 3339>`.
#[utoipa::path(get, path = "/fleet", params(FleetParams), responses(
    (status = 200, description = "The fleet", body = Vec<FleetPosition>, headers(
        ("Fleet-Coarse" = String, description = "Present for a moment before a purge: `purged-before=<RFC 3339>`; positions are each vehicle's latest fix up to the whole minute at or before the moment")
    )),
    (status = 400, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    State(index): State<FleetIndex>,
    scope: Scope,
    QueryParams(params): QueryParams<FleetParams>,
) -> Result<(HeaderMap, Json<Vec<FleetPosition>>), AppError> {
    let at = params.at.map_or_else(Utc::now, |Moment(at)| at);
    let fleet = answer(&index, store.pool(), at, &scope).await?;
    let mut headers = HeaderMap::new();
    if let Some(before) = crate::fleet::retention::coarse_at(store.pool(), at).await? {
        let value = format!("purged-before={}", before.to_rfc3339());
        headers.insert(
            crate::fleet::retention::COARSE_HEADER,
            value.parse().expect("RFC 3339 is ASCII"),
        );
    }
    Ok((headers, Json(fleet)))
}
