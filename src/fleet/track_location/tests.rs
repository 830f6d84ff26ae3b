use chrono::{Duration, Utc};
use serde_json::{json, Value};

use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn tracks_by_plate_as_the_old_api_and_by_id() {
    let db = TestDb::new().await;
    let id = db.register("ABC-1234").await;

    let (status, body) = db
        .post("/track-location", json!({ "vehicleLicensePlate": "abc-1234", "latitude": 40.7128, "longitude": -74.0060 }))
        .await;
    assert_eq!(status, 200, "{body}");
    let fix_id: uuid::Uuid = body["locationTrackedId"].as_str().unwrap().parse().unwrap();
    assert_eq!(fix_id.get_version_num(), 7);

    let (status, body) = db
        .post(
            "/track-location",
            json!({ "vehicleRegisteredId": id, "latitude": 40.8, "longitude": -74.1, "trackedAt": Utc::now().to_rfc3339() }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(db.event_count().await, 3);

    // Both clocks are kept: the device's in the payload, the store's beside it.
    let (_, page) = db.get(&format!("/vehicles/{id}/events")).await;
    let fix = &page["events"][1];
    assert_eq!(fix["eventType"], "LocationTracked");
    assert_eq!(fix["payload"]["scope"]["vehicleRegisteredId"], json!(id));
    assert!(
        fix["payload"]["trackedAt"].is_string() && fix["recordedAt"].is_string(),
        "{fix}"
    );
}

#[tokio::test]
async fn the_current_location_is_the_latest_device_time_not_the_last_arrival() {
    let db = TestDb::new().await;
    let id = db.register("LATE-1").await;
    let now = Utc::now();
    for (minutes_ago, latitude) in [(1, 10.0), (30, 20.0)] {
        let tracked_at = (now - Duration::minutes(minutes_ago)).to_rfc3339();
        let (status, _) = db
            .post("/track-location", json!({ "vehicleRegisteredId": id, "latitude": latitude, "longitude": 5.0, "trackedAt": tracked_at }))
            .await;
        assert_eq!(status, 200);
    }
    db.catch_up().await;
    let (status, body) = db.get(&format!("/vehicle-current-location/{id}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["vehicleLicensePlate"], "LATE-1");
    assert_eq!(
        body["latitude"], 10.0,
        "the late fix (30 min ago) arrived last but is older"
    );
    assert_eq!(body["longitude"], 5.0);
}

#[tokio::test]
async fn a_retry_with_the_same_fix_id_is_stored_once() {
    let db = TestDb::new().await;
    db.register("RETRY-1").await;
    let fix = json!({ "vehicleLicensePlate": "RETRY-1", "latitude": 1.0, "longitude": 2.0, "locationTrackedId": uuid::Uuid::now_v7() });
    let first = db.post("/track-location", fix.clone()).await;
    let retry = db.post("/track-location", fix).await;
    assert_eq!((first.0, retry.0), (200, 200));
    assert_eq!(first.1, retry.1);
    assert_eq!(db.event_count().await, 2);
}

#[tokio::test]
async fn bad_fixes_are_refused_with_the_field_and_store_nothing() {
    let db = TestDb::new().await;
    let id = db.register("BAD-1").await;
    let in_ten_minutes = (Utc::now() + Duration::minutes(10)).to_rfc3339();
    let unknown = uuid::Uuid::now_v7();
    let fix = |changes: Value| {
        let mut body = json!({ "vehicleLicensePlate": "BAD-1", "latitude": 1.0, "longitude": 2.0 });
        for (key, value) in changes.as_object().unwrap() {
            if value.is_null() {
                body.as_object_mut().unwrap().remove(key);
            } else {
                body[key] = value.clone();
            }
        }
        body.to_string()
    };
    let cases = [
        (
            fix(json!({ "latitude": 90.5 })),
            422,
            "out_of_range",
            Some("latitude"),
        ),
        (
            fix(json!({ "latitude": -91 })),
            422,
            "out_of_range",
            Some("latitude"),
        ),
        (
            fix(json!({ "longitude": 180.01 })),
            422,
            "out_of_range",
            Some("longitude"),
        ),
        (
            fix(json!({ "trackedAt": in_ten_minutes })),
            422,
            "out_of_range",
            Some("trackedAt"),
        ),
        (
            fix(json!({ "locationTrackedId": uuid::Uuid::new_v4() })),
            422,
            "out_of_range",
            Some("locationTrackedId"),
        ),
        (
            fix(json!({ "vehicleLicensePlate": "NOT-THERE" })),
            404,
            "vehicle_not_found",
            Some("vehicleLicensePlate"),
        ),
        (
            fix(json!({ "vehicleLicensePlate": null, "vehicleRegisteredId": unknown })),
            404,
            "vehicle_not_found",
            Some("vehicleRegisteredId"),
        ),
        (
            fix(json!({ "latitude": "40.1" })),
            400,
            "invalid_field",
            Some("latitude"),
        ),
        (
            fix(json!({ "latitude": null })),
            400,
            "missing_field",
            Some("latitude"),
        ),
        (
            fix(json!({ "trackedAt": "yesterday" })),
            400,
            "invalid_field",
            Some("trackedAt"),
        ),
        (
            fix(json!({ "vehicleRegisteredId": "not-a-uuid" })),
            400,
            "invalid_field",
            Some("vehicleRegisteredId"),
        ),
        (
            fix(json!({ "vehicleRegisteredId": id })),
            400,
            "invalid_field",
            Some("vehicleRegisteredId"),
        ),
        (
            fix(json!({ "vehicleLicensePlate": null })),
            400,
            "invalid_field",
            Some("vehicleLicensePlate"),
        ),
        (
            r#"{"latitude": 1e999}"#.to_string(),
            400,
            "malformed_json",
            Some("latitude"),
        ),
        (
            "{\"latitude\": 1.0,".to_string(),
            400,
            "malformed_json",
            None,
        ),
        (
            format!("[\"{}\"]", "x".repeat(65 * 1024)),
            413,
            "body_too_large",
            None,
        ),
    ];
    for (body, status, code, field) in cases {
        let response = db.call("POST", "/track-location", body.clone()).await;
        assert_error(&response, status, code, field);
    }
    assert_eq!(db.event_count().await, 1, "only the registration is stored");
}
