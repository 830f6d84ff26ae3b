//! Command UnassignDevice: a GPS device no longer reports a vehicle's fixes (claimed by mistake,
//! retired, about to go to another vehicle). Its fixes are then refused like an unknown device's
//! until it is assigned again.

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
pub struct DeviceUnassignment {
    pub device_id: String,
    /// The vehicle it left.
    pub vehicle_registered_id: Uuid,
}

#[server(endpoint = "unassign_device")]
pub async fn unassign_device(
    vehicle_registered_id: Uuid,
    device_id: String,
) -> Result<DeviceUnassignment, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Manage)?;
    let store = expect_context::<event_store::EventStore>();
    let caused_by = crate::server::auth::caused_by();
    unassign(
        &store,
        vehicle_registered_id,
        &device_id,
        &caller.scope,
        &caused_by,
    )
    .await
}

/// Takes the device off a vehicle `scope` sees. A device the vehicle does not hold (any more) is
/// left alone: 200 if no vehicle holds it (a retry), 409 `device_already_assigned` if another does.
#[cfg(feature = "ssr")]
pub async fn unassign(
    store: &event_store::EventStore,
    vehicle_id: Uuid,
    raw_device_id: &str,
    scope: &crate::fleet::access::Scope,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<DeviceUnassignment, AppError> {
    use crate::fleet::registrations::resolve_vehicle;
    use crate::fleet::vehicle::Vehicle;
    use crate::fleet::vehicle_ref::VehicleRef;

    let device_id = crate::fleet::devices::parse_device_id(raw_device_id)?;
    resolve_vehicle(store, &VehicleRef::Id(vehicle_id)).await?;
    Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
    let command = decide::UnassignDevice {
        vehicle_id,
        device_id,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by)
        .await
        .map_err(|error| scope.hide_holder(error))
}
