use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;

use super::{history, EventPage, DEFAULT_PAGE};
use crate::error::AppError;
use crate::event_store::EventStore;
use crate::http::parse_vehicle_id;

#[derive(Deserialize)]
pub struct PageParams {
    after: Option<String>,
    limit: Option<String>,
}

fn number(field: &str, raw: Option<String>, default: i64) -> Result<i64, AppError> {
    match raw {
        None => Ok(default),
        Some(raw) => raw.parse().map_err(|_| {
            AppError::bad_request(
                field,
                format!("{field} must be a whole number, not {raw:?}"),
            )
        }),
    }
}

/// `GET /vehicles/{id}/events?after=<position>&limit=<1..1000>` → `EventPage`
pub async fn handle(
    State(store): State<EventStore>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
) -> Result<Json<EventPage>, AppError> {
    let vehicle_id = parse_vehicle_id(&id)?;
    let after = number("after", params.after, 0)?;
    let limit = number("limit", params.limit, DEFAULT_PAGE)?;
    history(&store, vehicle_id, after, limit).await.map(Json)
}
