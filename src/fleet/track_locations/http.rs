use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{header::CONTENT_TYPE, HeaderMap},
    Json,
};
use chrono::Utc;

use super::{track_all, TrackedBatch};
use crate::error::{AppError, ErrorKind};
use crate::fleet::fix_body::FixBody;
use crate::fleet::fleet_index::FleetIndex;
use crate::json::parse_json;

use crate::fleet::access::{Access, CausedBy, Scope};
use crate::http::openapi::Refused;
use crate::http::routes::Routes;
use event_store::EventStore;

/// Largest batch body: 10,000 fixes with room to spare.
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn routes() -> Routes {
    let (schemas, paths, route) = utoipa_axum::routes!(handle);
    let route = route.layer(DefaultBodyLimit::max(BODY_LIMIT));
    Routes::new().add(Access::Ingest, (schemas, paths, route))
}

/// Track up to 10,000 fixes at once: all or none
///
/// A JSON array of `/track-location` bodies, or the same one per line (`Content-Type:
/// application/x-ndjson`) → `{"stored":n,"alreadyStored":m}`. Fixes already stored (by their
/// `locationTrackedId`) count as `alreadyStored`.
#[utoipa::path(post, path = "/track-locations",
    request_body(description = "A JSON array of fixes, or one fix object per line (`application/x-ndjson`)", content(
        (Vec<FixBody> = "application/json"),
        (String = "application/x-ndjson"),
    )),
    responses(
        (status = 200, description = "Stored", body = TrackedBatch),
        (status = 400, response = Refused),
        (status = 413, response = Refused), (status = 422, response = Refused),
    ))]
async fn handle(
    State(store): State<EventStore>,
    State(known): State<FleetIndex>,
    caused_by: CausedBy,
    scope: Scope,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TrackedBatch>, AppError> {
    let ndjson = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/x-ndjson") || v.starts_with("application/jsonl")
        });
    let bodies: Vec<FixBody> = if ndjson {
        body.split(|b| *b == b'\n')
            .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
            .enumerate()
            .map(|(index, line)| parse_json(line).map_err(|error| at_item(index, error)))
            .collect::<Result<_, _>>()?
    } else {
        parse_json(&body)?
    };
    let mut fixes = Vec::with_capacity(bodies.len());
    for (index, body) in bodies.into_iter().enumerate() {
        fixes.push(body.into_fix().map_err(|error| at_item(index, error))?);
    }
    track_all(&store, &known, &fixes, Utc::now(), &scope, &caused_by)
        .await
        .map(Json)
}

/// A malformed item: 400, its index in the field.
fn at_item(index: usize, mut error: AppError) -> AppError {
    error.kind = ErrorKind::BadRequest;
    error.field = Some(format!(
        "[{index}]{}",
        error.field.map(|f| format!(".{f}")).unwrap_or_default()
    ));
    error
}
