use chrono::{Duration, TimeZone, Utc};
use serde_json::json;

use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn the_trail_holds_the_last_fixes_up_to_a_moment_in_device_time_order() {
    let db = TestDb::new().await;
    let base = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let id = db.given_registered("TRAIL-1", base).await;
    for minute in [3, 1, 2, 5] {
        let at = base + Duration::minutes(minute);
        db.fix_at(VehicleRef::Id(id), at, (minute as f64, 0.0))
            .await;
    }
    db.catch_up().await;

    let until = (base + Duration::minutes(4))
        .to_rfc3339()
        .replace('+', "%2B");
    let (status, trail) = db
        .get(&format!("/vehicles/{id}/trail?until={until}&limit=2"))
        .await;
    assert_eq!(status, 200, "{trail}");
    let latitudes: Vec<_> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["latitude"].clone())
        .collect();
    assert_eq!(latitudes, vec![json!(2.0), json!(3.0)]);

    assert_error(
        &db.get(&format!("/vehicles/{id}/trail?limit=0")).await,
        422,
        "out_of_range",
        Some("limit"),
    );
    assert_error(
        &db.get(&format!("/vehicles/{id}/trail?until=soon")).await,
        400,
        "invalid_field",
        Some("until"),
    );
    let unknown = uuid::Uuid::now_v7();
    assert_error(
        &db.get(&format!("/vehicles/{unknown}/trail")).await,
        404,
        "vehicle_not_found",
        Some("vehicleRegisteredId"),
    );
}
