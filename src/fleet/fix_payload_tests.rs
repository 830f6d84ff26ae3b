use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{location_tracked, shown_payload, TrackedPosition};
use crate::fleet::events::{v7_at, LocationTracked, VehicleScope, LOCATION_TRACKED};
use crate::fleet::fix::FixExtras;
use event_store::{NewEvent, StoredEvent};

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 34, 56).unwrap() + chrono::Duration::microseconds(123_456)
}

/// As the store hands an appended event back.
fn stored(event: NewEvent) -> StoredEvent {
    StoredEvent {
        position: 7,
        transaction_id: 9,
        event_id: event.event_id,
        event_type: event.event_type,
        tags: event.tags,
        payload: event.payload,
        metadata: None,
        recorded_at: at() + chrono::Duration::seconds(3),
    }
}

/// A fix as the benchmark's vehicles send them: full-precision coordinates, speed and heading.
fn moving_fix(vehicle: Uuid) -> LocationTracked {
    LocationTracked {
        location_tracked_id: v7_at(at()),
        latitude: 52.520_012_345_678_9,
        longitude: 13.404_987_654_321_1,
        tracked_at: Some(at()),
        extras: FixExtras {
            speed_mps: Some(12.345_678_9),
            heading: Some(123.456_789),
            ..FixExtras::default()
        },
        scope: VehicleScope {
            vehicle_registered_id: vehicle,
        },
    }
}

#[test]
fn a_fix_is_read_back_as_it_was_tracked() {
    // Given a fix with every reading a device may send
    let fix = LocationTracked {
        extras: FixExtras {
            speed_mps: Some(0.0),
            heading: Some(359.9),
            altitude: Some(-430.5),
            accuracy: Some(4.2),
            battery_percent: Some(87.0),
            charging: Some(false),
            device_id: Some("osmand-7".into()),
            attributes: BTreeMap::from([("ignition".into(), json!(true))]),
        },
        ..moving_fix(Uuid::now_v7())
    };
    // When it is stored and read
    let event = stored(fix.to_event());
    // Then the old system's shape comes back, field for field
    assert_eq!(location_tracked(&event).unwrap(), fix);
    assert_eq!(
        shown_payload(&event).unwrap(),
        serde_json::to_value(&fix).unwrap()
    );
    assert_eq!(
        shown_payload(&event).unwrap()["trackedAt"],
        "2026-12-07T12:34:56.123456Z"
    );
}

#[test]
fn a_fix_is_stored_in_a_third_of_the_old_shape() {
    let fix = moving_fix(Uuid::now_v7());
    let compact = fix.to_event().payload.get().len();
    let old = serde_json::to_string(&fix).unwrap().len();
    assert!(
        compact <= 100,
        "{compact} bytes: {}",
        fix.to_event().payload
    );
    assert!(old >= 3 * compact - 20, "old {old}, compact {compact}");
    // Neither the id nor the vehicle is in the payload: they are the event's id and tag.
    let payload = fix.to_event().payload.get().to_string();
    assert!(!payload.contains(&fix.location_tracked_id.to_string()));
    assert!(!payload.contains(&fix.scope.vehicle_registered_id.to_string()));
}

#[test]
fn read_models_get_the_position_of_either_shape() {
    let vehicle = Uuid::now_v7();
    let fix = moving_fix(vehicle);
    let expected = TrackedPosition {
        vehicle_id: vehicle,
        latitude: fix.latitude,
        longitude: fix.longitude,
        tracked_at: at(),
        speed_mps: fix.extras.speed_mps,
        heading: fix.extras.heading,
        battery_percent: None,
    };
    // Given the same fix stored compactly and in the old system's shape
    let compact = stored(fix.to_event());
    let old = stored(NewEvent {
        payload: serde_json::value::to_raw_value(&fix).unwrap(),
        ..fix.to_event()
    });
    // Then both read the same
    assert_eq!(TrackedPosition::of(&compact).unwrap(), expected);
    assert_eq!(TrackedPosition::of(&old).unwrap(), expected);
    assert_eq!(location_tracked(&old).unwrap(), fix);
    // And the old shape is shown as it was stored
    assert_eq!(
        shown_payload(&old).unwrap(),
        serde_json::to_value(&fix).unwrap()
    );
}

#[test]
fn an_old_system_fix_without_a_time_takes_its_recorded_time() {
    let vehicle = Uuid::now_v7();
    let event = StoredEvent {
        event_type: LOCATION_TRACKED.into(),
        payload: serde_json::value::to_raw_value(&json!({
            "locationTrackedId": Uuid::now_v7(),
            "latitude": 1.5,
            "longitude": 2.5,
            "scope": { "vehicleRegisteredId": vehicle },
        }))
        .unwrap(),
        ..stored(moving_fix(vehicle).to_event())
    };
    let position = TrackedPosition::of(&event).unwrap();
    assert_eq!(position.tracked_at, event.recorded_at);
    assert_eq!((position.vehicle_id, position.latitude), (vehicle, 1.5));
}

#[test]
fn a_compact_fix_without_its_vehicle_tag_is_an_error_not_a_guess() {
    let event = StoredEvent {
        tags: vec!["device:osmand-7".into()],
        ..stored(moving_fix(Uuid::now_v7()).to_event())
    };
    let error = TrackedPosition::of(&event).unwrap_err().to_string();
    assert!(error.contains("vehicle"), "{error}");
    assert!(location_tracked(&event).is_err());
}
