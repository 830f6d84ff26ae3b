//! Command AssignDevice: a GPS device's fixes are a vehicle's. A device belongs to at most one
//! vehicle, enforced by a conditional append on the tag `device:<id>`; a vehicle may have several
//! devices (a spare phone, a replaced tracker).

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Longest device identifier accepted (Traccar Client's are a few digits).
pub const MAX_DEVICE_ID_LEN: usize = 64;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAssignment {
    pub device_id: String,
    pub vehicle_registered_id: Uuid,
}

/// A device identifier as the device sends it: trimmed, 1 to 64 visible characters, no spaces.
/// Case matters (devices send their id verbatim).
pub fn parse_device_id(raw: &str) -> Result<String, AppError> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(AppError::unprocessable(
            "deviceId",
            "deviceId must not be empty",
        ));
    }
    if id.chars().count() > MAX_DEVICE_ID_LEN {
        return Err(AppError::unprocessable(
            "deviceId",
            format!("deviceId must be at most {MAX_DEVICE_ID_LEN} characters"),
        ));
    }
    if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(AppError::unprocessable(
            "deviceId",
            "deviceId must not contain spaces or control characters",
        ));
    }
    Ok(id.to_string())
}

#[server(endpoint = "assign_device")]
pub async fn assign_device(
    vehicle_registered_id: Uuid,
    device_id: String,
) -> Result<DeviceAssignment, AppError> {
    let store = expect_context::<crate::event_store::EventStore>();
    assign(
        &store,
        vehicle_registered_id,
        &device_id,
        chrono::Utc::now(),
    )
    .await
}

#[cfg(feature = "ssr")]
pub use command::{already_assigned, assign, device_query, device_vehicle};

#[cfg(feature = "ssr")]
mod command {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::{parse_device_id, DeviceAssignment};
    use crate::error::{AppError, ErrorKind};
    use crate::event_store::{AppendCondition, AppendError, EventStore, Query};
    use crate::fleet::events::{device_tag, DeviceAssigned, VehicleScope, DEVICE_ASSIGNED};
    use crate::fleet::track_location::{resolve_vehicle, VehicleRef};

    /// The consistency boundary of a device: its assignments.
    pub fn device_query(device_id: &str) -> Query {
        Query::of_types(&[DEVICE_ASSIGNED]).tagged(device_tag(device_id))
    }

    /// The vehicle a device is assigned to, read from the log itself (so a fix right after the
    /// assignment is accepted before any read model has caught up).
    pub async fn device_vehicle(
        store: &EventStore,
        device_id: &str,
    ) -> Result<Option<Uuid>, AppError> {
        let found = store.read(&device_query(device_id), 0, 1).await?;
        match found.first() {
            None => Ok(None),
            Some(event) => {
                let assigned: DeviceAssigned = event.decode()?;
                Ok(Some(assigned.scope.vehicle_registered_id))
            }
        }
    }

    /// 409 `device_already_assigned`, naming the vehicle that holds the device.
    pub fn already_assigned(device_id: &str, holder: Uuid) -> AppError {
        let mut error = AppError::new(
            ErrorKind::Conflict,
            "device_already_assigned",
            format!("device {device_id} is already assigned to another vehicle"),
        )
        .on_field("deviceId");
        error.vehicle_registered_id = Some(holder);
        error
    }

    /// Assigns a device to a registered vehicle. Assigning it again to the same vehicle is a
    /// harmless retry; to another vehicle, a conflict.
    pub async fn assign(
        store: &EventStore,
        vehicle_id: Uuid,
        raw_device_id: &str,
        now: DateTime<Utc>,
    ) -> Result<DeviceAssignment, AppError> {
        let device_id = parse_device_id(raw_device_id)?;
        resolve_vehicle(store, &VehicleRef::Id(vehicle_id)).await?;
        let answer = |holder: Uuid| {
            if holder == vehicle_id {
                Ok(DeviceAssignment {
                    device_id: device_id.clone(),
                    vehicle_registered_id: vehicle_id,
                })
            } else {
                Err(already_assigned(&device_id, holder))
            }
        };
        if let Some(holder) = device_vehicle(store, &device_id).await? {
            return answer(holder);
        }
        let assigned = DeviceAssigned {
            device_id: device_id.clone(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
            assigned_at: now,
        };
        let condition = AppendCondition {
            query: device_query(&device_id),
            after: None,
        };
        match store
            .append(&[assigned.to_event(Uuid::now_v7())], Some(&condition))
            .await
        {
            Ok(_) => answer(vehicle_id),
            // Assigned by someone else between our read and our append.
            Err(AppendError::Conflict { .. }) => {
                let holder = device_vehicle(store, &device_id)
                    .await?
                    .ok_or_else(AppError::internal)?;
                answer(holder)
            }
            Err(error) => Err(error.into()),
        }
    }
}
