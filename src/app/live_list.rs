//! The live fleet's list and the updates pushed to it: pure, so that what a reload must not
//! undo is tested without a browser.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::fleet::{live_updates::LiveUpdate, vehicle::Vehicle};

/// `list` with the updates pushed since it was asked for applied on top.
pub fn caught_up(mut list: Vec<Vehicle>, pending: Vec<LiveUpdate>) -> Vec<Vehicle> {
    for update in pending {
        apply_update(&mut list, update);
    }
    list
}

/// Applies one pushed change to `list`; false for a fix of a vehicle the list does not hold.
pub fn apply_update(list: &mut Vec<Vehicle>, update: LiveUpdate) -> bool {
    match update {
        LiveUpdate::VehicleRegistered {
            vehicle_registered_id,
            vehicle_license_plate,
            registered_at,
        } => insert(
            list,
            vehicle_registered_id,
            vehicle_license_plate,
            registered_at,
        ),
        LiveUpdate::LocationTracked {
            vehicle_registered_id,
            latitude,
            longitude,
            tracked_at,
            recorded_at,
            speed_mps,
            heading,
            battery_percent,
        } => match list
            .iter_mut()
            .find(|v| v.vehicle_registered_id == vehicle_registered_id)
        {
            // A late fix does not move the vehicle back: the latest device time wins.
            Some(vehicle)
                if vehicle
                    .tracked_at
                    .is_none_or(|current| current <= tracked_at) =>
            {
                vehicle.latitude = Some(latitude);
                vehicle.longitude = Some(longitude);
                vehicle.tracked_at = Some(tracked_at);
                vehicle.recorded_at = Some(recorded_at);
                vehicle.speed_mps = speed_mps;
                vehicle.heading = heading;
                vehicle.battery_percent = battery_percent;
            }
            Some(_) => {}
            None => return false,
        },
        LiveUpdate::VehiclePlacedInGroup { .. } => {}
    }
    true
}

pub fn insert(list: &mut Vec<Vehicle>, id: Uuid, plate: String, registered_at: DateTime<Utc>) {
    if list.iter().any(|v| v.vehicle_registered_id == id) {
        return;
    }
    list.push(Vehicle {
        group_id: None,
        vehicle_registered_id: id,
        vehicle_license_plate: plate,
        registered_at,
        latitude: None,
        longitude: None,
        tracked_at: None,
        recorded_at: None,
        speed_mps: None,
        heading: None,
        battery_percent: None,
    });
    list.sort_by(|a, b| a.vehicle_license_plate.cmp(&b.vehicle_license_plate));
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 15, minute, 0).unwrap()
    }

    fn fix(id: Uuid, latitude: f64, minute: u32) -> LiveUpdate {
        LiveUpdate::LocationTracked {
            vehicle_registered_id: id,
            latitude,
            longitude: 11.5,
            tracked_at: at(minute),
            recorded_at: at(minute),
            speed_mps: None,
            heading: None,
            battery_percent: None,
        }
    }

    #[test]
    fn a_list_loaded_behind_the_stream_gets_the_updates_pushed_meanwhile() {
        // Given a list read before the read model had the van's fix or the car's registration
        let (van, car) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let mut stale = Vec::new();
        insert(&mut stale, van, "VAN-1".into(), at(0));
        // When the updates pushed while it loaded are applied on top
        let pending = vec![
            fix(van, 48.1, 2),
            LiveUpdate::VehicleRegistered {
                vehicle_registered_id: car,
                vehicle_license_plate: "CAR-2".into(),
                registered_at: at(3),
            },
            fix(car, 48.3, 4),
            // A late fix of the van does not move it back.
            fix(van, 47.0, 1),
        ];
        let list = caught_up(stale, pending);
        // Then both are where the stream said, in plate order
        let seen: Vec<_> = list
            .iter()
            .map(|v| (v.vehicle_license_plate.as_str(), v.latitude))
            .collect();
        assert_eq!(seen, vec![("CAR-2", Some(48.3)), ("VAN-1", Some(48.1))]);
    }

    #[test]
    fn a_fix_of_a_vehicle_the_list_does_not_hold_says_so() {
        let mut list = Vec::new();
        assert!(!apply_update(&mut list, fix(Uuid::from_u128(9), 1.0, 0)));
        assert!(list.is_empty());
    }
}
