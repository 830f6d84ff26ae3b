use std::time::Duration;

use chrono::Utc;

use super::{LiveFeed, LiveUpdate};
use crate::fleet::fix::Fix;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{given_fix, TestDb};
use event_store::Wakeups;

#[tokio::test]
async fn pushes_registrations_and_fixes_as_they_are_committed() {
    let db = TestDb::new().await;
    let before = db.given_registered("OLD-1", Utc::now()).await;
    let feed = LiveFeed::start(
        db.store.clone(),
        Wakeups::listen(db.pool(), Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let mut updates = feed.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let registered = db.given_registered("NEW-1", Utc::now()).await;
    let fix = Fix {
        vehicle: VehicleRef::Id(before),
        latitude: 3.0,
        longitude: 4.0,
        tracked_at: None,
        location_tracked_id: None,
        extras: Default::default(),
    };
    given_fix(&db.store, &fix, Utc::now()).await;

    // What came after the start, in commit order, woken by notifications (the poll is 30 s).
    // Events committed just before the start may come too, while an older transaction of the
    // cluster is still open: the feed repeats rather than skips.
    let mut received = Vec::new();
    while received.len() < 2 {
        let update = tokio::time::timeout(Duration::from_secs(5), updates.recv())
            .await
            .unwrap()
            .unwrap()
            .update;
        if !matches!(&update, LiveUpdate::VehicleRegistered { vehicle_license_plate, .. } if vehicle_license_plate == "OLD-1")
        {
            received.push(update);
        }
    }
    assert!(
        matches!(&received[0], LiveUpdate::VehicleRegistered { vehicle_registered_id, .. } if *vehicle_registered_id == registered),
        "{received:?}"
    );
    assert!(
        matches!(received[1], LiveUpdate::LocationTracked { latitude, longitude, vehicle_registered_id, .. }
            if (latitude, longitude) == (3.0, 4.0) && vehicle_registered_id == before),
        "{received:?}"
    );
}
