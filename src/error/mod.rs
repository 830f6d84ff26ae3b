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
    /// No credential, or one that is not valid (anymore): 401.
    Unauthenticated,
    /// A valid credential whose role may not do this: 403.
    Forbidden,
    /// Too many failed logins: 429, with `Retry-After`.
    TooManyRequests,
    /// The database is down or restarting, or the server is at a cap: 503, with `Retry-After`.
    /// (A connection cut during a commit leaves its outcome unknown: clients resend with their
    /// ids.)
    Unavailable,
    /// Our fault: 500.
    Internal,
}

/// When a client should try again after a 503 (`Retry-After`): PostgreSQL restarts in a few
/// seconds, and the pool finds it again within a second of its return.
pub const RETRY_UNAVAILABLE_SECONDS: u32 = 2;

/// Stable, machine-readable error codes: clients switch on them, so each is serialised exactly as
/// the first release wrote it (`plate_already_registered`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// No credential was sent, or it is not valid (unknown, revoked, expired, a disabled user).
    Unauthenticated,
    /// The credential's role may not do this, or the request came from another site.
    Forbidden,
    /// Email and password do not match an enabled user.
    InvalidCredentials,
    /// Too many failed logins for the account or from the address.
    TooManyAttempts,
    /// The first administrator exists already: the first-run page is gone.
    AlreadySetUp,
    EmailAlreadyRegistered,
    TokenNotFound,
    UserNotFound,
    GroupNotFound,
    /// Another group has this name (however it is typed).
    GroupNameTaken,
    /// The database does not answer (down, restarting, or too slow); try again shortly.
    DatabaseUnavailable,
    /// The server has as many live streams open as it allows; try again shortly.
    TooManyLiveStreams,
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
            ErrorCode::VehicleNotFound
            | ErrorCode::NoLocationYet
            | ErrorCode::TokenNotFound
            | ErrorCode::UserNotFound
            | ErrorCode::GroupNotFound => ErrorKind::NotFound,
            ErrorCode::PlateAlreadyRegistered
            | ErrorCode::DeviceAlreadyAssigned
            | ErrorCode::EmailAlreadyRegistered
            | ErrorCode::GroupNameTaken => ErrorKind::Conflict,
            ErrorCode::Unauthenticated | ErrorCode::InvalidCredentials => {
                ErrorKind::Unauthenticated
            }
            ErrorCode::Forbidden | ErrorCode::AlreadySetUp => ErrorKind::Forbidden,
            ErrorCode::TooManyAttempts => ErrorKind::TooManyRequests,
            ErrorCode::DatabaseUnavailable | ErrorCode::TooManyLiveStreams => {
                ErrorKind::Unavailable
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
    /// What failed underneath (a database error), for the server's log only: never sent. It is
    /// logged as the error becomes a response: in the JSON error of a handler, or as the error is
    /// serialised (a server function's answer, or a page rendered on the server) — there
    /// `skip_serializing_if` logs it, once, and always skips it.
    #[serde(
        default,
        skip_deserializing,
        skip_serializing_if = "Cause::log_and_skip"
    )]
    pub cause: Option<Cause>,
}

/// A failure's cause, logged once however often its error is cloned or serialised (a plain form
/// post serialises the error twice).
/// (Behind one pointer, so that results carrying an `AppError` stay small.)
#[derive(Clone, Debug)]
pub struct Cause(std::sync::Arc<CauseText>);

#[derive(Debug)]
pub struct CauseText {
    pub text: String,
    logged: std::sync::atomic::AtomicBool,
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Serialize for Cause {
    /// Never called (`skip_serializing_if` skips every cause), and would send nothing.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_none()
    }
}

impl Cause {
    fn new(text: String) -> Self {
        Self(std::sync::Arc::new(CauseText {
            text,
            logged: Default::default(),
        }))
    }

    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// Logs the cause the first time; true always (for `skip_serializing_if`).
    fn log_and_skip(cause: &Option<Cause>) -> bool {
        if let Some(cause) = cause {
            cause.log();
        }
        true
    }

    fn log(&self) {
        use std::sync::atomic::Ordering;
        if !self.0.logged.swap(true, Ordering::Relaxed) {
            #[cfg(feature = "ssr")]
            tracing::error!(cause = %self.0.text, "request failed");
        }
    }
}

/// One refused item of a batch, by its index in the request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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

    /// No valid credential: the one answer for a missing, unknown, revoked or expired one.
    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorCode::Unauthenticated,
            "sign in, or send an API token as `Authorization: Bearer <token>`",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
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
        error.cause = Some(Cause::new(cause.to_string()));
        error
    }

    /// The database is away; `cause` goes to the log (as a warning: the service itself is fine).
    pub fn database_unavailable(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            ErrorCode::DatabaseUnavailable,
            "the database does not answer: send the request again in a few seconds (with its ids, a retry is stored once)",
        );
        error.cause = Some(Cause::new(format!("database unavailable: {cause}")));
        error
    }

    /// The error as the command line says it: the field at fault (or `what`), then why.
    #[cfg(feature = "ssr")]
    pub fn on_command_line(self, what: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{}: {}",
            self.field.as_deref().unwrap_or(what),
            self.message
        )
    }

    /// Logs a server failure's cause, once, as the error becomes a response: the client gets
    /// the code and message, the log gets the cause.
    pub fn log_cause(&self) {
        if let Some(cause) = &self.cause {
            cause.log();
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if is_database_unavailable(&error) {
            return Self::database_unavailable(error);
        }
        Self::internal(format_args!("database: {error}"))
    }
}

#[cfg(feature = "ssr")]
impl From<event_store::AppendError> for AppError {
    fn from(error: event_store::AppendError) -> Self {
        match error.database_error() {
            Some(cause) if is_database_unavailable(cause) => Self::database_unavailable(cause),
            _ => Self::internal(format_args!("append: {error}")),
        }
    }
}

/// The database is away (down, restarting, too slow): see [`event_store::is_connection_error`].
#[cfg(feature = "ssr")]
pub fn is_database_unavailable(error: &sqlx::Error) -> bool {
    event_store::is_connection_error(error)
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    /// A request the server function cannot decode is the caller's mistake, answered 400 like
    /// the API's bad bodies (a form post without a field, a value of the wrong type); anything
    /// else (the network, a codec) is a failure to call it.
    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        use leptos::server_fn::error::ServerFnErrorErr;
        match error {
            ServerFnErrorErr::MissingArg(field) => {
                Self::new(ErrorCode::MissingField, format!("{field} is missing")).on_field(&field)
            }
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::Deserialization(why)
                if why.contains("length limit exceeded") =>
            {
                Self::new(ErrorCode::BodyTooLarge, "the form is over the 64 KiB limit")
            }
            ServerFnErrorErr::Args(why) | ServerFnErrorErr::Deserialization(why) => {
                // serde names a missing field as "missing field `name`".
                let missing = why
                    .split_once("missing field `")
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map(|(field, _)| field.to_string());
                match missing {
                    Some(field) => {
                        Self::new(ErrorCode::MissingField, format!("{field} is missing"))
                            .on_field(&field)
                    }
                    None => Self::new(
                        ErrorCode::InvalidField,
                        format!("the form cannot be read: {why}"),
                    ),
                }
            }
            error => Self::new(ErrorCode::ServerFunction, error.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<serde_json::Error> for AppError {
    fn from(error: serde_json::Error) -> Self {
        Self::internal(format_args!("a stored event does not decode: {error}"))
    }
}

#[cfg(test)]
mod tests;
