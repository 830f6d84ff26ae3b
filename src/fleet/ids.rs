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
