use serde_json::json;

use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn finds_a_vehicle_by_id_and_by_plate_or_says_which_is_unknown() {
    let db = TestDb::new().await;
    let (_, registered) = db
        .post(
            "/register-vehicle",
            json!({ "vehicleLicensePlate": "M AB 123" }),
        )
        .await;
    let id = registered["vehicleRegisteredId"].as_str().unwrap();
    db.catch_up().await;

    let (status, by_id) = db.get(&format!("/vehicles/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_id["vehicleLicensePlate"], "M AB 123");
    let (status, by_plate) = db.get("/vehicles/by-plate/m%20ab%20%20123").await;
    assert_eq!(status, 200);
    assert_eq!(by_plate, by_id);

    assert_error(
        &db.get(&format!("/vehicles/{}", uuid::Uuid::now_v7())).await,
        404,
        "vehicle_not_found",
        Some("vehicleRegisteredId"),
    );
    assert_error(
        &db.get("/vehicles/by-plate/NOPE-1").await,
        404,
        "vehicle_not_found",
        Some("vehicleLicensePlate"),
    );
    assert_error(
        &db.get("/vehicles/42").await,
        400,
        "invalid_field",
        Some("vehicleRegisteredId"),
    );
}
