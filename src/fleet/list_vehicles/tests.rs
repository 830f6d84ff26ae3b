use serde_json::json;

use crate::test_support::TestDb;

#[tokio::test]
async fn lists_every_vehicle_by_plate_with_its_position() {
    let db = TestDb::new().await;
    for plate in ["ZED-9", "ALPHA-1"] {
        db.post("/register-vehicle", json!({ "vehicleLicensePlate": plate }))
            .await;
    }
    db.post(
        "/track-location",
        json!({ "vehicleLicensePlate": "ZED-9", "latitude": 1.5, "longitude": 2.5 }),
    )
    .await;
    db.catch_up().await;

    let (status, list) = db.get("/vehicles").await;
    assert_eq!(status, 200);
    let plates: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["vehicleLicensePlate"].clone())
        .collect();
    assert_eq!(plates, vec![json!("ALPHA-1"), json!("ZED-9")]);
    assert_eq!(list[0]["latitude"], serde_json::Value::Null);
    assert_eq!(
        (list[1]["latitude"].clone(), list[1]["longitude"].clone()),
        (json!(1.5), json!(2.5))
    );
}
