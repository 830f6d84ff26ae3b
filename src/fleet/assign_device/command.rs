//! The shell of AssignDevice: checks the input and the vehicle, then reads, decides, appends.

use chrono::{DateTime, Utc};
use event_store::EventStore;
use uuid::Uuid;

use super::decide::AssignDevice;
use super::DeviceAssignment;
use crate::error::AppError;
use crate::fleet::access::{CausedBy, Scope};
use crate::fleet::decision::execute;
use crate::fleet::devices::parse_device_id;
use crate::fleet::registrations::resolve_vehicle;
use crate::fleet::vehicle::Vehicle;
use crate::fleet::vehicle_ref::VehicleRef;

/// Assigns a device to a registered vehicle that `scope` sees. Assigning it again to the same
/// vehicle is a harmless retry; while another vehicle holds it, a conflict, unless `take_over`
/// moves it from a vehicle `scope` sees.
pub async fn assign(
    store: &EventStore,
    vehicle_id: Uuid,
    raw_device_id: &str,
    take_over: bool,
    now: DateTime<Utc>,
    scope: &Scope,
    caused_by: &CausedBy,
) -> Result<DeviceAssignment, AppError> {
    let device_id = parse_device_id(raw_device_id)?;
    // A registration is never undone: once found, the vehicle stays, so it needs no
    // condition of its own.
    resolve_vehicle(store, &VehicleRef::Id(vehicle_id)).await?;
    Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
    let command = AssignDevice {
        vehicle_id,
        device_id,
        take_over,
        seen: Vehicle::seen_ids(store.pool(), scope).await?,
        at: now,
    };
    execute(store, &command, caused_by)
        .await
        .map_err(|error| scope.hide_holder(error))
}
