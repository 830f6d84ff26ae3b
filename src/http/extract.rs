//! Typed extractors: a vehicle id from the path and query parameters whose every rejection is a
//! JSON error naming the parameter, so handlers take values, never strings to parse.

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};
use chrono::{DateTime, Utc};
use serde::{de, de::DeserializeOwned, Deserialize, Deserializer};
use utoipa::openapi::{
    path::{Parameter, ParameterBuilder, ParameterIn},
    KnownFormat, ObjectBuilder, Required, SchemaFormat, Type,
};
use uuid::Uuid;

use crate::error::AppError;

/// The `{vehicle_id}` of a route: 400 naming `vehicleRegisteredId` unless it is a UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VehicleId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for VehicleId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_id(parts, state, "vehicleRegisteredId", "a vehicle id")
            .await
            .map(VehicleId)
    }
}

/// The `{group_id}` of a route: 400 naming `groupId` unless it is a UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupId(pub Uuid);

impl<S: Send + Sync> FromRequestParts<S> for GroupId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        path_id(parts, state, "groupId", "a group id")
            .await
            .map(GroupId)
    }
}

/// Describes `{vehicle_id}` in a route's OpenAPI description: `params(VehicleId)`.
impl utoipa::IntoParams for VehicleId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_parameter(
            "vehicle_id",
            "The vehicle's `vehicleRegisteredId` (a UUID)",
        )]
    }
}

/// Describes `{group_id}`: `params(GroupId)`.
impl utoipa::IntoParams for GroupId {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![path_parameter("group_id", "The group's `groupId` (a UUID)")]
    }
}

fn path_parameter(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
        ))
        .build()
}

/// The one id in a route's path.
async fn path_id<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    field: &str,
    what: &str,
) -> Result<Uuid, AppError> {
    let Path(raw) = Path::<String>::from_request_parts(parts, state)
        .await
        .map_err(|rejection| AppError::bad_request(field, rejection.body_text()))?;
    Uuid::parse_str(&raw)
        .map_err(|_| AppError::bad_request(field, format!("{raw:?} is not {what} (a UUID)")))
}

/// The query string as `T`: 400 `invalid_field` naming the parameter that does not read.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(url::form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(QueryParams)
            .map_err(|error| {
                let field = error.path().to_string();
                let reason = error.inner().to_string();
                // The values' own messages are whole sentences once the field leads them
                // ("limit must be a whole number…", "\"x\" is not an RFC 3339 time"); serde's
                // others are not.
                let message = if reason.starts_with("must ") {
                    format!("{field} {reason}")
                } else if reason.starts_with('"') {
                    reason
                } else {
                    format!("`{field}`: {reason}")
                };
                AppError::bad_request(&field, message)
            })
    }
}

/// A moment in a query: RFC 3339 (`2026-12-03T08:00:00Z`, `…+01:00`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for Moment {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&raw)
            .map(|at| Moment(at.with_timezone(&Utc)))
            .map_err(|_| de::Error::custom(format!("{raw:?} is not an RFC 3339 time")))
    }
}

/// A count or position in a query: a whole number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WholeNumber(pub i64);

impl<'de> Deserialize<'de> for WholeNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse()
            .map(WholeNumber)
            .map_err(|_| de::Error::custom(format!("must be a whole number, not {raw:?}")))
    }
}
