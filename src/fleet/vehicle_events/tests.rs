use serde_json::json;

use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn pages_through_a_vehicles_audit_trail_oldest_first() {
    let db = TestDb::new().await;
    let (_, registered) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "AUDIT-1" }),
        )
        .await;
    db.post(
        "/register-vehicle",
        json!({ "vehicleLicensePlate": "OTHER-1" }),
    )
    .await;
    let id = registered["vehicleRegisteredId"].as_str().unwrap();
    for n in 0..4 {
        db.post(
            "/track-location",
            json!({ "vehicleRegisteredId": id, "latitude": n, "longitude": 0 }),
        )
        .await;
        db.post(
            "/track-location",
            json!({ "vehicleLicensePlate": "OTHER-1", "latitude": n, "longitude": 0 }),
        )
        .await;
    }

    let (status, first) = db.get(&format!("/vehicles/{id}/events?limit=3")).await;
    assert_eq!(status, 200);
    let types: Vec<_> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].clone())
        .collect();
    assert_eq!(
        types,
        vec![
            json!("VehicleRegistered"),
            json!("LocationTracked"),
            json!("LocationTracked")
        ]
    );
    let after = first["nextAfter"].as_i64().expect("another page follows");

    let (_, second) = db
        .get(&format!("/vehicles/{id}/events?after={after}&limit=3"))
        .await;
    let latitudes: Vec<_> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["latitude"].clone())
        .collect();
    assert_eq!(latitudes, vec![json!(2.0), json!(3.0)]);
    assert_eq!(second["nextAfter"], serde_json::Value::Null);

    assert_error(
        &db.get(&format!("/vehicles/{id}/events?limit=0")).await,
        422,
        "out_of_range",
        Some("limit"),
    );
    assert_error(
        &db.get(&format!("/vehicles/{id}/events?limit=ten")).await,
        400,
        "invalid_field",
        Some("limit"),
    );
    let unknown = uuid::Uuid::now_v7();
    assert_error(
        &db.get(&format!("/vehicles/{unknown}/events")).await,
        404,
        "vehicle_not_found",
        Some("vehicleRegisteredId"),
    );
}
