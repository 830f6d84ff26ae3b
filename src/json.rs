//! JSON in, with errors that name the field at fault (`[3].latitude`, `location.coords`): for
//! the API's bodies and the OsmAnd protocol's JSON form alike.

use serde::de::DeserializeOwned;

use crate::error::{AppError, ErrorCode};

/// Reads `bytes` as one JSON value of type `T`: 400 `malformed_json`, `missing_field` or
/// `invalid_field`, naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(json_error)?;
    deserializer.end().map_err(|error| {
        AppError::new(ErrorCode::MalformedJson, format!("malformed JSON: {error}"))
    })?;
    Ok(value)
}

fn json_error(error: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() {
        let malformed = AppError::new(ErrorCode::MalformedJson, format!("malformed JSON: {inner}"));
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
        return AppError::new(ErrorCode::MissingField, format!("`{field}` is required"))
            .on_field(&field);
    }
    let field = error.path().to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    AppError::new(ErrorCode::InvalidField, format!("`{field}`: {message}")).on_field(&field)
}
