//! Command RegisterVehicle: a licence plate is registered at most once. A GPS device may be
//! assigned in the same step (atomically: both or neither).

#[cfg(feature = "ssr")]
mod command;
#[cfg(feature = "ssr")]
mod decide;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Registered {
    pub vehicle_registered_id: Uuid,
    pub vehicle_license_plate: String,
    /// The GPS device assigned at registration, if one was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
}

/// The form's server function; also works as a plain form post before the wasm has loaded.
/// An empty device field means no device.
#[server(endpoint = "register_vehicle")]
pub async fn register_vehicle(
    vehicle_license_plate: String,
    #[server(default)] device_id: Option<String>,
) -> Result<Registered, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Manage)?;
    let store = expect_context::<event_store::EventStore>();
    let device_id = device_id
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    let registered = register(
        &store,
        &vehicle_license_plate,
        None,
        device_id,
        chrono::Utc::now(),
        &caller.scope,
        &crate::server::auth::caused_by(),
    )
    .await?;
    confirm_plain_form_post(&registered);
    Ok(registered)
}

/// A form posted before the wasm has loaded (the browser asks for HTML) gets the page back with
/// the plate registered in the address, which the form then confirms. Called by the app's own
/// code, server functions answer data; a redirect would navigate away.
#[cfg(feature = "ssr")]
fn confirm_plain_form_post(registered: &Registered) {
    let plain_form_post = use_context::<axum::http::request::Parts>().is_some_and(|parts| {
        parts
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    if plain_form_post {
        // A registered plate is letters, digits, spaces and dashes: safe in a query as it is,
        // but encoded all the same.
        let plate: String =
            url::form_urlencoded::byte_serialize(registered.vehicle_license_plate.as_bytes())
                .collect();
        leptos_axum::redirect(&format!("/?registered={plate}"));
    }
}

#[cfg(feature = "ssr")]
pub use command::register;
