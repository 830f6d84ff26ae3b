//! Ids a client may choose.

use uuid::Uuid;

use crate::error::AppError;

/// Client-chosen ids must be UUID v7 like the server's, so ids keep sorting by time.
pub fn require_v7(field: &str, id: Uuid) -> Result<(), AppError> {
    if id.get_version_num() == 7 {
        Ok(())
    } else {
        Err(AppError::unprocessable(
            field,
            format!("{field} must be a UUID v7"),
        ))
    }
}

/// An id typed in a form, where an empty field means none: 400 naming `field` unless a UUID.
pub fn optional_id(field: &str, text: &str) -> Result<Option<Uuid>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(text)
        .map(Some)
        .map_err(|_| AppError::bad_request(field, format!("{text:?} is not an id (a UUID)")))
}
