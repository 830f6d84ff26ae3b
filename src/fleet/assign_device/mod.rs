//! Command AssignDevice: a GPS device's fixes are a vehicle's. A device belongs to at most one
//! vehicle, enforced by a conditional append on the tag `device:<id>`; a vehicle may have several
//! devices (a spare phone, a replaced tracker).

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
pub struct DeviceAssignment {
    pub device_id: String,
    pub vehicle_registered_id: Uuid,
}

#[server(endpoint = "assign_device")]
pub async fn assign_device(
    vehicle_registered_id: Uuid,
    device_id: String,
    #[server(default)] take_over: bool,
) -> Result<DeviceAssignment, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Manage)?;
    let store = expect_context::<event_store::EventStore>();
    assign(
        &store,
        vehicle_registered_id,
        &device_id,
        take_over,
        chrono::Utc::now(),
        &caller.scope,
        &crate::server::auth::caused_by(),
    )
    .await
}

#[cfg(feature = "ssr")]
pub use command::assign;
