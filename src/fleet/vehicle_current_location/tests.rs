use serde_json::json;

use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn answers_in_the_old_apis_shape_and_404s_before_the_first_fix() {
    let db = TestDb::new().await;
    let (_, registered) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "ABC-1234" }),
        )
        .await;
    let id = registered["vehicleRegisteredId"].as_str().unwrap();
    db.catch_up().await;
    assert_error(
        &db.get(&format!("/vehicle-current-location/{id}")).await,
        404,
        "no_location_yet",
        Some("vehicleRegisteredId"),
    );

    db.post(
        "/track-location",
        json!({ "vehicleLicensePlate": "ABC-1234", "latitude": 40.7128, "longitude": -74.006 }),
    )
    .await;
    db.catch_up().await;
    let (status, body) = db.get(&format!("/vehicle-current-location/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["vehicleRegisteredId"], json!(id));
    assert_eq!(body["vehicleLicensePlate"], "ABC-1234");
    assert_eq!(body["latitude"], 40.7128);
    assert_eq!(body["longitude"], -74.006);

    let unknown = uuid::Uuid::now_v7();
    assert_error(
        &db.get(&format!("/vehicle-current-location/{unknown}"))
            .await,
        404,
        "vehicle_not_found",
        Some("vehicleRegisteredId"),
    );
    assert_error(
        &db.get("/vehicle-current-location/xyz").await,
        400,
        "invalid_field",
        Some("vehicleRegisteredId"),
    );
}
