//! Groups across the queries: someone limited to a group sees its vehicles everywhere (the list,
//! one vehicle, its history and trail, the fleet now and at a past moment, the live feed) and
//! nothing of the others, which answer 404 as if they did not exist.

use std::time::Duration;

use axum::Router;
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::fleet::access::Role;
use crate::test_support::{assert_error, send, TestDb};

/// Two groups, one vehicle each with a fix, and a token of `role` limited to North.
struct TwoDepots {
    db: TestDb,
    app: Router,
    north_vehicle: Uuid,
    south_vehicle: Uuid,
    north_token: String,
}

async fn two_depots(role: Role) -> TwoDepots {
    let db = TestDb::new().await;
    let app = db.app().await;
    let (north, south) = (db.given_group("North").await, db.given_group("South").await);
    let at = Utc::now() - chrono::Duration::hours(1);
    let north_vehicle = db.given_registered("NORTH-1", at).await;
    let south_vehicle = db.given_registered("SOUTH-1", at).await;
    db.given_placed(north_vehicle, north).await;
    db.given_placed(south_vehicle, south).await;
    for (plate, latitude) in [("NORTH-1", 53.5), ("SOUTH-1", 48.1)] {
        let fix = json!({ "vehicleLicensePlate": plate, "latitude": latitude, "longitude": 10.0 });
        assert_eq!(db.post("/track-location", fix).await.0, 200);
    }
    db.catch_up().await;
    let north_token = db.token_in(role, &[north]).await;
    TwoDepots {
        db,
        app,
        north_vehicle,
        south_vehicle,
        north_token,
    }
}

