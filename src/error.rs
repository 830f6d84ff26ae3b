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

/// Stable, machine-readable error codes: clients switch on them, so each is serialised exactly as
/// the first release wrote it (`plate_already_registered`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field has the wrong type or form.
    InvalidField,
    MissingField,
    MalformedJson,
    /// The body could not be read at all.
    UnreadableBody,
    BodyTooLarge,
    /// A batch holds more fixes than one request may.
    TooManyFixes,
    /// Well-formed, but a value is out of range.
    OutOfRange,
    /// Some items of a batch are refused (each in `items`).
    InvalidItems,
    VehicleNotFound,
    /// The vehicle exists but has not reported a position.
    NoLocationYet,
    PlateAlreadyRegistered,
    DeviceAlreadyAssigned,
    /// The server failed.
    Internal,
    /// Leptos could not call a server function (network, codec).
    ServerFunction,
}

impl ErrorCode {
    /// The kind a code usually is; a caller may still say otherwise (a batch's malformed item).
    pub fn kind(self) -> ErrorKind {
        match self {
            ErrorCode::InvalidField
            | ErrorCode::MissingField
            | ErrorCode::MalformedJson
            | ErrorCode::UnreadableBody => ErrorKind::BadRequest,
            ErrorCode::BodyTooLarge | ErrorCode::TooManyFixes => ErrorKind::PayloadTooLarge,
            ErrorCode::OutOfRange | ErrorCode::InvalidItems => ErrorKind::Unprocessable,
            ErrorCode::VehicleNotFound | ErrorCode::NoLocationYet => ErrorKind::NotFound,
            ErrorCode::PlateAlreadyRegistered | ErrorCode::DeviceAlreadyAssigned => {
                ErrorKind::Conflict
            }
            ErrorCode::Internal | ErrorCode::ServerFunction => ErrorKind::Internal,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
#[serde(rename_all = "camelCase")]
pub struct AppError {
    pub kind: ErrorKind,
    pub code: ErrorCode,
    pub message: String,
    /// The request field at fault, named as in the API (`vehicleLicensePlate`).
    pub field: Option<String>,
    /// For conflicts: the vehicle that already holds the plate.
    pub vehicle_registered_id: Option<Uuid>,
    /// For a batch: what is wrong with each refused item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemError>,
    /// What failed underneath (a database error), for the server's log only: never sent.
    #[serde(skip)]
    pub cause: Option<String>,
}

/// One refused item of a batch, by its index in the request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemError {
    pub index: usize,
    pub code: ErrorCode,
    pub field: Option<String>,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            kind: code.kind(),
            code,
            message: message.into(),
            field: None,
            vehicle_registered_id: None,
            items: Vec::new(),
            cause: None,
        }
    }

    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_string());
        self
    }

    pub fn bad_request(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidField, message).on_field(field)
    }

    pub fn unprocessable(field: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::OutOfRange, message).on_field(field)
    }

    pub fn vehicle_not_found(field: &str) -> Self {
        Self::new(
            ErrorCode::VehicleNotFound,
            "no vehicle is registered with this identity",
        )
        .on_field(field)
    }

    /// A failure of the server; `cause` goes to the log when the error becomes a response.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            ErrorCode::Internal,
            "the server failed; nothing was stored, try again",
        );
        error.cause = Some(cause.to_string());
        error
    }

    /// Logs a server failure once, as it becomes a response (HTTP or server function): the
    /// client gets the code and message, the log gets the cause.
    pub fn log_if_internal(&self) {
        #[cfg(feature = "ssr")]
        if self.kind == ErrorKind::Internal {
            tracing::error!(
                code = ?self.code,
                cause = self.cause.as_deref().unwrap_or("unknown"),
                "request failed"
            );
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        Self::internal(format_args!("database: {error}"))
    }
}

#[cfg(feature = "ssr")]
impl From<event_store::AppendError> for AppError {
    fn from(error: event_store::AppendError) -> Self {
        Self::internal(format_args!("append: {error}"))
    }
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::new(ErrorCode::ServerFunction, error.to_string())
    }

    /// On the server, where a server function's error becomes its response: logged here, once.
    fn ser(&self) -> leptos::server_fn::Bytes {
        use leptos::server_fn::Encodes;
        self.log_if_internal();
        Self::Encoder::encode(self).unwrap_or_else(|error| {
            Self::Encoder::encode(&Self::new(ErrorCode::ServerFunction, error.to_string()))
                .expect("a plain error serialises")
        })
    }
}

#[cfg(feature = "ssr")]
impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        Self::internal(format_args!("a stored event does not decode: {error}"))
    }
}
