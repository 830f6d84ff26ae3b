use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use super::bucketing;
use crate::fleet::access::Role;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{assert_error, call_api, with_token, TestDb};

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 6, 0, 0).unwrap()
}

fn query(from: DateTime<Utc>, to: DateTime<Utc>, buckets: u32) -> String {
    let time = |t: DateTime<Utc>| t.to_rfc3339().replace('+', "%2B");
    format!(
        "/fleet/activity?from={}&to={}&buckets={buckets}",
        time(from),
        time(to)
    )
}

#[test]
fn buckets_are_whole_minutes_from_the_minute_of_from() {
    let from = base() + Duration::seconds(30);
    // An hour and a half in 60 buckets: 90 minutes (and the half minute before `from`) do not
    // fit in 60 one-minute buckets, so they are two minutes wide.
    let (start, width, count) = bucketing(from, from + Duration::minutes(90), 60).unwrap();
    assert_eq!((start, width, count), (base(), 120, 46));
    // Ten minutes in 120 buckets: never narrower than a minute.
    let (_, width, count) = bucketing(base(), base() + Duration::minutes(10), 120).unwrap();
    assert_eq!((width, count), (60, 10));
    // A 30-day month in 120 buckets: six hours each.
    let (_, width, count) = bucketing(base(), base() + Duration::days(30), 120).unwrap();
    assert_eq!((width, count), (6 * 3600, 120));
}

/// The counts equal the fixes sent into each bucket by their device time, a late one included,
/// and a user limited to a group sees only that group's vehicles' fixes.
#[tokio::test]
async fn counts_each_buckets_fixes_by_device_time_for_the_vehicles_the_caller_sees() {
    let db = TestDb::new().await;
    let depot = db.given_group("Depot").await;
    let van = db.given_registered("VAN-1", base()).await;
    db.given_registered("CAR-2", base()).await;
    db.given_placed(van, depot).await;
    // Minutes after base() of each vehicle's fixes; the van's 3 arrives after its 25.
    let van_minutes = [0, 1, 1, 25, 3, 59];
    let car_minutes = [2, 30, 30, 30, 61];
    for (plate, minutes) in [("VAN-1", &van_minutes[..]), ("CAR-2", &car_minutes[..])] {
        for minute in minutes {
            let at = base() + Duration::minutes(*minute) + Duration::seconds(7);
            db.fix_at(VehicleRef::Plate(plate.into()), at, (52.0, 13.0))
                .await;
        }
    }
    db.catch_up().await;

    // An hour in 4 buckets of 15 minutes; the fix of minute 61 is after it.
    let expected = |minutes: &[i64]| {
        let mut buckets = vec![0i64; 4];
        for minute in minutes.iter().filter(|m| **m < 60) {
            buckets[(*minute / 15) as usize] += 1;
        }
        buckets
    };
    let all: Vec<i64> = van_minutes.iter().chain(&car_minutes).copied().collect();
    let (status, body) = db.get(&query(base(), base() + Duration::hours(1), 4)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["bucketSeconds"], 900);
    assert_eq!(body["from"], json!("2026-03-01T06:00:00Z"));
    assert_eq!(body["fixes"], json!(expected(&all)));
    assert_eq!(
        expected(&all),
        vec![5, 1, 3, 1],
        "the test's own arithmetic"
    );

    let token = db.token_in(Role::Viewer, &[depot]).await;
    let depot_viewer = with_token(db.app().await, &token);
    let (status, body) = call_api(
        depot_viewer,
        "GET",
        &query(base(), base() + Duration::hours(1), 4),
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["fixes"], json!(expected(&van_minutes)));
}

#[tokio::test]
async fn a_range_or_a_bucket_count_out_of_bounds_is_refused_naming_the_field() {
    let db = TestDb::new().await;
    let day = Duration::days(1);
    for (uri, field) in [
        (query(base(), base(), 10), "to"),
        (query(base(), base() - day, 10), "to"),
        (query(base(), base() + day * 401, 10), "to"),
        (query(base(), base() + day, 0), "buckets"),
        (query(base(), base() + day, 2001), "buckets"),
    ] {
        assert_error(&db.get(&uri).await, 422, "out_of_range", Some(field));
    }
    let (status, body): (u16, Value) = db.get("/fleet/activity?from=yesterday&to=now").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "from", "{body}");
    let (status, body) = db
        .get("/fleet/activity?to=2026-03-01T06:00:00Z&buckets=-1")
        .await;
    assert_eq!(status, 400, "{body}");
}

/// After a purge, the answer says from when the fleet is coarse (the timeline tells the fleet
/// manager); before any, it says nothing.
#[tokio::test]
async fn the_activity_says_before_when_fixes_were_purged() {
    use crate::fleet::events::HistoryPurged;
    let db = TestDb::new().await;
    let range = query(base(), base() + Duration::days(30), 30);
    let (status, body) = db.get(&range).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("purgedBefore").is_none(), "{body}");

    // Given the record a purge of the weeks before 9 March leaves
    let before = Utc.with_ymd_and_hms(2026, 3, 9, 0, 0, 0).unwrap();
    let purged = HistoryPurged {
        history_purged_id: uuid::Uuid::now_v7(),
        before,
        requested_before: before + Duration::days(2),
        fixes: 20_160,
        weeks: vec![before - Duration::days(7)],
        purged_at: base() + Duration::days(40),
    };
    db.store.append(&[purged.to_event()], None).await.unwrap();
    let (status, body) = db.get(&range).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["purgedBefore"],
        json!("2026-03-09T00:00:00Z"),
        "{body}"
    );
}
