//! A purge against a fold of the whole history: after it, a moment before the purge is the
//! fleet at its keyframe (to the minute, marked coarse), a moment after it is exact — with late
//! fixes older than keyframes, one after the purge older than the purge itself, and a restart.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, DurationRound, TimeZone, Utc};
use event_store::{NewEvent, Wakeups};
use uuid::Uuid;

use crate::fleet::access::{CausedBy, Via};
use crate::fleet::events::{v7_at, LocationTracked, VehicleScope, HISTORY_PURGED, HISTORY_TAG};
use crate::fleet::fleet_index::{FleetIndex, FleetPosition};
use crate::fleet::retention::COARSE_HEADER;
use crate::random::Lcg;
use crate::test_support::{until_followed, TestDb};

/// Monday 9 November 2026, 06:00 UTC: two weeks of history from here.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 9, 6, 0, 0).unwrap()
}

/// A fix whose id is a UUID v7 of its own time, as a device that names its fixes makes it.
fn fix(vehicle: Uuid, at: DateTime<Utc>, latitude: f64) -> LocationTracked {
    LocationTracked {
        location_tracked_id: v7_at(at),
        latitude,
        longitude: 5.0,
        tracked_at: Some(at),
        extras: Default::default(),
        scope: VehicleScope {
            vehicle_registered_id: vehicle,
        },
    }
}

/// The whole history as sent, in order: the fleet at `at` is each vehicle's latest fix by
/// device time at or before it (the later sent of two at the same time).
struct Sent(Vec<LocationTracked>);

