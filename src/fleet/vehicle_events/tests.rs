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

mod until_a_moment {
    use chrono::{DateTime, Duration, TimeZone, Utc};

    use crate::fleet::vehicle_events::until::{history_until, HistoryPage};
    use crate::fleet::vehicle_ref::VehicleRef;
    const WHOLE: crate::fleet::access::Scope = crate::fleet::access::Scope::WholeFleet;
    use crate::test_support::TestDb;

    fn base() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
    }

    async fn fix(db: &TestDb, plate: &str, minute: i64) {
        let at = base() + Duration::minutes(minute);
        db.fix_at(VehicleRef::Plate(plate.into()), at, (minute as f64, 1.0))
            .await;
    }

    /// (event type, minutes after base) of each entry.
    fn rows(page: &HistoryPage) -> Vec<(String, i64)> {
        page.entries
            .iter()
            .map(|e| (e.event.event_type.clone(), (e.at - base()).num_minutes()))
            .collect()
    }

    #[tokio::test]
    async fn shows_the_events_up_to_the_moment_newest_first_and_pages_back() {
        // Given a vehicle registered at 08:10 with fixes that arrived out of order, one of them
        // an import from before its registration
        let db = TestDb::new().await;
        let id = db
            .given_registered("PAST-1", base() + Duration::minutes(10))
            .await;
        db.given_registered("OTHER-9", base()).await;
        for minute in [30, 20, 5, 40, 25] {
            fix(&db, "PAST-1", minute).await;
        }
        fix(&db, "OTHER-9", 21).await;
        db.catch_up().await;

        // When the history at 08:30 is read two entries a page
        let first = history_until(
            &db.store,
            id,
            &WHOLE,
            Some(base() + Duration::minutes(30)),
            None,
            2,
        )
        .await
        .unwrap();
        let fix = |m: i64| ("LocationTracked".to_string(), m);
        // Then it starts at 08:30 (not with the 08:40 fix), newest first
        assert_eq!(rows(&first), vec![fix(30), fix(25)]);
        let second = history_until(
            &db.store,
            id,
            &WHOLE,
            Some(base() + Duration::minutes(30)),
            first.next_before,
            2,
        )
        .await
        .unwrap();
        assert_eq!(
            rows(&second),
            vec![fix(20), ("VehicleRegistered".to_string(), 10)]
        );
        let last = history_until(
            &db.store,
            id,
            &WHOLE,
            Some(base() + Duration::minutes(30)),
            second.next_before,
            2,
        )
        .await
        .unwrap();
        assert_eq!(rows(&last), vec![fix(5)]);
        assert_eq!(last.next_before, None, "the last page says so");
        // Live (no moment): everything, the 08:40 fix first
        let live = history_until(&db.store, id, &WHOLE, None, None, 10)
            .await
            .unwrap();
        assert_eq!(rows(&live).len(), 6);
        assert_eq!(rows(&live)[0], fix(40));
    }

    #[tokio::test]
    async fn refuses_a_page_size_out_of_range_and_an_unknown_vehicle() {
        let db = TestDb::new().await;
        let id = db.given_registered("PAGE-1", base()).await;
        let error = history_until(&db.store, id, &WHOLE, None, None, 0)
            .await
            .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("limit"));
        let unknown = history_until(&db.store, uuid::Uuid::now_v7(), &WHOLE, None, None, 10)
            .await
            .unwrap_err();
        assert_eq!(
            unknown.kind,
            crate::error::ErrorKind::NotFound,
            "{unknown:?}"
        );
    }
}

/// Who caused each change is in its metadata, through whichever way it came in; device ids are
/// shown to managers and admins only.
#[tokio::test]
async fn the_audit_trail_says_who_did_what_and_shows_device_ids_to_managers_only() {
    use crate::fleet::access::Role;
    use crate::test_support::{send, sign_in};

    let db = TestDb::new().await;
    let app = db.app().await;
    let json = ("content-type", "application/json");
    let admin = format!("Bearer {}", db.token(Role::Admin).await);
    let (status, body) = send(
        &app,
        "POST",
        "/register-vehicle",
        &[("authorization", &admin), json],
        r#"{"vehicleLicensePlate":"WHO-1","deviceId":"tracker-7"}"#,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = id["vehicleRegisteredId"].as_str().unwrap().to_string();
    db.given_user("dana@example.com", Role::Manager, "correct horse")
        .await;
    let (_, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    let (status, body) = send(
        &app,
        "POST",
        "/api/register_vehicle",
        &[
            ("cookie", &cookie.unwrap()),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        "vehicle_license_plate=WHO-2",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let second: serde_json::Value = serde_json::from_str(&body).unwrap();
    let second = second["vehicleRegisteredId"].as_str().unwrap().to_string();

    let events = |credential: String, uri: String| {
        let app = app.clone();
        async move {
            let (status, body) =
                send(&app, "GET", &uri, &[("authorization", &credential)], "").await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["events"].clone()
        }
    };
    let by_token = events(admin.clone(), format!("/vehicles/{id}/events")).await;
    for event in by_token.as_array().unwrap() {
        assert_eq!(event["causedBy"]["via"], "api", "{event}");
        assert_eq!(event["causedBy"]["actor"]["kind"], "token", "{event}");
    }
    assert_eq!(by_token[1]["payload"]["deviceId"], "tracker-7");

    let viewer = format!("Bearer {}", db.token(Role::Viewer).await);
    let seen_by_viewer = events(viewer, format!("/vehicles/{id}/events")).await;
    assert_eq!(seen_by_viewer[1]["eventType"], "DeviceAssigned");
    assert!(
        seen_by_viewer[1]["payload"].get("deviceId").is_none(),
        "{seen_by_viewer}"
    );

    let by_person = events(admin, format!("/vehicles/{second}/events")).await;
    assert_eq!(by_person[0]["causedBy"]["via"], "web");
    assert_eq!(
        by_person[0]["causedBy"]["actor"]["email"],
        "dana@example.com"
    );
}
