use std::time::Duration;

use chrono::Utc;

use super::{LiveFeed, LiveUpdate};
use crate::event_store::Wakeups;
use crate::fleet::fleet_at::index::FleetIndex;
use crate::fleet::register_vehicle::register;
use crate::fleet::track_location::{track, Fix, VehicleRef};
use crate::test_support::TestDb;

#[tokio::test]
async fn pushes_registrations_and_fixes_as_they_are_committed() {
    let db = TestDb::new().await;
    let before = register(&db.store, "OLD-1", None, None, Utc::now())
        .await
        .unwrap();
    let feed = LiveFeed::start(
        db.store.clone(),
        Wakeups::listen(db.pool(), Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let mut updates = feed.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let registered = register(&db.store, "NEW-1", None, None, Utc::now())
        .await
        .unwrap();
    let fix = Fix {
        vehicle: VehicleRef::Id(before.vehicle_registered_id),
        latitude: 3.0,
        longitude: 4.0,
        tracked_at: None,
        location_tracked_id: None,
        extras: Default::default(),
    };
    track(&db.store, &FleetIndex::default(), &fix, Utc::now())
        .await
        .unwrap();

    // What came after the start, in commit order, woken by notifications (the poll is 30 s).
    // Events committed just before the start may come too, while an older transaction of the
    // cluster is still open: the feed repeats rather than skips.
    let mut received = Vec::new();
    while received.len() < 2 {
        let update = tokio::time::timeout(Duration::from_secs(5), updates.recv())
            .await
            .unwrap()
            .unwrap();
        if !matches!(&update, LiveUpdate::VehicleRegistered { vehicle_license_plate, .. } if vehicle_license_plate == "OLD-1")
        {
            received.push(update);
        }
    }
    assert!(
        matches!(&received[0], LiveUpdate::VehicleRegistered { vehicle_registered_id, .. } if *vehicle_registered_id == registered.vehicle_registered_id),
        "{received:?}"
    );
    assert!(
        matches!(received[1], LiveUpdate::LocationTracked { latitude, longitude, vehicle_registered_id, .. }
            if (latitude, longitude) == (3.0, 4.0) && vehicle_registered_id == before.vehicle_registered_id),
        "{received:?}"
    );
}
