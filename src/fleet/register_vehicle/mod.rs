//! Command RegisterVehicle: a licence plate is registered at most once.

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
}

/// The form's server function; also works as a plain form post before the wasm has loaded.
#[server(endpoint = "register_vehicle")]
pub async fn register_vehicle(vehicle_license_plate: String) -> Result<Registered, AppError> {
    let store = expect_context::<crate::event_store::EventStore>();
    register(&store, &vehicle_license_plate, None, chrono::Utc::now()).await
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
    use crate::fleet::events::{plate_tag, VehicleRegistered, VEHICLE_REGISTERED};
    use crate::fleet::license_plate::LicensePlate;

    /// Registers a vehicle. `vehicle_id` lets a client retry safely: the same id and plate again
    /// answer with the stored registration instead of a conflict.
    pub async fn register(
        store: &EventStore,
        raw_plate: &str,
        vehicle_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<Registered, AppError> {
        let plate = LicensePlate::parse(raw_plate)
            .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
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
            return answer_existing(existing.decode()?, registered);
        }
        let condition = AppendCondition {
            query: query.clone(),
            after: None,
        };
        match store
            .append(&[registered.to_event()], Some(&condition))
            .await
        {
            Ok(_) => Ok(Registered {
                vehicle_registered_id: registered.vehicle_registered_id,
                vehicle_license_plate: registered.vehicle_license_plate,
            }),
            // Someone registered the plate between our read and our append.
            Err(AppendError::Conflict { .. }) => {
                let seen = store.read(&query, 0, 1).await?;
                let existing = seen.first().ok_or_else(AppError::internal)?;
                answer_existing(existing.decode()?, registered)
            }
            Err(error) => Err(error.into()),
        }
    }

    fn answer_existing(
        existing: VehicleRegistered,
        wanted: VehicleRegistered,
    ) -> Result<Registered, AppError> {
        if existing.vehicle_registered_id == wanted.vehicle_registered_id {
            return Ok(Registered {
                vehicle_registered_id: existing.vehicle_registered_id,
                vehicle_license_plate: existing.vehicle_license_plate,
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
