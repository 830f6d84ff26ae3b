use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::fleet::access::Scope;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{assert_error, TestDb};

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

/// `GET /fleet?at=…` as plate → latitude (`Null` for a vehicle with no fix yet).
async fn fleet_at(db: &TestDb, time: DateTime<Utc>) -> Vec<(String, Value)> {
    let (status, fleet) = db
        .get(&format!(
            "/fleet?at={}",
            time.to_rfc3339().replace('+', "%2B")
        ))
        .await;
    assert_eq!(status, 200, "{fleet}");
    fleet
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["vehicleLicensePlate"].as_str().unwrap().to_string(),
                v["latitude"].clone(),
            )
        })
        .collect()
}

async fn fix(db: &TestDb, plate: &str, minute: i64, latitude: f64) {
    db.fix_at(
        VehicleRef::Plate(plate.into()),
        base() + Duration::minutes(minute),
        (latitude, 1.0),
    )
    .await;
}

#[tokio::test]
async fn shows_each_vehicle_registered_by_t_at_its_latest_fix_at_or_before_t() {
    let db = TestDb::new().await;
    db.given_registered("EARLY-1", base() - Duration::hours(1))
        .await;
    db.given_registered("LATER-2", base() + Duration::minutes(15))
        .await;
    // Out of order: the 12:10 fix arrives first, the 12:00 one last.
    fix(&db, "EARLY-1", 10, 10.0).await;
    fix(&db, "EARLY-1", 20, 20.0).await;
    fix(&db, "LATER-2", 30, 30.0).await;
    fix(&db, "EARLY-1", 0, 0.5).await;
    db.catch_up().await;

    let early = |latitude: Value| ("EARLY-1".to_string(), latitude);
    let later = |latitude: Value| ("LATER-2".to_string(), latitude);
    assert_eq!(
        fleet_at(&db, base() - Duration::hours(2)).await,
        vec![],
        "nobody registered yet"
    );
    assert_eq!(
        fleet_at(&db, base() - Duration::minutes(1)).await,
        vec![early(Value::Null)],
        "registered, no fix yet"
    );
    assert_eq!(
        fleet_at(&db, base()).await,
        vec![early(json!(0.5))],
        "the late fix, where it belongs"
    );
    assert_eq!(
        fleet_at(&db, base() + Duration::minutes(5)).await,
        vec![early(json!(0.5))]
    );
    assert_eq!(
        fleet_at(&db, base() + Duration::minutes(15)).await,
        vec![early(json!(10.0)), later(Value::Null)]
    );
    assert_eq!(
        fleet_at(&db, base() + Duration::minutes(45)).await,
        vec![early(json!(20.0)), later(json!(30.0))]
    );
}

#[tokio::test]
async fn without_a_time_it_shows_the_fleet_now() {
    let db = TestDb::new().await;
    db.given_registered("NOW-1", base()).await;
    fix(&db, "NOW-1", 1, 7.0).await;
    db.catch_up().await;
    let (status, fleet) = db.get("/fleet").await;
    assert_eq!(status, 200);
    assert_eq!(fleet[0]["latitude"], 7.0);
    assert!(
        fleet[0]["trackedAt"].is_string() && fleet[0]["vehicleRegisteredId"].is_string(),
        "{fleet}"
    );
}

#[tokio::test]
async fn refuses_a_time_that_is_not_rfc_3339() {
    let db = TestDb::new().await;
    assert_error(
        &db.get("/fleet?at=yesterday").await,
        400,
        "invalid_field",
        Some("at"),
    );
}

#[tokio::test]
async fn the_timeline_starts_at_the_first_registration_or_fix() {
    let db = TestDb::new().await;
    assert_eq!(
        super::timeline_start(db.pool(), &Scope::WholeFleet)
            .await
            .unwrap(),
        None
    );
    db.given_registered("START-1", base()).await;
    fix(&db, "START-1", -30, 1.0).await;
    db.catch_up().await;
    assert_eq!(
        super::timeline_start(db.pool(), &Scope::WholeFleet)
            .await
            .unwrap(),
        Some(base() - Duration::minutes(30))
    );
}

#[tokio::test]
async fn a_vehicle_tracked_before_its_registration_shows_from_its_first_fix() {
    let db = TestDb::new().await;
    db.given_registered("IMPORT-1", base() + Duration::hours(2))
        .await;
    // History imported after the registration: fixes taken an hour and more before it.
    fix(&db, "IMPORT-1", 30, 3.0).await;
    fix(&db, "IMPORT-1", 60, 6.0).await;
    db.catch_up().await;
    let import = |latitude: Value| ("IMPORT-1".to_string(), latitude);
    assert_eq!(fleet_at(&db, base() + Duration::minutes(29)).await, vec![]);
    assert_eq!(
        fleet_at(&db, base() + Duration::minutes(30)).await,
        vec![import(json!(3.0))]
    );
    assert_eq!(
        fleet_at(&db, base() + Duration::minutes(90)).await,
        vec![import(json!(6.0))]
    );
    assert_eq!(
        super::fleet_at(
            db.pool(),
            base() + Duration::minutes(45),
            &Scope::WholeFleet
        )
        .await
        .unwrap()
        .len(),
        1,
        "the SQL answer agrees"
    );
}
