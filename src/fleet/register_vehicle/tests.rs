use std::sync::Arc;

use chrono::Utc;
use serde_json::json;
use tokio::sync::Barrier;

use super::register;
use crate::error::ErrorKind;
use crate::test_support::{assert_error, send, TestDb};

#[tokio::test]
async fn registers_a_normalised_plate_under_a_uuid_v7() {
    let db = TestDb::new().await;
    let (status, body) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "  abc   1234 " }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let id: uuid::Uuid = body["vehicleRegisteredId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(id.get_version_num(), 7);
    assert_eq!(body["vehicleLicensePlate"], "ABC 1234");

    db.catch_up().await;
    let (status, vehicle) = db.get(&format!("/vehicles/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(vehicle["vehicleLicensePlate"], "ABC 1234");
    assert_eq!(vehicle["latitude"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_plate_is_registered_once_and_the_conflict_names_the_holder() {
    let db = TestDb::new().await;
    let (_, first) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "B-XY-42" }),
        )
        .await;
    // The same plate written differently is the same plate.
    let again = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": " b-xy-42" }),
        )
        .await;
    assert_error(
        &again,
        409,
        "plate_already_registered",
        Some("vehicleLicensePlate"),
    );
    assert_eq!(
        again.1["error"]["vehicleRegisteredId"],
        first["vehicleRegisteredId"]
    );
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test]
async fn a_retry_with_the_clients_id_is_stored_once() {
    let db = TestDb::new().await;
    let id = uuid::Uuid::now_v7();
    let request = json!({ "vehicleLicensePlate": "RETRY-1", "vehicleRegisteredId": id });
    let first = db.post("/register-vehicle", request.clone()).await;
    let retry = db.post("/register-vehicle", request).await;
    assert_eq!((first.0, retry.0), (200, 200));
    assert_eq!(retry.1["vehicleRegisteredId"], json!(id));
    assert_eq!(db.event_count().await, 1);

    let not_v7 = db
        .post("/register-vehicle", json!({ "vehicleLicensePlate": "RETRY-2", "vehicleRegisteredId": uuid::Uuid::new_v4() }))
        .await;
    assert_error(&not_v7, 422, "out_of_range", Some("vehicleRegisteredId"));
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_field_and_store_nothing() {
    let db = TestDb::new().await;
    let cases = [
        (
            r#"{"vehicleLicensePlate": "AB"#.to_string(),
            400,
            "malformed_json",
            Some("vehicleLicensePlate"),
        ),
        ("not json".to_string(), 400, "malformed_json", None),
        (
            r#"{"vehicleLicensePlate": 42}"#.to_string(),
            400,
            "invalid_field",
            Some("vehicleLicensePlate"),
        ),
        (
            r#"{}"#.to_string(),
            400,
            "missing_field",
            Some("vehicleLicensePlate"),
        ),
        (r#"[]"#.to_string(), 400, "invalid_field", Some(".")),
        (
            r#"{"vehicleLicensePlate": "   "}"#.to_string(),
            422,
            "out_of_range",
            Some("vehicleLicensePlate"),
        ),
        (
            r#"{"vehicleLicensePlate": "ABCDEFGHIJKLMNOP"}"#.to_string(),
            422,
            "out_of_range",
            Some("vehicleLicensePlate"),
        ),
        (
            r#"{"vehicleLicensePlate": "AB_12"}"#.to_string(),
            422,
            "out_of_range",
            Some("vehicleLicensePlate"),
        ),
        (
            format!(
                r#"{{"vehicleLicensePlate": "AB", "padding": "{}"}}"#,
                "x".repeat(70 * 1024)
            ),
            413,
            "body_too_large",
            None,
        ),
    ];
    for (body, status, code, field) in cases {
        let response = db.call("POST", "/register-vehicle", body.clone()).await;
        assert_error(&response, status, code, field);
    }
    assert_eq!(db.event_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_registrations_of_one_plate_let_exactly_one_through() {
    const WRITERS: usize = 50;
    let db = TestDb::with_connections(WRITERS as u32).await;
    for round in 0..20 {
        let plate = format!("RACE-{round}");
        let barrier = Arc::new(Barrier::new(WRITERS));
        let tasks: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (store, barrier, plate) = (db.store.clone(), barrier.clone(), plate.clone());
                tokio::spawn(async move {
                    // Every writer holds a connection at the barrier: the pool has one open for each of
                    // them when they are released together.
                    let connection = store.pool().acquire().await.unwrap();
                    barrier.wait().await;
                    drop(connection);
                    register(
                        &store,
                        &plate,
                        None,
                        None,
                        Utc::now(),
                        &crate::fleet::access::Scope::WholeFleet,
                        &crate::fleet::access::CausedBy::cli(),
                    )
                    .await
                })
            })
            .collect();
        let mut winners = Vec::new();
        let mut conflicts = Vec::new();
        for task in tasks {
            match task.await.unwrap() {
                Ok(registered) => winners.push(registered.vehicle_registered_id),
                Err(error) if error.kind == ErrorKind::Conflict => {
                    conflicts.push(error.vehicle_registered_id)
                }
                Err(error) => panic!("round {round}: {error:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}");
        assert_eq!(conflicts.len(), WRITERS - 1, "round {round}");
        assert!(
            conflicts.iter().all(|holder| *holder == Some(winners[0])),
            "round {round}"
        );
    }
    assert_eq!(db.event_count().await, 20);
}

/// The registration form's server function answers a user's mistake as the API does: the same
/// status and code, never a 500 (which would also be logged as a server failure).
#[tokio::test]
async fn a_refused_form_post_answers_the_apis_status_and_code() {
    let db = TestDb::new().await;
    let app = db.api().await;
    let form = |body: &str| {
        let app = app.clone();
        let body = body.to_string();
        async move {
            let headers = [("content-type", "application/x-www-form-urlencoded")];
            let (status, body) = send(&app, "POST", "/api/register_vehicle", &headers, body).await;
            let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            (
                status,
                body["code"].as_str().unwrap_or_default().to_string(),
            )
        }
    };
    assert_eq!(form("vehicle_license_plate=FORM-1").await.0, 200);
    for (body, status, code) in [
        (
            "vehicle_license_plate=FORM-1",
            409,
            "plate_already_registered",
        ),
        ("vehicle_license_plate=AB_12", 422, "out_of_range"),
        ("vehicle_license_plate=+++", 422, "out_of_range"),
        ("", 400, "missing_field"),
        ("device_id=T-1", 400, "missing_field"),
    ] {
        assert_eq!(form(body).await, (status, code.to_string()), "{body:?}");
    }
    assert_eq!(db.event_count().await, 1, "only the first registration");
}
