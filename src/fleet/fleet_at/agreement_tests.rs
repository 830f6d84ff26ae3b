//! The fleet at T three ways, which must agree: the fleet index (from memory and from keyframes,
//! while following the log),
//! the SQL query over the read model (while the index loads), and the fold of the log itself.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};

use event_store::{Cursor, Wakeups};
use uuid::Uuid;

use super::FleetPosition;
use crate::fleet::events::{
    LocationTracked, VehicleRegistered, VehicleScope, LOCATION_TRACKED, VEHICLE_REGISTERED,
};
use crate::fleet::fleet_index::FleetIndex;
use crate::random::Lcg;
use crate::test_support::{until_followed, TestDb};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap()
}

/// Fixes every few seconds for each vehicle; one in eight arrives late, up to an hour behind.
async fn append_fixes(db: &TestDb, vehicles: &[Uuid], count: usize, random: &mut Lcg) {
    let events: Vec<_> = (0..count)
        .map(|n| {
            let vehicle = vehicles[random.below(vehicles.len() as u64) as usize];
            let mut seconds = 60 + n as i64 * 3 + random.below(3) as i64;
            if random.below(8) == 0 {
                seconds -= random.below(3600) as i64;
            }
            LocationTracked {
                location_tracked_id: Uuid::now_v7(),
                latitude: 45.0 + random.below(10_000) as f64 / 1000.0,
                longitude: 5.0 + random.below(10_000) as f64 / 1000.0,
                tracked_at: Some(t0() + Duration::seconds(seconds)),
                extras: Default::default(),
                scope: VehicleScope {
                    vehicle_registered_id: vehicle,
                },
            }
            .to_event()
        })
        .collect();
    for chunk in events.chunks(500) {
        db.store.append(chunk, None).await.unwrap();
    }
}

/// The fleet at `at`, straight from the log: the definition the index must meet.
async fn fold_of_the_log(db: &TestDb, at: DateTime<Utc>) -> Vec<FleetPosition> {
    // Each registration with its latest fix so far: (device time, position, latitude, longitude).
    type Latest = Option<(DateTime<Utc>, i64, f64, f64)>;
    let mut tracks: Vec<(VehicleRegistered, Latest)> = Vec::new();
    let mut cursor = Cursor::default();
    loop {
        let events = db.store.read_committed(cursor, 5000).await.unwrap();
        let Some(last) = events.last() else { break };
        cursor = last.cursor();
        for event in &events {
            if event.event_type == VEHICLE_REGISTERED {
                tracks.push((event.decode().unwrap(), None));
            } else if event.event_type == LOCATION_TRACKED {
                let fix = crate::fleet::fix_payload::location_tracked(event).unwrap();
                let tracked_at = fix.tracked_at.unwrap();
                if tracked_at > at {
                    continue;
                }
                let (_, latest) = tracks
                    .iter_mut()
                    .find(|(r, _)| r.vehicle_registered_id == fix.scope.vehicle_registered_id)
                    .unwrap();
                if latest.is_none_or(|(t, p, _, _)| (t, p) < (tracked_at, event.position)) {
                    *latest = Some((tracked_at, event.position, fix.latitude, fix.longitude));
                }
            }
        }
    }
    tracks.retain(|(r, latest)| r.registered_at <= at || latest.is_some());
    tracks.sort_by(|(a, _), (b, _)| {
        (&a.vehicle_license_plate, a.vehicle_registered_id)
            .cmp(&(&b.vehicle_license_plate, b.vehicle_registered_id))
    });
    tracks
        .into_iter()
        .map(|(r, latest)| FleetPosition {
            vehicle_registered_id: r.vehicle_registered_id,
            vehicle_license_plate: r.vehicle_license_plate,
            latitude: latest.map(|l| l.2),
            longitude: latest.map(|l| l.3),
            tracked_at: latest.map(|l| l.0),
        })
        .collect()
}

/// Indexes holding all of the history in memory, none of it, and its later part (the horizon
/// inside the data): every moment is answered from memory, from the keyframes, or either way
/// around the horizon.
fn windows() -> [(&'static str, Duration); 3] {
    let to_t0 = Utc::now() - t0();
    [
        ("all in memory", to_t0 + Duration::days(1)),
        ("all from keyframes", Duration::hours(1)),
        ("horizon at t0 + 1h", to_t0 - Duration::hours(1)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_exactly_as_the_fold_of_the_log_and_the_sql_query_with_late_fixes() {
    let db = TestDb::new().await;
    let mut random = Lcg::new(7);
    let mut vehicles = Vec::new();
    for n in 0..25 {
        let registered_at = t0() + Duration::minutes(n * 7);
        vehicles.push(
            db.given_registered(&format!("IDX-{n:02}"), registered_at)
                .await,
        );
    }
    append_fixes(&db, &vehicles, 2000, &mut random).await;
    db.catch_up().await;

    // Loaded at start, then following: half the data arrives after the start, a quarter of it
    // (late fixes among it) older than keyframes already written.
    let wakeups = || Wakeups::listen(db.pool(), StdDuration::from_millis(100));
    let mut indexes = Vec::new();
    for (name, window) in windows() {
        let index = FleetIndex::start_with_window(&db.store, wakeups(), window)
            .await
            .unwrap();
        indexes.push((name, index));
    }
    append_fixes(&db, &vehicles, 2000, &mut random).await;
    db.catch_up().await;
    // And restarted: loaded from the read models as they are now.
    for (name, window) in windows() {
        let index = FleetIndex::start_with_window(&db.store, wakeups(), window)
            .await
            .unwrap();
        indexes.push((name, index));
    }
    for (_, index) in &indexes {
        until_followed(&db.store, index).await;
    }

    for n in 0..30 {
        let at = t0() + Duration::seconds(n * 450 + random.below(400) as i64);
        let expected = fold_of_the_log(&db, at).await;
        for (name, index) in &indexes {
            assert_eq!(
                index.fleet_at(db.pool(), at).await.unwrap(),
                expected,
                "index ({name}) at {at}"
            );
        }
        assert_eq!(
            super::fleet_at(db.pool(), at, &crate::fleet::access::Scope::WholeFleet)
                .await
                .unwrap(),
            expected,
            "SQL at {at}"
        );
    }
    let (_, held_all) = &indexes[0];
    let (_, held_none) = &indexes[1];
    assert_eq!(held_all.fixes(), 4000);
    assert_eq!(
        held_none.fixes(),
        0,
        "only each vehicle's latest before the horizon"
    );
}
