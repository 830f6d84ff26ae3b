use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use tokio::sync::Barrier;

use crate::test_support::{assert_error, call_api, TestDb};

#[tokio::test]
async fn a_device_given_at_registration_belongs_to_that_vehicle_only() {
    let db = TestDb::new().await;
    let (status, first) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "DEV-1", "deviceId": " 48241179 " }),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["deviceId"], "48241179");
    assert_eq!(db.event_count().await, 2);

    // Another vehicle with the same device: refused whole, the plate is not registered either.
    let taken = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "DEV-2", "deviceId": "48241179" }),
        )
        .await;
    assert_error(&taken, 409, "device_already_assigned", Some("deviceId"));
    assert_eq!(
        taken.1["error"]["vehicleRegisteredId"],
        first["vehicleRegisteredId"]
    );
    assert_eq!(db.event_count().await, 2);
    let (status, _) = db.get("/vehicles/by-plate/DEV-2").await;
    assert_eq!(status, 404);

    let bad = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "DEV-3", "deviceId": "a b" }),
        )
        .await;
    assert_error(&bad, 422, "out_of_range", Some("deviceId"));

    // The history shows the assignment.
    let id = first["vehicleRegisteredId"].as_str().unwrap();
    let (_, page) = db.get(&format!("/vehicles/{id}/events")).await;
    assert_eq!(page["events"][1]["eventType"], "DeviceAssigned");
    assert_eq!(page["events"][1]["payload"]["deviceId"], "48241179");
    assert_eq!(
        page["events"][1]["payload"]["scope"]["vehicleRegisteredId"],
        id
    );
    assert!(page["events"][1]["payload"]["assignedAt"].is_string());
}

#[tokio::test]
async fn a_registration_retry_with_its_device_is_stored_once() {
    let db = TestDb::new().await;
    let request = json!({ "vehicleLicensePlate": "DEV-R", "deviceId": "r1", "vehicleRegisteredId": uuid::Uuid::now_v7() });
    let first = db.post("/register-vehicle", request.clone()).await;
    let retry = db.post("/register-vehicle", request).await;
    assert_eq!((first.0, retry.0), (200, 200), "{}", retry.1);
    assert_eq!(first.1, retry.1);
    assert_eq!(db.event_count().await, 2);
}

#[tokio::test]
async fn a_device_is_assigned_later_once_and_again_harmlessly() {
    let db = TestDb::new().await;
    let first = db.register("LATER-1").await;
    let second = db.register("LATER-2").await;

    let uri = format!("/vehicles/{first}/device");
    let (status, body) = db.post(&uri, json!({ "deviceId": "phone-1" })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({ "deviceId": "phone-1", "vehicleRegisteredId": first })
    );
    let again = db.post(&uri, json!({ "deviceId": "phone-1" })).await;
    assert_eq!(again, (200, body));
    assert_eq!(db.event_count().await, 3);

    let taken = db
        .post(
            &format!("/vehicles/{second}/device"),
            json!({ "deviceId": "phone-1" }),
        )
        .await;
    assert_error(&taken, 409, "device_already_assigned", Some("deviceId"));
    assert_eq!(taken.1["error"]["vehicleRegisteredId"], first.as_str());

    // A vehicle may have a second device.
    let (status, _) = db.post(&uri, json!({ "deviceId": "phone-2" })).await;
    assert_eq!(status, 200);
    assert_eq!(db.event_count().await, 4);
}

#[tokio::test]
async fn bad_assignments_are_refused_and_store_nothing() {
    let db = TestDb::new().await;
    let id = db.register("BAD-D").await;
    let uri = format!("/vehicles/{id}/device");
    let cases = [
        (
            uri.clone(),
            r#"{"deviceId": ""}"#.to_string(),
            422,
            "out_of_range",
            Some("deviceId"),
        ),
        (
            uri.clone(),
            format!(r#"{{"deviceId": "{}"}}"#, "x".repeat(65)),
            422,
            "out_of_range",
            Some("deviceId"),
        ),
        (
            uri.clone(),
            r#"{"deviceId": 5}"#.to_string(),
            400,
            "invalid_field",
            Some("deviceId"),
        ),
        (
            uri.clone(),
            r#"{}"#.to_string(),
            400,
            "missing_field",
            Some("deviceId"),
        ),
        (
            format!("/vehicles/{}/device", uuid::Uuid::now_v7()),
            r#"{"deviceId": "x"}"#.to_string(),
            404,
            "vehicle_not_found",
            Some("vehicleRegisteredId"),
        ),
        (
            "/vehicles/not-a-uuid/device".to_string(),
            r#"{"deviceId": "x"}"#.to_string(),
            400,
            "invalid_field",
            Some("vehicleRegisteredId"),
        ),
    ];
    for (uri, body, status, code, field) in cases {
        let response = db.call("POST", &uri, body.clone()).await;
        assert_error(&response, status, code, field);
    }
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claims_of_one_device_let_exactly_one_vehicle_have_it() {
    const WRITERS: usize = 20;
    let db = TestDb::with_connections(WRITERS as u32 + 2).await;
    let mut vehicles = Vec::new();
    for n in 0..WRITERS {
        vehicles.push(db.given_registered(&format!("RACE-{n}"), Utc::now()).await);
    }
    let api = db.api().await;
    let barrier = Arc::new(Barrier::new(WRITERS));
    let tasks: Vec<_> = vehicles
        .iter()
        .enumerate()
        .map(|(n, vehicle)| {
            let (api, barrier, vehicle) = (api.clone(), barrier.clone(), *vehicle);
            tokio::spawn(async move {
                barrier.wait().await;
                // Half claim it at registration, half afterwards: both paths share the boundary.
                if n % 2 == 0 {
                    let uri = format!("/vehicles/{vehicle}/device");
                    call_api(api, "POST", &uri, r#"{"deviceId":"contested"}"#).await
                } else {
                    let body = json!({ "vehicleLicensePlate": format!("NEW-{n}"), "deviceId": "contested" });
                    call_api(api, "POST", "/register-vehicle", body.to_string()).await
                }
            })
        })
        .collect();
    let (mut won, mut conflicts) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            (200, _) => won += 1,
            (409, body) if body["error"]["code"] == "device_already_assigned" => conflicts += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((won, conflicts), (1, WRITERS - 1));
    let assigned: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'DeviceAssigned'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(assigned, 1);
}
