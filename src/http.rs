//! The HTTP JSON API's plumbing: error responses and a JSON body extractor whose every rejection
//! is a JSON error naming the field. The handlers live with their use case in `fleet/*/http.rs`.

use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, FromRequest, Request},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::de::DeserializeOwned;
use serde_json::json;
use uuid::Uuid;

use crate::error::{AppError, ErrorKind};
use crate::fleet::{
    assign_device, fleet_at, get_vehicle, list_vehicles, live_updates, osmand, register_vehicle,
    track_location, track_locations, vehicle_current_location, vehicle_events, vehicle_trail,
};
use crate::server::{health, AppState};

/// Largest request body the API accepts.
pub const BODY_LIMIT: usize = 64 * 1024;

/// The routes of the system this one replaces, and the new ones.
pub fn routes() -> Router<AppState> {
    Router::new()
        // GPS devices (OsmAnd protocol). Only POST: `GET /` is the web app's page.
        .route("/", post(osmand::http::handle))
        .route("/register-vehicle", post(register_vehicle::http::handle))
        .route("/track-location", post(track_location::http::handle))
        .route(
            "/track-locations",
            post(track_locations::http::handle)
                .layer(DefaultBodyLimit::max(track_locations::http::BODY_LIMIT)),
        )
        .route(
            "/vehicle-current-location/{vehicle_id}",
            get(vehicle_current_location::http::handle),
        )
        .route("/vehicles", get(list_vehicles::http::handle))
        .route(
            "/vehicles/by-plate/{plate}",
            get(get_vehicle::http::by_plate),
        )
        .route("/vehicles/{vehicle_id}", get(get_vehicle::http::by_id))
        .route(
            "/vehicles/{vehicle_id}/events",
            get(vehicle_events::http::handle),
        )
        .route(
            "/vehicles/{vehicle_id}/device",
            post(assign_device::http::handle),
        )
        .route(
            "/vehicles/{vehicle_id}/trail",
            get(vehicle_trail::http::handle),
        )
        .route("/fleet", get(fleet_at::http::handle))
        .route("/live", get(live_updates::http::handle))
        .route("/health", get(health::handle))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `{"error":{"code","message","field"}}`, plus the existing vehicle's id on a plate conflict.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message, "field": self.field });
        if let Some(id) = self.vehicle_registered_id {
            error["vehicleRegisteredId"] = json!(id);
        }
        if !self.items.is_empty() {
            error["items"] = json!(self.items);
        }
        (self.status(), Json(json!({ "error": error }))).into_response()
    }
}

/// A JSON request body. Unlike `axum::Json`, every rejection is an [`AppError`]: 413 over the
/// limit, 400 for malformed JSON, and 400 naming the field for a wrong type or a missing field.
/// The content type is not checked: the old clients did not all send one.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::new(
                        ErrorKind::PayloadTooLarge,
                        "body_too_large",
                        format!("the request body is larger than {} KiB", BODY_LIMIT / 1024),
                    )
                } else {
                    AppError::new(
                        ErrorKind::BadRequest,
                        "unreadable_body",
                        rejection.body_text(),
                    )
                }
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|error| {
        AppError::new(
            ErrorKind::BadRequest,
            "malformed_json",
            format!("malformed JSON: {error}"),
        )
    })?;
    Ok(value)
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() {
        let malformed = AppError::new(
            ErrorKind::BadRequest,
            "malformed_json",
            format!("malformed JSON: {inner}"),
        );
        // A number out of range is a syntax error to serde_json, yet it sits in a known field.
        let path = error.path().to_string();
        return match path.as_str() {
            "." | "?" => malformed,
            _ => malformed.on_field(&path),
        };
    }
    let message = inner.to_string();
    // serde names a missing field in its message; the path points at the object holding it.
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        let path = error.path().to_string();
        let field = if path == "." {
            missing.to_string()
        } else {
            format!("{path}.{missing}")
        };
        return AppError::new(
            ErrorKind::BadRequest,
            "missing_field",
            format!("`{field}` is required"),
        )
        .on_field(&field);
    }
    let field = error.path().to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    AppError::new(
        ErrorKind::BadRequest,
        "invalid_field",
        format!("`{field}`: {message}"),
    )
    .on_field(&field)
}

/// A vehicle id from the URL path.
pub fn parse_vehicle_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| {
        AppError::bad_request(
            "vehicleRegisteredId",
            format!("{raw:?} is not a vehicle id (a UUID)"),
        )
    })
}