impl Sent {
    fn fleet_at(&self, vehicles: &[(String, Uuid)], at: DateTime<Utc>) -> Vec<FleetPosition> {
        vehicles
            .iter()
            .map(|(plate, vehicle)| {
                let latest = self
                    .0
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.scope.vehicle_registered_id == *vehicle)
                    .filter(|(_, f)| f.tracked_at.unwrap() <= at)
                    .max_by_key(|(n, f)| (f.tracked_at, *n))
                    .map(|(_, f)| f);
                FleetPosition {
                    vehicle_registered_id: *vehicle,
                    vehicle_license_plate: plate.clone(),
                    latitude: latest.map(|f| f.latitude),
                    longitude: latest.map(|f| f.longitude),
                    tracked_at: latest.and_then(|f| f.tracked_at),
                }
            })
            .collect()
    }

    async fn send(&mut self, db: &TestDb, fixes: Vec<LocationTracked>) {
        let events: Vec<NewEvent> = fixes.iter().map(LocationTracked::to_event).collect();
        for chunk in events.chunks(1000) {
            db.store.append(chunk, None).await.unwrap();
        }
        self.0.extend(fixes);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_purge_earlier_moments_come_from_keyframes_marked_coarse_and_later_ones_are_exact()
{
    let db = TestDb::new().await;
    let mut random = Lcg::new(15);
    let mut vehicles = Vec::new();
    for n in 0..6 {
        let plate = format!("PRG-{n}");
        vehicles.push((plate.clone(), db.given_registered(&plate, t0()).await));
    }
    // Every vehicle every 10 minutes (±2) for 14 days; one fix in eight arrives in a later
    // batch, up to an hour late, older than keyframes written meanwhile.
    let mut sent = Sent(Vec::new());
    let (mut on_time, mut late) = (Vec::new(), Vec::new());
    for step in 0..(14 * 24 * 6) {
        for (_, vehicle) in &vehicles {
            let at =
                t0() + Duration::minutes(step * 10) + Duration::seconds(random.below(240) as i64);
            // Eighths: exact in binary, so no digit is lost on the way through JSON and SQL.
            let fix = fix(*vehicle, at, 45.0 + random.below(80) as f64 / 8.0);
            if random.below(8) == 0 {
                late.push(fix);
            } else {
                on_time.push(fix);
            }
        }
    }
    sent.send(&db, on_time).await;
    sent.send(&db, late).await;
    db.catch_up().await;
    let before_purge = db.fleet_index().await;
    let activity_uri = format!(
        "/fleet/activity?from={}&to={}&buckets=1",
        t0().to_rfc3339(),
        (t0() + Duration::days(7)).to_rfc3339()
    );
    let (_, activity_before) = db.get(&activity_uri).await;

    // Purge before Thursday of the second week: the first week goes, whole.
    let horizon = Utc.with_ymd_and_hms(2026, 11, 16, 0, 0, 0).unwrap();
    let purged = super::purge(&db.store, horizon + Duration::days(3), &CausedBy::cli())
        .await
        .unwrap()
        .expect("a week to purge");
    assert_eq!(purged.before, horizon);
    assert_eq!(
        purged.weeks,
        [t0().duration_trunc(Duration::days(1)).unwrap()]
    );
    let fixes_of_the_week = sent
        .0
        .iter()
        .filter(|f| f.tracked_at.unwrap() < horizon)
        .count();
    assert_eq!(purged.fixes, fixes_of_the_week as i64);
    // Recorded, with who did it.
    let recorded = db
        .store
        .read_all(&event_store::Query::of_types(&[HISTORY_PURGED]).tagged(HISTORY_TAG))
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        CausedBy::of_event(&recorded[0]).map(|c| c.via),
        Some(Via::Cli)
    );

    // After the purge, a late fix older than it (vehicle 0's latest at that moment) lands and
    // changes the keyframes since its time; then a restart.
    let late_and_old = fix(
        vehicles[0].1,
        t0() + Duration::days(2) + Duration::seconds(1),
        10.0,
    );
    sent.send(&db, vec![late_and_old]).await;
    db.catch_up().await;
    let wakeups = Wakeups::listen(db.pool(), StdDuration::from_millis(100));
    let restarted = FleetIndex::start(&db.store, wakeups).await.unwrap();
    until_followed(&db.store, &before_purge).await;
    until_followed(&db.store, &restarted).await;

    let api = db.api().await;
    let mut coarse_and_different = 0;
    for n in 0..24 {
        let at = t0() + Duration::minutes(n * 797) + Duration::seconds(random.below(3600) as i64);
        let coarse = at < horizon;
        // A keyframe is written at each minute boundary after a fix: what a moment before the
        // purge loses are the fixes between its keyframe and it.
        let expected = if coarse {
            let keyframe: DateTime<Utc> =
                sqlx::query_scalar("SELECT max(at) FROM fleet_keyframes WHERE at <= $1")
                    .bind(at)
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
            sent.fleet_at(&vehicles, keyframe)
        } else {
            sent.fleet_at(&vehicles, at)
        };
        if expected != sent.fleet_at(&vehicles, at) {
            coarse_and_different += 1;
        }
        for (name, index) in [("running", &before_purge), ("restarted", &restarted)] {
            let mut answer = index.fleet_at(db.pool(), at).await.unwrap();
            answer.sort_by(|a, b| a.vehicle_license_plate.cmp(&b.vehicle_license_plate));
            assert_eq!(answer, expected, "{name} index at {at} (coarse: {coarse})");
        }
        let uri = format!("/fleet?at={}", at.to_rfc3339().replace('+', "%2B"));
        let response = TestDb::response(&api, "GET", &uri).await;
        let header = response
            .headers()
            .get(COARSE_HEADER)
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            header,
            coarse.then(|| format!("purged-before={}", horizon.to_rfc3339())),
            "at {at}"
        );
    }
    assert!(
        coarse_and_different > 0,
        "some moments before the purge had fixes after their keyframe"
    );
    // The timeline's activity of the purged week is kept.
    assert_eq!(db.get(&activity_uri).await.1, activity_before);
    // And a rebuild, which would lose it, is refused.
    let refused = crate::server::refuse_rebuild_after_purge(db.pool()).await;
    assert!(refused.unwrap_err().to_string().contains("purged"));
}

#[tokio::test]
async fn the_last_day_is_kept_and_nothing_old_enough_records_nothing() {
    let db = TestDb::new().await;
    let vehicle = db
        .given_registered("PRG-9", Utc::now() - Duration::hours(5))
        .await;
    db.store
        .append(
            &[fix(vehicle, Utc::now() - Duration::hours(2), 1.0).to_event()],
            None,
        )
        .await
        .unwrap();
    let error = super::purge(&db.store, Utc::now() - Duration::hours(1), &CausedBy::cli())
        .await
        .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("before"));

    let nothing = super::purge(&db.store, Utc::now() - Duration::days(30), &CausedBy::cli())
        .await
        .unwrap();
    assert_eq!(nothing, None);
    assert_eq!(db.event_count().await, 2);
}
