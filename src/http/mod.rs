//! The HTTP JSON API's plumbing: every slice's routes merged, the extractors they share and the
//! JSON error response. The handlers and their routes live with their use case in
//! `fleet/*/http.rs`.

pub mod api_page;
pub mod extract;
pub mod json_body;
pub mod openapi;
#[cfg(test)]
mod openapi_tests;
pub mod routes;

use json_body::BODY_LIMIT;
use routes::Routes;

use axum::{
    extract::DefaultBodyLimit,
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json, Router,
};
use serde_json::json;

use crate::error::{AppError, ErrorKind, RETRY_UNAVAILABLE_SECONDS};
use crate::fleet::{
    assign_device, create_group, fleet_activity, fleet_at, get_vehicle, list_groups, list_vehicles,
    live_updates, osmand, place_in_group, register_vehicle, track_location, track_locations,
    unassign_device, vehicle_current_location, vehicle_events, vehicle_trail,
};
use crate::server::health;
use crate::server::state::AppState;

/// The routes of the system this one replaces, and the new ones.
pub fn routes() -> Routes {
    Routes::new()
        .merge(osmand::http::routes())
        .merge(register_vehicle::http::routes())
        .merge(assign_device::http::routes())
        .merge(unassign_device::http::routes())
        .merge(track_location::http::routes())
        .merge(track_locations::http::routes())
        .merge(vehicle_current_location::http::routes())
        .merge(list_vehicles::http::routes())
        .merge(get_vehicle::http::routes())
        .merge(vehicle_events::http::routes())
        .merge(vehicle_trail::http::routes())
        .merge(fleet_at::http::routes())
        .merge(fleet_activity::http::routes())
        .merge(live_updates::http::routes())
        .merge(list_groups::http::routes())
        .merge(create_group::http::routes())
        .merge(place_in_group::http::routes())
        .merge(health::routes())
        .merge(openapi::routes())
        .merge(api_page::routes())
}

/// The API's routes as a router, with the body limit and their description.
pub fn router() -> Router<AppState> {
    let routes = routes();
    let description = openapi::Description(openapi::render(&routes).into());
    routes
        .into_router()
        .layer(Extension(description))
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
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// `{"error":{"code","message","field"}}`, plus the existing vehicle's id on a conflict and each
/// refused item of a batch. A server failure's cause is logged here, once, and never sent.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_cause();
        let mut error = json!({ "code": self.code, "message": self.message, "field": self.field });
        if let Some(id) = self.vehicle_registered_id {
            error["vehicleRegisteredId"] = json!(id);
        }
        if !self.items.is_empty() {
            error["items"] = json!(self.items);
        }
        let mut response = (self.status(), Json(json!({ "error": error }))).into_response();
        if self.kind == ErrorKind::Unavailable {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE_SECONDS));
        }
        response
    }
}
