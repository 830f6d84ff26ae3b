//! The one error type of use cases, server functions and the HTTP API, shared by server and
//! browser so the form can show a field's error next to the field.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What went wrong, which decides the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Malformed JSON, a wrong type, a missing field: 400.
    BadRequest,
    /// Unknown vehicle: 404.
    NotFound,
    /// The command conflicts with what is stored: 409.
    Conflict,
    /// Well-formed, but a value is out of range: 422.
    Unprocessable,
    /// Body over the limit: 413.
    PayloadTooLarge,
    /// Our fault: 500.
    Internal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub kind: ErrorKind,
    /// Stable, machine-readable, e.g. `plate_already_registered`.
    pub code: String,
    pub message: String,
    /// The request field at fault, named as in the API (`vehicleLicensePlate`).
    pub field: Option<String>,
    /// For conflicts: the vehicle that already holds the plate.
    pub vehicle_registered_id: Option<Uuid>,
    /// For a batch: what is wrong with each refused item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemError>,
}

/// One refused item of a batch, by its index in the request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub code: String,
    pub field: Option<String>,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: code.to_string(),
            message: message.into(),
            field: None,
            vehicle_registered_id: None,
            items: Vec::new(),
        }
    }

    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, "invalid_field", message).on_field(field)
    }

    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unprocessable, "out_of_range", message).on_field(field)
    }

    pub fn vehicle_not_found(field: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            "vehicle_not_found",
            "no vehicle is registered with this identity",
        )
        .on_field(field)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "internal",
            "the server failed; nothing was stored, try again",
        )
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        tracing::error!(%error, "database error");
        Self::internal()
    }
}

#[cfg(feature = "ssr")]
impl From<crate::event_store::AppendError> for AppError {
    fn from(error: crate::event_store::AppendError) -> Self {
        tracing::error!(%error, "append failed");
        Self::internal()
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::new(ErrorKind::Internal, "server_function", error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        tracing::error!(%error, "a stored event does not decode");
        Self::internal()
    }
}