impl TwoDepots {
    async fn call(&self, method: &str, uri: &str, body: &str) -> (u16, Value) {
        let bearer = format!("Bearer {}", self.north_token);
        let headers = [
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
        ];
        let (status, text) = send(&self.app, method, uri, &headers, body.to_string()).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn get(&self, uri: &str) -> (u16, Value) {
        self.call("GET", uri, "").await
    }
}

fn plates(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_viewer_of_one_group_sees_its_vehicles_and_nothing_of_the_others() {
    let depots = two_depots(Role::Viewer).await;
    let (status, list) = depots.get("/vehicles").await;
    assert_eq!(status, 200);
    assert_eq!(plates(&list, "vehicleLicensePlate"), ["NORTH-1"]);
    let (_, fleet) = depots.get("/fleet").await;
    assert_eq!(plates(&fleet, "vehicleLicensePlate"), ["NORTH-1"]);
    let past = (Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let (_, fleet) = depots
        .get(&format!("/fleet?at={}", urlencoding(&past)))
        .await;
    assert_eq!(plates(&fleet, "vehicleLicensePlate"), ["NORTH-1"]);
    let (_, groups) = depots.get("/groups").await;
    assert_eq!(plates(&groups, "name"), ["North"]);

    let north = depots.north_vehicle;
    for path in ["", "/events", "/trail"] {
        assert_eq!(depots.get(&format!("/vehicles/{north}{path}")).await.0, 200);
    }
    let south = depots.south_vehicle;
    for uri in [
        format!("/vehicles/{south}"),
        format!("/vehicles/{south}/events"),
        format!("/vehicles/{south}/trail"),
        format!("/vehicle-current-location/{south}"),
        "/vehicles/by-plate/SOUTH-1".to_string(),
    ] {
        let field = if uri.contains("by-plate") {
            "vehicleLicensePlate"
        } else {
            "vehicleRegisteredId"
        };
        assert_error(
            &depots.get(&uri).await,
            404,
            "vehicle_not_found",
            Some(field),
        );
    }
}

/// `at` as a query value.
fn urlencoding(at: &str) -> String {
    url::form_urlencoded::byte_serialize(at.as_bytes()).collect()
}

#[tokio::test]
async fn a_manager_of_one_group_changes_only_its_vehicles_and_registers_into_it() {
    let depots = two_depots(Role::Manager).await;
    let before = depots.db.event_count().await;
    let south = depots.south_vehicle;
    let fix = json!({ "vehicleRegisteredId": south, "latitude": 1.0, "longitude": 2.0 });
    let assign = json!({ "deviceId": "48241179" });
    let batch = json!([{ "vehicleRegisteredId": south, "latitude": 1.0, "longitude": 2.0 }]);
    let refused = [
        ("/track-location", fix.to_string()),
        (&*format!("/vehicles/{south}/device"), assign.to_string()),
    ];
    for (uri, body) in refused {
        let answer = depots.call("POST", uri, &body).await;
        assert_error(
            &answer,
            404,
            "vehicle_not_found",
            Some("vehicleRegisteredId"),
        );
    }
    let (status, body) = depots
        .call("POST", "/track-locations", &batch.to_string())
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["items"][0]["code"], "vehicle_not_found");
    assert_eq!(depots.db.event_count().await, before, "nothing stored");

    let registered = json!({ "vehicleLicensePlate": "NORTH-2" });
    let (status, body) = depots
        .call("POST", "/register-vehicle", &registered.to_string())
        .await;
    assert_eq!(status, 200, "{body}");
    depots.db.catch_up().await;
    let (_, list) = depots.get("/vehicles").await;
    assert_eq!(plates(&list, "vehicleLicensePlate"), ["NORTH-1", "NORTH-2"]);
}

#[tokio::test]
async fn a_vehicle_moved_to_another_group_leaves_the_old_groups_view() {
    let depots = two_depots(Role::Viewer).await;
    let (status, groups) = depots.db.get("/groups").await;
    assert_eq!(status, 200);
    let south_group = groups[1]["groupId"].as_str().unwrap().to_string();
    let moved = json!({ "vehicleRegisteredId": depots.north_vehicle });
    let uri = format!("/groups/{south_group}/vehicles");
    let (status, body) = depots.db.post(&uri, moved.clone()).await;
    assert_eq!(status, 200, "{body}");
    let count = depots.db.event_count().await;
    assert_eq!(depots.db.post(&uri, moved).await.0, 200, "again");
    assert_eq!(depots.db.event_count().await, count, "stored once");
    depots.db.catch_up().await;
    assert!(plates(&depots.get("/vehicles").await.1, "vehicleLicensePlate").is_empty());
    let (_, all) = depots.db.get("/groups").await;
    assert_eq!(
        (
            all[0]["vehicleCount"].clone(),
            all[1]["vehicleCount"].clone()
        ),
        (json!(0), json!(2))
    );
}

#[tokio::test]
async fn the_live_feed_of_one_group_carries_only_its_vehicles() {
    let depots = two_depots(Role::Viewer).await;
    let bearer = format!("Bearer {}", depots.north_token);
    let request = axum::http::Request::get("/live")
        .header("authorization", bearer)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = tower::ServiceExt::oneshot(depots.app.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // South's fix first: had the stream carried it, it would come first.
    for plate in ["SOUTH-1", "NORTH-1"] {
        let fix = json!({ "vehicleLicensePlate": plate, "latitude": 50.0, "longitude": 9.0 });
        assert_eq!(depots.db.post("/track-location", fix).await.0, 200);
    }
    // Until the first fix: the registrations made just before the stream opened may come first
    // (the feed repeats rather than skips), but nothing of South's ever.
    let received = tokio::time::timeout(Duration::from_secs(10), async {
        let mut received = Vec::new();
        loop {
            let frame = body.frame().await.unwrap().unwrap();
            let Some(data) = frame.data_ref() else {
                continue;
            };
            let text = String::from_utf8_lossy(data);
            if let Some(json) = text.lines().find_map(|l| l.strip_prefix("data: ")) {
                let update: Value = serde_json::from_str(json).unwrap();
                let fix = update["type"] == "LocationTracked";
                received.push(update);
                if fix {
                    return received;
                }
            }
        }
    })
    .await
    .expect("an update comes");
    let north = json!(depots.north_vehicle);
    assert!(
        received.iter().all(|u| u["vehicleRegisteredId"] == north),
        "{received:?}"
    );
}

#[tokio::test]
async fn a_manager_moves_vehicles_among_their_own_groups_only() {
    let depots = two_depots(Role::Viewer).await;
    let east = depots.db.given_group("East").await;
    let (_, groups) = depots.db.get("/groups").await;
    let id_of = |name: &str| -> Uuid {
        let group = groups
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name);
        serde_json::from_value(group.unwrap()["groupId"].clone()).unwrap()
    };
    let (north, south) = (id_of("North"), id_of("South"));
    let manager = TwoDepots {
        north_token: depots.db.token_in(Role::Manager, &[north, east]).await,
        ..depots
    };
    let place = |vehicle: Uuid, group: Uuid| {
        let body = json!({ "vehicleRegisteredId": vehicle }).to_string();
        let uri = format!("/groups/{group}/vehicles");
        (uri, body)
    };
    let (uri, body) = place(manager.north_vehicle, east);
    assert_eq!(
        manager.call("POST", &uri, &body).await.0,
        200,
        "North to East"
    );
    let (uri, body) = place(manager.north_vehicle, south);
    let answer = manager.call("POST", &uri, &body).await;
    assert_error(&answer, 404, "group_not_found", Some("groupId"));
    let (uri, body) = place(manager.south_vehicle, east);
    let answer = manager.call("POST", &uri, &body).await;
    assert_error(
        &answer,
        404,
        "vehicle_not_found",
        Some("vehicleRegisteredId"),
    );
}
