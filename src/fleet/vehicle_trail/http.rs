use axum::{
    extract::{Path, Query, State},
    Json,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{trail, TrailPoint, DEFAULT_POINTS};
use crate::error::AppError;
use crate::event_store::EventStore;
use crate::http::parse_vehicle_id;

#[derive(Deserialize)]
pub struct TrailParams {
    until: Option<String>,
    limit: Option<String>,
}

/// `GET /vehicles/{id}/trail?until=<RFC 3339>&limit=<1..5000>` → `[TrailPoint]`, oldest first
pub async fn handle(
    State(store): State<EventStore>,
    Path(id): Path<String>,
    Query(params): Query<TrailParams>,
) -> Result<Json<Vec<TrailPoint>>, AppError> {
    let vehicle_id = parse_vehicle_id(&id)?;
    let until = match params.until {
        None => None,
        Some(raw) => Some(
            DateTime::parse_from_rfc3339(&raw)
                .map_err(|_| {
                    AppError::bad_request("until", format!("{raw:?} is not an RFC 3339 time"))
                })?
                .with_timezone(&Utc),
        ),
    };
    let limit = match params.limit {
        None => DEFAULT_POINTS,
        Some(raw) => raw.parse().map_err(|_| {
            AppError::bad_request(
                "limit",
                format!("limit must be a whole number, not {raw:?}"),
            )
        })?,
    };
    trail(store.pool(), vehicle_id, until, limit)
        .await
        .map(Json)
}
