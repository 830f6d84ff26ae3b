use axum::{
    extract::{Query, State},
    Json,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{answer, index::FleetIndex, FleetPosition};
use crate::error::AppError;
use crate::event_store::EventStore;

#[derive(Deserialize)]
pub struct FleetParams {
    at: Option<String>,
}

/// `GET /fleet?at=<RFC 3339>` (now when absent) → `[FleetPosition]`
pub async fn handle(
    State(store): State<EventStore>,
    State(index): State<FleetIndex>,
    Query(params): Query<FleetParams>,
) -> Result<Json<Vec<FleetPosition>>, AppError> {
    let at = match params.at {
        None => Utc::now(),
        Some(raw) => DateTime::parse_from_rfc3339(&raw)
            .map_err(|_| AppError::bad_request("at", format!("{raw:?} is not an RFC 3339 time")))?
            .with_timezone(&Utc),
    };
    answer(&index, store.pool(), at).await.map(Json)
}
