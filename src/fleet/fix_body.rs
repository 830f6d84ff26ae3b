//! A fix as the JSON API sends it: the body of `POST /track-location`, and each item of
//! `POST /track-locations`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::fix::Fix;
use crate::fleet::vehicle_ref::VehicleRef;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixBody {
    #[serde(default)]
    vehicle_license_plate: Option<String>,
    #[serde(default)]
    vehicle_registered_id: Option<Uuid>,
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    tracked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    location_tracked_id: Option<Uuid>,
}

impl FixBody {
    /// The fix this body reports; exactly one of plate and id names the vehicle.
    pub fn into_fix(self) -> Result<Fix, AppError> {
        let vehicle = match (self.vehicle_registered_id, self.vehicle_license_plate) {
            (Some(id), None) => VehicleRef::Id(id),
            (None, Some(plate)) => VehicleRef::Plate(plate),
            (None, None) => {
                return Err(AppError::bad_request(
                    "vehicleLicensePlate",
                    "`vehicleLicensePlate` or `vehicleRegisteredId` is required",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(AppError::bad_request(
                    "vehicleRegisteredId",
                    "give `vehicleLicensePlate` or `vehicleRegisteredId`, not both",
                ))
            }
        };
        Ok(Fix {
            vehicle,
            latitude: self.latitude,
            longitude: self.longitude,
            tracked_at: self.tracked_at,
            location_tracked_id: self.location_tracked_id,
            extras: Default::default(),
        })
    }
}
