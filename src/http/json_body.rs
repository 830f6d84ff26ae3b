//! A JSON request body whose every rejection is a JSON error naming the field.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};
use crate::json::parse_json;

/// Largest request body the API accepts.
pub const BODY_LIMIT: usize = 64 * 1024;

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
                        ErrorCode::BodyTooLarge,
                        format!("the request body is larger than {} KiB", BODY_LIMIT / 1024),
                    )
                } else {
                    AppError::new(ErrorCode::UnreadableBody, rejection.body_text())
                }
            })?;
        parse_json(&bytes).map(JsonBody)
    }
}
