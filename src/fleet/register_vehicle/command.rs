//! The shell of RegisterVehicle: checks the input, then reads, decides, appends.

use chrono::{DateTime, Utc};
use event_store::EventStore;
use uuid::Uuid;

use super::decide::RegisterVehicle;
use super::Registered;
use crate::error::AppError;
use crate::fleet::access::{CausedBy, Scope};
use crate::fleet::decision::execute;
use crate::fleet::devices::parse_device_id;
use crate::fleet::ids::require_v7;
use crate::fleet::license_plate::LicensePlate;

/// Registers a vehicle (placed in the caller's first group when limited to groups), with its
/// GPS device when `device_id` is given (409
/// `device_already_assigned` if another vehicle holds it). `vehicle_id` lets a client retry
/// safely: the same id and plate again answer with the stored registration instead of a
/// conflict.
pub async fn register(
    store: &EventStore,
    raw_plate: &str,
    vehicle_id: Option<Uuid>,
    device_id: Option<String>,
    now: DateTime<Utc>,
    scope: &Scope,
    caused_by: &CausedBy,
) -> Result<Registered, AppError> {
    let plate = LicensePlate::parse(raw_plate)
        .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
    let device_id = device_id.as_deref().map(parse_device_id).transpose()?;
    if let Some(id) = vehicle_id {
        require_v7("vehicleRegisteredId", id)?;
    }
    let command = RegisterVehicle {
        vehicle_id: vehicle_id.unwrap_or_else(Uuid::now_v7),
        plate,
        device_id,
        group: scope.home_group(),
        at: now,
    };
    execute(store, &command, caused_by)
        .await
        .map_err(|error| scope.hide_holder(error))
}
