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
use crate::fleet::access::Access;
use crate::http::routes::Routes;
use crate::server::state::AppState;
use event_store::EventStore;

/// On the main port, only `POST /`: `GET /` is the web app's page.
pub fn routes() -> Routes {
    Routes::new().post("/", Access::Anyone, handle)
}

/// The protocol's endpoint: any method. `200` with an empty body when stored; a plain-text reason
/// otherwise. Mounted at `POST /` of the main port and at every path of the dedicated one.
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
            if let OsmandError::Internal { cause } = &error {
                tracing::error!(cause, "GPS fixes not stored");
            }
            let status =
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                error.to_string(),
            )
                .into_response()
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
