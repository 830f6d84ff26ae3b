//! The index against a real log.

use std::time::Duration as StdDuration;

use chrono::{DateTime, TimeZone, Utc};
use event_store::Wakeups;
use uuid::Uuid;

use super::FleetIndex;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::TestDb;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap()
}

#[tokio::test]
async fn knows_the_vehicles_it_has_read_by_id_and_by_plate() {
    let db = TestDb::new().await;
    let id = db.given_registered("KN-1", t0()).await;
    let index = FleetIndex::start(
        &db.store,
        Wakeups::listen(db.pool(), StdDuration::from_millis(100)),
    )
    .await
    .unwrap();
    // Other tests' open transactions may hold the log back for a moment.
    tokio::time::timeout(StdDuration::from_secs(10), async {
        while index.known_vehicle(&VehicleRef::Id(id)).is_none() {
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    })
    .await
    .expect("the index reads the registration");
    assert_eq!(
        index.known_vehicle(&VehicleRef::Plate(" kn-1 ".into())),
        Some(id)
    );
    assert_eq!(index.known_vehicle(&VehicleRef::Id(Uuid::now_v7())), None);
    assert_eq!(index.known_vehicle(&VehicleRef::Plate("KN-2".into())), None);
    assert_eq!(index.known_vehicle(&VehicleRef::Plate("??".into())), None);
    // Unknown only until the index has read the registration.
    let second = db.given_registered("KN-2", t0()).await;
    tokio::time::timeout(StdDuration::from_secs(10), async {
        while index
            .known_vehicle(&VehicleRef::Plate("KN-2".into()))
            .is_none()
        {
            tokio::time::sleep(StdDuration::from_millis(20)).await;
        }
    })
    .await
    .expect("the index reads the new registration");
    assert_eq!(
        index.known_vehicle(&VehicleRef::Plate("KN-2".into())),
        Some(second)
    );
}
