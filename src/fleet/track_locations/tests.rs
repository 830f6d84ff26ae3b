use serde_json::{json, Value};

use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn stores_a_batch_of_fixes_for_many_vehicles_in_one_request() {
    let db = TestDb::new().await;
    let first = db.register("BATCH-1").await;
    db.register("BATCH-2").await;
    let fixes: Vec<Value> = (0..300)
        .map(|n| match n % 2 {
            0 => json!({ "vehicleRegisteredId": first, "latitude": n as f64 / 10.0, "longitude": 1.0 }),
            _ => json!({ "vehicleLicensePlate": "batch-2", "latitude": 2.0, "longitude": n as f64 / 10.0 }),
        })
        .collect();
    let (status, body) = db.post("/track-locations", Value::from(fixes)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({ "stored": 300, "alreadyStored": 0 }));
    assert_eq!(db.event_count().await, 302);

    db.catch_up().await;
    let (_, current) = db.get(&format!("/vehicle-current-location/{first}")).await;
    assert_eq!(
        current["latitude"], 29.8,
        "the last fix of the batch by device time (all now: the last appended)"
    );
}

#[tokio::test]
async fn accepts_ndjson_and_stores_retried_fixes_once() {
    let db = TestDb::new().await;
    db.register("LINES-1").await;
    let id = uuid::Uuid::now_v7();
    let lines = format!(
        "{}\n{}\n",
        json!({ "vehicleLicensePlate": "LINES-1", "latitude": 1.0, "longitude": 1.0, "locationTrackedId": id }),
        json!({ "vehicleLicensePlate": "LINES-1", "latitude": 2.0, "longitude": 2.0 }),
    );
    let api = db.api().await;
    let send = |body: String| {
        let api = api.clone();
        async move {
            let (status, text) = TestDb::raw(
                &api,
                "POST",
                "/track-locations",
                Some("application/x-ndjson"),
                body,
            )
            .await;
            (status, serde_json::from_str::<Value>(&text).unwrap())
        }
    };
    let (status, body) = send(lines.clone()).await;
    assert_eq!(
        (status, body),
        (200, json!({ "stored": 2, "alreadyStored": 0 }))
    );
    let retry = format!("{}\n", lines.lines().next().unwrap());
    let (status, body) = send(retry).await;
    assert_eq!(
        (status, body),
        (200, json!({ "stored": 0, "alreadyStored": 1 }))
    );
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test]
async fn one_bad_item_refuses_the_whole_batch_naming_every_bad_item() {
    let db = TestDb::new().await;
    db.register("ALL-1").await;
    let good = json!({ "vehicleLicensePlate": "ALL-1", "latitude": 1.0, "longitude": 1.0 });
    let batch = json!([
        good,
        { "vehicleLicensePlate": "ALL-1", "latitude": 91.0, "longitude": 1.0 },
        good,
        { "vehicleLicensePlate": "NOBODY-1", "latitude": 1.0, "longitude": 1.0 },
    ]);
    let response = db.post("/track-locations", batch).await;
    assert_error(&response, 422, "invalid_items", Some("[1].latitude"));
    // Out-of-range values are found first; unknown vehicles once every value is fine.
    assert_eq!(response.1["error"]["items"].as_array().unwrap().len(), 1);

    let unknown = db
        .post(
            "/track-locations",
            json!([good, { "vehicleLicensePlate": "NOBODY-1", "latitude": 1.0, "longitude": 1.0 }]),
        )
        .await;
    assert_error(
        &unknown,
        422,
        "invalid_items",
        Some("[1].vehicleLicensePlate"),
    );
    assert_eq!(unknown.1["error"]["items"][0]["code"], "vehicle_not_found");

    let malformed = db
        .post(
            "/track-locations",
            json!([good, { "vehicleLicensePlate": "ALL-1", "latitude": "north" }]),
        )
        .await;
    assert_error(&malformed, 400, "invalid_field", Some("[1].latitude"));
    let too_many = db
        .post("/track-locations", Value::from(vec![good.clone(); 10_001]))
        .await;
    assert_error(&too_many, 413, "too_many_fixes", None);
    assert_eq!(db.event_count().await, 1, "only the registration");
}
