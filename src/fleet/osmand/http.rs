use axum::extract::ConnectInfo;
use axum::{
    body::to_bytes,
    extract::{Request, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Router,
};
use chrono::Utc;
use std::net::SocketAddr;
use std::time::Instant;
use tower_http::trace::TraceLayer;

use super::{parse, record, OsmandError, OsmandStats, BODY_LIMIT};
use crate::error::RETRY_UNAVAILABLE_SECONDS;
use crate::fleet::access::Access;
use crate::http::routes::Routes;
use crate::server::state::AppState;
use event_store::EventStore;

/// On the main port, only `POST /`: `GET /` is the web app's page.
pub fn routes() -> Routes {
    Routes::new().add(Access::Anyone, utoipa_axum::routes!(handle))
}

/// The OsmAnd protocol (Traccar Client and other trackers)
///
/// A query string (described here: the fix's device and place), or the same parameters as a
/// url-encoded body, or Traccar Client's JSON (`{"device_id","location"}`, `Content-Type:
/// application/json`); docs/gps-devices.md has every parameter (`timestamp`, `speed`, …). `200` with an empty body when stored, and for a device no vehicle has (so ids
/// cannot be probed); a plain-text reason otherwise. Mounted at `POST /` of the main port and
/// at every path, any method, of the dedicated one.
#[utoipa::path(post, path = "/",
    params(
        ("id" = String, Query, description = "The device identifier (or `deviceid`)", pattern = r"^[^\s\x00-\x1f\x7f-\x9f]{1,64}$"),
        ("lat" = f64, Query, description = "Latitude in degrees", minimum = -90, maximum = 90),
        ("lon" = f64, Query, description = "Longitude in degrees", minimum = -180, maximum = 180),
    ),
    responses(
        (status = 200, description = "Stored (or a device no vehicle has); empty body"),
        (status = 400, description = "A plain-text reason", content_type = "text/plain", body = String),
        (status = 413, description = "The body is larger than the limit", content_type = "text/plain", body = String),
        (status = 503, description = "The database does not answer; nothing was stored", content_type = "text/plain", body = String),
    ))]
async fn handle(
    State(store): State<EventStore>,
    State(stats): State<OsmandStats>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(delay) = stats.unknown_devices.delay_for(address, Instant::now()) {
        tokio::time::sleep(delay).await;
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        OsmandError::BadRequest(format!(
            "the request body is larger than {} KiB",
            BODY_LIMIT / 1024
        ))
    };
    let result = if declared.is_some_and(|length| length > BODY_LIMIT) {
        Err(too_large())
    } else {
        match to_bytes(body, BODY_LIMIT).await {
            Err(_) => Err(too_large()),
            Ok(body) => {
                let content_type = parts
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                match parse(content_type, parts.uri.query(), &body) {
                    Ok(report) => record(&store, report, Utc::now()).await,
                    Err(error) => Err(error),
                }
            }
        }
    };
    match result {
        Ok(_) => StatusCode::OK.into_response(),
        Err(error) => {
            if let OsmandError::UnknownDevice {
                device_id, fixes, ..
            } = &error
            {
                stats.count_unknown_device_fixes(*fixes as u64);
                stats.unknown_devices.seen(address, Instant::now());
                tracing::info!(
                    device_id,
                    fixes,
                    ?address,
                    "fixes of an unknown device not stored"
                );
                // The same answer as a known device's: ids cannot be probed.
                return StatusCode::OK.into_response();
            }
            // Logged once, here, where the failure becomes the device's answer.
            match &error {
                OsmandError::Internal { cause } => tracing::error!(cause, "GPS fixes not stored"),
                OsmandError::Unavailable { cause } => {
                    tracing::warn!(cause, "GPS fixes not stored: the database does not answer")
                }
                _ => {}
            }
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                error.to_string(),
            )
                .into_response();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(RETRY_UNAVAILABLE_SECONDS),
                );
            }
            response
        }
    }
}

/// The dedicated listener's app: the protocol at any path and method (devices are configured
/// with a bare `http://host:5055`).
pub fn router(state: AppState) -> Router {
    Router::new()
        .fallback(handle)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
