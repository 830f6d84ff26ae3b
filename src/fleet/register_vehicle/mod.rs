//! Command RegisterVehicle: a licence plate is registered at most once. A GPS device may be
//! assigned in the same step (atomically: both or neither).

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    let store = expect_context::<crate::event_store::EventStore>();
    let device_id = device_id
        .map(|d| d.trim().to_string())
        .filter(|d| !d.is_empty());
    let registered = register(
        &store,
        &vehicle_license_plate,
        None,
        device_id,
        chrono::Utc::now(),
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

#[cfg(feature = "ssr")]
mod command {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::Registered;
    use crate::error::{AppError, ErrorKind};
    use crate::event_store::{AppendCondition, AppendError, EventStore, Query};
    use crate::fleet::assign_device::{
        already_assigned, device_query, device_vehicle, parse_device_id,
    };
    use crate::fleet::events::{
        plate_tag, DeviceAssigned, VehicleRegistered, VehicleScope, VEHICLE_REGISTERED,
    };
    use crate::fleet::license_plate::LicensePlate;

    /// Registers a vehicle, with its GPS device when `device_id` is given (409
    /// `device_already_assigned` if another vehicle holds it). `vehicle_id` lets a client retry
    /// safely: the same id and plate again answer with the stored registration instead of a
    /// conflict.
    pub async fn register(
        store: &EventStore,
        raw_plate: &str,
        vehicle_id: Option<Uuid>,
        device_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Registered, AppError> {
        let plate = LicensePlate::parse(raw_plate)
            .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
        let device_id = device_id.as_deref().map(parse_device_id).transpose()?;
        if let Some(id) = vehicle_id {
            crate::fleet::track_location::require_v7("vehicleRegisteredId", id)?;
        }
        let registered = VehicleRegistered {
            vehicle_registered_id: vehicle_id.unwrap_or_else(Uuid::now_v7),
            vehicle_license_plate: plate.to_string(),
            registered_at: now,
        };

        // The consistency boundary: registrations of this plate.
        let query = Query::of_types(&[VEHICLE_REGISTERED]).tagged(plate_tag(plate.as_str()));
        let seen = store.read(&query, 0, 1).await?;
        if let Some(existing) = seen.first() {
            return answer_existing(store, existing.decode()?, registered, device_id).await;
        }
        let mut events = vec![registered.to_event()];
        let mut conditions = vec![AppendCondition {
            query: query.clone(),
            after: None,
        }];
        // The device's boundary too: a device belongs to at most one vehicle.
        if let Some(device_id) = &device_id {
            if let Some(holder) = device_vehicle(store, device_id).await? {
                return Err(already_assigned(device_id, holder));
            }
            let assigned = DeviceAssigned {
                device_id: device_id.clone(),
                scope: VehicleScope {
                    vehicle_registered_id: registered.vehicle_registered_id,
                },
                assigned_at: now,
            };
            events.push(assigned.to_event(Uuid::now_v7()));
            conditions.push(AppendCondition {
                query: device_query(device_id),
                after: None,
            });
        }
        let conditions: Vec<&AppendCondition> = conditions.iter().collect();
        match store.append_if_all(&events, &conditions).await {
            Ok(_) => Ok(Registered {
                vehicle_registered_id: registered.vehicle_registered_id,
                vehicle_license_plate: registered.vehicle_license_plate,
                device_id,
            }),
            // Someone registered the plate, or took the device, between our reads and our append.
            Err(AppendError::Conflict { .. }) => {
                let seen = store.read(&query, 0, 1).await?;
                if let Some(existing) = seen.first() {
                    return answer_existing(store, existing.decode()?, registered, device_id).await;
                }
                let device_id = device_id.ok_or_else(AppError::internal)?;
                let holder = device_vehicle(store, &device_id)
                    .await?
                    .ok_or_else(AppError::internal)?;
                Err(already_assigned(&device_id, holder))
            }
            Err(error) => Err(error.into()),
        }
    }

    async fn answer_existing(
        store: &EventStore,
        existing: VehicleRegistered,
        wanted: VehicleRegistered,
        device_id: Option<String>,
    ) -> Result<Registered, AppError> {
        if existing.vehicle_registered_id == wanted.vehicle_registered_id {
            // A retry: the device is reported only if this vehicle holds it.
            let device_id = match device_id {
                Some(device_id) => (device_vehicle(store, &device_id).await?
                    == Some(existing.vehicle_registered_id))
                .then_some(device_id),
                None => None,
            };
            return Ok(Registered {
                vehicle_registered_id: existing.vehicle_registered_id,
                vehicle_license_plate: existing.vehicle_license_plate,
                device_id,
            });
        }
        let mut error = AppError::new(
            ErrorKind::Conflict,
            "plate_already_registered",
            format!("{} is already registered", existing.vehicle_license_plate),
        )
        .on_field("vehicleLicensePlate");
        error.vehicle_registered_id = Some(existing.vehicle_registered_id);
        Err(error)
    }
}
