use serde_json::json;

use crate::test_support::{assert_error, TestDb};

/// A new fix from `device` through the OsmAnd protocol; answers how many fixes `vehicle` has.
async fn device_fix(db: &TestDb, device: &str, vehicle: &str) -> usize {
    // A device's fix id derives from its time: each fix a second of its own.
    static SECONDS_AGO: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(100);
    let ago = SECONDS_AGO.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    let timestamp = chrono::Utc::now().timestamp() - ago;
    let uri = format!("/?id={device}&lat=52.5&lon=13.4&timestamp={timestamp}");
    let (status, body) = TestDb::raw(&db.api().await, "POST", &uri, None, "").await;
    assert_eq!(status, 200, "{body}");
    db.catch_up().await;
    let (_, trail) = db.get(&format!("/vehicles/{vehicle}/trail")).await;
    trail.as_array().unwrap().len()
}

#[tokio::test]
async fn a_wrongly_claimed_device_is_unassigned_or_moved_and_reports_where_it_now_belongs() {
    let db = TestDb::new().await;
    let (_, wrong) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "WRONG-1", "deviceId": "48241179" }),
        )
        .await;
    let wrong = wrong["vehicleRegisteredId"].as_str().unwrap().to_string();
    let right = db.register("RIGHT-1").await;
    assert_eq!(device_fix(&db, "48241179", &wrong).await, 1);

    // Taken by another vehicle: refused without `move`, moved with it.
    let assign = format!("/vehicles/{right}/device");
    let taken = db.post(&assign, json!({ "deviceId": "48241179" })).await;
    assert_error(&taken, 409, "device_already_assigned", Some("deviceId"));
    let (status, moved) = db
        .post(&assign, json!({ "deviceId": "48241179", "move": true }))
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(device_fix(&db, "48241179", &right).await, 1);
    assert_eq!(device_fix(&db, "48241179", &wrong).await, 1, "no more");

    // Unassigned: its fixes go nowhere until it is assigned again; unassigning twice is a retry.
    let unassign = format!("/vehicles/{right}/device/unassign");
    for _ in 0..2 {
        let (status, body) = db.post(&unassign, json!({ "deviceId": "48241179" })).await;
        assert_eq!(status, 200, "{body}");
    }
    let events = db.event_count().await;
    assert_eq!(
        device_fix(&db, "48241179", &right).await,
        2,
        "the earlier two"
    );
    assert_eq!(
        db.event_count().await,
        events,
        "an unassigned device's fix is not stored"
    );
    // The vehicle it left may not unassign a device it does not hold.
    let other = format!("/vehicles/{wrong}/device");
    assert_eq!(
        db.post(&other, json!({ "deviceId": "48241179" })).await.0,
        200
    );
    let refused = db.post(&unassign, json!({ "deviceId": "48241179" })).await;
    assert_error(&refused, 409, "device_already_assigned", Some("deviceId"));

    // Bad input names its field and stores nothing.
    let events = db.event_count().await;
    let blank = db.post(&unassign, json!({ "deviceId": " " })).await;
    assert_error(&blank, 422, "out_of_range", Some("deviceId"));
    let no_id = db
        .post("/vehicles/42/device/unassign", json!({ "deviceId": "1" }))
        .await;
    assert_error(&no_id, 400, "invalid_field", Some("vehicleRegisteredId"));
    assert_eq!(db.event_count().await, events);

    // The history says what happened, and who did it.
    let (_, history) = db.get(&format!("/vehicles/{right}/events")).await;
    let types: Vec<_> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_string())
        .filter(|t| t.starts_with("Device"))
        .collect();
    assert_eq!(types, ["DeviceAssigned", "DeviceUnassigned"]);
}
