//! A fix as the JSON API sends it: the body of `POST /track-location`, and each item of
//! `POST /track-locations`.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::fix::Fix;
use crate::fleet::vehicle_ref::VehicleRef;

/// A GPS fix of one vehicle, named by exactly one of `vehicleLicensePlate` and
/// `vehicleRegisteredId`.
#[derive(Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(as = Fix))]
#[serde(rename_all = "camelCase")]
pub struct FixBody {
    /// The vehicle's plate (normalised as at registration).
    #[serde(default)]
    vehicle_license_plate: Option<String>,
    /// The vehicle's id.
    #[serde(default)]
    vehicle_registered_id: Option<Uuid>,
    /// Degrees, -90 to 90.
    #[cfg_attr(feature = "ssr", schema(minimum = -90, maximum = 90))]
    latitude: f64,
    /// Degrees, -180 to 180.
    #[cfg_attr(feature = "ssr", schema(minimum = -180, maximum = 180))]
    longitude: f64,
    /// The device's fix time; default now; at most 2 minutes ahead of the server's clock
    /// (`--max-fix-ahead-seconds`).
    #[serde(default)]
    tracked_at: Option<DateTime<Utc>>,
    /// Chosen by the client (UUID v7): a retry is stored once.
    #[serde(default)]
    #[cfg_attr(
        feature = "ssr",
        schema(
            pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-7[0-9a-fA-F]{3}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
        )
    )]
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

/// Properties of the API's fix bodies over generated input (proptest): a `/track-location` body
/// or a batch never makes the parser panic, and a fix it accepts is a place on Earth.
#[cfg(all(test, feature = "ssr"))]
mod property_tests {
    use proptest::prelude::*;

    use chrono::Utc;

    use super::FixBody;
    use crate::fleet::fix::validate;
    use crate::json::parse_json;

    /// JSON values of every type, numbers of every size among them.
    fn value() -> impl Strategy<Value = serde_json::Value> {
        prop_oneof![
            any::<f64>().prop_map(|v| serde_json::json!(v)),
            (-200.0f64..200.0).prop_map(|v| serde_json::json!(v)),
            any::<i64>().prop_map(|v| serde_json::json!(v)),
            "[ -~]{0,24}".prop_map(|v| serde_json::json!(v)),
            Just(serde_json::json!("01a23cc9-fd9c-7214-b855-341b0705528a")),
            Just(serde_json::json!("2026-12-03T10:00:00Z")),
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(|v| serde_json::json!(v)),
        ]
    }

    /// A body with some of the fields a fix has, each of any value.
    fn body() -> impl Strategy<Value = serde_json::Value> {
        let field = prop_oneof![
            Just("vehicleLicensePlate"),
            Just("vehicleRegisteredId"),
            Just("latitude"),
            Just("longitude"),
            Just("trackedAt"),
            Just("locationTrackedId"),
            Just("speedMps"),
            Just("heading"),
            Just("batteryPercent"),
            Just("other"),
        ];
        prop::collection::btree_map(field, value(), 0..8)
            .prop_map(|fields| serde_json::json!(fields))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn fix_bodies_and_batches_parse_without_panic_and_accepted_fixes_are_in_range(
            bodies in prop::collection::vec(body(), 0..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let batch = serde_json::json!(bodies).to_string();
            for text in [batch.as_str(), &batch[..cut.index(batch.len() + 1).min(batch.len())]] {
                let Ok(parsed) = parse_json::<Vec<FixBody>>(text.as_bytes()) else { continue };
                for body in parsed {
                    // Accepted as the API accepts: named by one of plate and id, then validated.
                    let Ok(fix) = body.into_fix() else { continue };
                    let in_range = (-90.0..=90.0).contains(&fix.latitude)
                        && (-180.0..=180.0).contains(&fix.longitude);
                    let accepted = validate(&fix, Utc::now()).is_ok();
                    prop_assert!(
                        !accepted || in_range,
                        "accepted {} {}", fix.latitude, fix.longitude
                    );
                }
            }
        }
    }
}
