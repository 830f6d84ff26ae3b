//! Command Fix: a GPS fix of a registered vehicle, with both clocks — the device's
//! `trackedAt` and the time the store recorded it.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Which vehicle a fix belongs to: the old API names it by plate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum VehicleRef {
    Id(Uuid),
    Plate(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// A GPS fix as reported, before it is checked.
pub struct Fix {
    pub vehicle: VehicleRef,
    pub latitude: f64,
    pub longitude: f64,
    /// The device's fix time; now when absent.
    pub tracked_at: Option<DateTime<Utc>>,
    /// Chosen by the client (UUID v7) so that a retry is stored once.
    pub location_tracked_id: Option<Uuid>,
    /// What a GPS device reports beside its position; all optional.
    pub extras: FixExtras,
}

/// A fix's optional readings, stored as optional camelCase fields of `LocationTracked` (absent
/// when unknown), so events without them stay valid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixExtras {
    /// Ground speed in metres per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// Course over ground in degrees clockwise from north, `[0, 360)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
    /// Metres above sea level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Horizontal accuracy in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Battery level in percent, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging: Option<bool>,
    /// The device that reported the fix, when a device did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Anything else the device sent, under the device's own names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tracked {
    pub location_tracked_id: Uuid,
}

/// How far ahead of the server's clock a device's fix time may be.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 5 * 60;

#[server]
pub async fn track_location(
    vehicle_registered_id: Uuid,
    latitude: f64,
    longitude: f64,
    tracked_at: Option<DateTime<Utc>>,
) -> Result<Tracked, AppError> {
    let store = expect_context::<crate::event_store::EventStore>();
    let known = expect_context::<crate::fleet::fleet_at::index::FleetIndex>();
    let fix = Fix {
        vehicle: VehicleRef::Id(vehicle_registered_id),
        latitude,
        longitude,
        tracked_at,
        location_tracked_id: None,
        extras: FixExtras::default(),
    };
    track(&store, &known, &fix, Utc::now()).await
}

/// Client-chosen ids must be UUID v7 like the server's, so ids keep sorting by time.
pub fn require_v7(field: &str, id: Uuid) -> Result<(), AppError> {
    if id.get_version_num() == 7 {
        Ok(())
    } else {
        Err(AppError::unprocessable(
            field,
            format!("{field} must be a UUID v7"),
        ))
    }
}

/// Checks a fix's values, in the order a client would fix them.
pub fn validate(fix: &Fix, now: DateTime<Utc>) -> Result<(), AppError> {
    if !fix.latitude.is_finite() || !(-90.0..=90.0).contains(&fix.latitude) {
        return Err(AppError::unprocessable(
            "latitude",
            "latitude must be a number from -90 to 90",
        ));
    }
    if !fix.longitude.is_finite() || !(-180.0..=180.0).contains(&fix.longitude) {
        return Err(AppError::unprocessable(
            "longitude",
            "longitude must be a number from -180 to 180",
        ));
    }
    if let Some(tracked_at) = fix.tracked_at {
        if tracked_at > now + chrono::Duration::seconds(MAX_CLOCK_SKEW_SECONDS) {
            return Err(AppError::unprocessable(
                "trackedAt",
                "trackedAt is more than 5 minutes in the future",
            ));
        }
    }
    if let Some(id) = fix.location_tracked_id {
        require_v7("locationTrackedId", id)?;
    }
    validate_extras(&fix.extras)
}

fn validate_extras(extras: &FixExtras) -> Result<(), AppError> {
    let checks: [(&str, Option<f64>, f64, f64, &str); 5] = [
        (
            "speedMps",
            extras.speed_mps,
            0.0,
            1_000.0,
            "from 0 to 1000 m/s",
        ),
        (
            "heading",
            extras.heading,
            0.0,
            360.0,
            "from 0 to 360 degrees",
        ),
        (
            "altitude",
            extras.altitude,
            -12_000.0,
            100_000.0,
            "from -12000 to 100000 metres",
        ),
        (
            "accuracy",
            extras.accuracy,
            0.0,
            1e7,
            "from 0 to 10000000 metres",
        ),
        (
            "batteryPercent",
            extras.battery_percent,
            0.0,
            100.0,
            "from 0 to 100",
        ),
    ];
    for (field, value, min, max, range) in checks {
        if let Some(value) = value {
            if !value.is_finite() || !(min..=max).contains(&value) {
                return Err(AppError::unprocessable(
                    field,
                    format!("{field} must be a number {range}"),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub use command::{located, resolve_vehicle, track};

#[cfg(feature = "ssr")]
mod command {
    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::{validate, Fix, Tracked, VehicleRef};
    use crate::error::AppError;
    use crate::event_store::{EventStore, Query};
    use crate::fleet::events::{
        plate_tag, LocationTracked, VehicleRegistered, VehicleScope, VEHICLE_REGISTERED,
    };
    use crate::fleet::fleet_at::index::FleetIndex;
    use crate::fleet::license_plate::LicensePlate;

    /// Stores one fix. `known` answers for vehicles it has read (no round trip to the database);
    /// the log answers for the others.
    pub async fn track(
        store: &EventStore,
        known: &FleetIndex,
        fix: &Fix,
        now: DateTime<Utc>,
    ) -> Result<Tracked, AppError> {
        validate(fix, now)?;
        let vehicle_id = match known.known_vehicle(&fix.vehicle) {
            Some(id) => id,
            None => resolve_vehicle(store, &fix.vehicle).await?,
        };
        let tracked = located(fix, vehicle_id, now);
        // No condition: a registered vehicle stays registered, and a retry with the same id is
        // stored once by the store itself.
        store.append_grouped(vec![tracked.to_event()]).await?;
        Ok(Tracked {
            location_tracked_id: tracked.location_tracked_id,
        })
    }

    /// The event of a checked fix of the vehicle `vehicle_id`.
    pub fn located(fix: &Fix, vehicle_id: Uuid, now: DateTime<Utc>) -> LocationTracked {
        LocationTracked {
            location_tracked_id: fix.location_tracked_id.unwrap_or_else(Uuid::now_v7),
            latitude: fix.latitude,
            longitude: fix.longitude,
            tracked_at: Some(fix.tracked_at.unwrap_or(now)),
            extras: fix.extras.clone(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
        }
    }

    /// Finds a vehicle in the log itself, so a fix right after its registration is accepted even
    /// before the read models have caught up.
    pub async fn resolve_vehicle(
        store: &EventStore,
        vehicle: &VehicleRef,
    ) -> Result<Uuid, AppError> {
        let (found, field) = match vehicle {
            // A registration's event id is the vehicle's id: one index probe, however long
            // the vehicle's history.
            VehicleRef::Id(id) => (
                store.read_by_ids(VEHICLE_REGISTERED, &[*id]).await?,
                "vehicleRegisteredId",
            ),
            VehicleRef::Plate(raw) => {
                let plate = LicensePlate::parse(raw)
                    .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message))?;
                let query =
                    Query::of_types(&[VEHICLE_REGISTERED]).tagged(plate_tag(plate.as_str()));
                (store.read(&query, 0, 1).await?, "vehicleLicensePlate")
            }
        };
        let registered: VehicleRegistered = found
            .first()
            .ok_or_else(|| AppError::vehicle_not_found(field))?
            .decode()?;
        Ok(registered.vehicle_registered_id)
    }
}
