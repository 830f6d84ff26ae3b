//! The protocol over HTTP, with the requests the clients really send, on a real database.

use axum::Router;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{json, Value};

use crate::test_support::TestDb;

/// The routers of one server: the JSON API (with `POST /`) and the dedicated OsmAnd listener,
/// sharing one state (and so one counter).
struct Server {
    db: TestDb,
    api: Router,
    devices: Router,
}

impl Server {
    async fn new() -> Self {
        let db = TestDb::new().await;
        let state = db.state().await;
        Self {
            api: db.api_on(state.clone()).await,
            devices: super::http::router(state),
            db,
        }
    }

    /// A request to the dedicated port.
    async fn device(
        &self,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<axum::body::Body>,
    ) -> (u16, String) {
        TestDb::raw(&self.devices, method, uri, content_type, body).await
    }

    async fn json(&self, method: &str, uri: &str, body: Value) -> (u16, Value) {
        let (status, text) = TestDb::raw(
            &self.api,
            method,
            uri,
            Some("application/json"),
            if body.is_null() {
                String::new()
            } else {
                body.to_string()
            },
        )
        .await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Registers a vehicle with a device; answers its id.
    async fn vehicle(&self, plate: &str, device: &str) -> String {
        let (status, body) = self
            .json(
                "POST",
                "/register-vehicle",
                json!({ "vehicleLicensePlate": plate, "deviceId": device }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["deviceId"], device);
        body["vehicleRegisteredId"].as_str().unwrap().to_string()
    }

    /// The payloads of a vehicle's fixes, oldest first.
    async fn fixes(&self, vehicle: &str) -> Vec<Value> {
        let (status, page) = self
            .json("GET", &format!("/vehicles/{vehicle}/events"), Value::Null)
            .await;
        assert_eq!(status, 200, "{page}");
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["eventType"] == "LocationTracked")
            .map(|e| e["payload"].clone())
            .collect()
    }
}

const TRACCAR_JSON: &str = r#"{"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":37.42,"longitude":-122.08,"accuracy":5,"speed":0,"heading":-1,"altitude":5},"is_moving":false,"odometer":0,"event":"motionchange","battery":{"level":1,"is_charging":false},"activity":{"type":"still"},"extras":{}},"device_id":"48241179"}"#;

#[tokio::test]
async fn the_old_android_client_posts_its_query_with_an_empty_body() {
    let server = Server::new().await;
    let vehicle = server.vehicle("OSM-1", "123456").await;
    let request = "/?id=123456&timestamp=1718459112&lat=52.520008&lon=13.404954&speed=10.0&bearing=90.0&altitude=34.5&accuracy=5.0&batt=87.0";
    assert_eq!(
        server.device("POST", request, None, "").await,
        (200, String::new())
    );

    let fixes = server.fixes(&vehicle).await;
    assert_eq!(fixes.len(), 1);
    let fix = &fixes[0];
    assert_eq!(fix["trackedAt"], "2024-06-15T13:45:12Z");
    assert_eq!(
        (fix["latitude"].as_f64(), fix["longitude"].as_f64()),
        (Some(52.520008), Some(13.404954))
    );
    assert!(
        (fix["speedMps"].as_f64().unwrap() - 5.144_444).abs() < 1e-5,
        "10 knots in m/s: {fix}"
    );
    assert_eq!(fix["heading"], 90.0);
    assert_eq!(fix["altitude"], 34.5);
    assert_eq!(fix["accuracy"], 5.0);
    assert_eq!(fix["batteryPercent"], 87.0);
    assert_eq!(fix["deviceId"], "123456");
    assert_eq!(fix["scope"]["vehicleRegisteredId"], vehicle.as_str());
    // Unknown readings are absent, not null.
    assert!(
        fix.get("charging").is_none() && fix.get("attributes").is_none(),
        "{fix}"
    );
}

#[tokio::test]
async fn the_current_traccar_client_posts_json() {
    let server = Server::new().await;
    let vehicle = server.vehicle("OSM-2", "48241179").await;
    assert_eq!(
        server
            .device("POST", "/", Some("application/json"), TRACCAR_JSON)
            .await,
        (200, String::new())
    );
    let fixes = server.fixes(&vehicle).await;
    let fix = &fixes[0];
    assert_eq!(fix["trackedAt"], "2025-06-15T13:45:12.862Z");
    assert_eq!(fix["speedMps"], 0.0);
    assert!(fix.get("heading").is_none(), "-1 is unknown: {fix}");
    assert_eq!(fix["batteryPercent"], 100.0);
    assert_eq!(fix["charging"], false);
    assert_eq!(
        fix["attributes"],
        json!({ "is_moving": false, "odometer": 0.0, "event": "motionchange", "activity": "still" })
    );
}

#[tokio::test]
async fn any_method_and_path_on_the_dedicated_port_post_slash_on_the_main_one() {
    let server = Server::new().await;
    let vehicle = server.vehicle("OSM-3", "dev-3").await;
    let requests = [
        (
            "GET",
            "/?id=dev-3&lat=1&lon=1&timestamp=1718459112",
            None,
            "",
        ),
        (
            "PUT",
            "/osmand?deviceid=dev-3&location=2,2&timestamp=1718459113",
            None,
            "",
        ),
        (
            "POST",
            "/",
            Some("application/x-www-form-urlencoded"),
            "id=dev-3&lat=3&lon=3&timestamp=2024-06-15%2013%3A45%3A14",
        ),
    ];
    for (method, uri, content_type, body) in requests {
        let answer = server.device(method, uri, content_type, body).await;
        assert_eq!(answer, (200, String::new()), "{method} {uri}");
    }
    // The main port: POST / is the protocol.
    let (status, body) = TestDb::raw(
        &server.api,
        "POST",
        "/?id=dev-3&lat=4&lon=4&timestamp=1718459115",
        None,
        "",
    )
    .await;
    assert_eq!((status, body.as_str()), (200, ""));
    let latitudes: Vec<f64> = server
        .fixes(&vehicle)
        .await
        .iter()
        .map(|f| f["latitude"].as_f64().unwrap())
        .collect();
    assert_eq!(latitudes, [1.0, 2.0, 3.0, 4.0]);
}

#[tokio::test]
async fn the_whole_server_routes_post_slash_to_the_protocol_and_get_slash_to_the_page() {
    let server = Server::new().await;
    server.vehicle("OSM-4", "dev-4").await;
    let app = crate::server::router(server.db.state().await);
    let (status, body) = TestDb::raw(&app, "POST", "/?id=dev-4&lat=1&lon=1", None, "").await;
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, page) = TestDb::raw(&app, "GET", "/", None, "").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<html"), "the web app's page: {page}");
    assert_eq!(server.db.event_count().await, 3);
}

#[tokio::test]
async fn an_unknown_device_is_answered_as_a_known_one_and_counted_and_a_missing_id_is_refused() {
    let server = Server::new().await;
    server.vehicle("OSM-5", "known").await;
    let events = server.db.event_count().await;

    let known = server
        .device("POST", "/?id=known&lat=1&lon=1", None, "")
        .await;
    let stranger = server
        .device("POST", "/?id=stranger&lat=1&lon=1", None, "")
        .await;
    assert_eq!(stranger, known, "the same answer: ids cannot be probed");
    assert_eq!(stranger, (200, String::new()));
    let stranger_json = TRACCAR_JSON.replace("48241179", "stranger");
    let (status, body) = server
        .device("POST", "/", Some("application/json"), stranger_json)
        .await;
    assert_eq!((status, body.as_str()), (200, ""));
    let (status, reason) = server.device("POST", "/?lat=1&lon=1", None, "").await;
    assert_eq!(status, 400);
    assert!(reason.contains("id"), "{reason}");

    assert_eq!(
        server.db.event_count().await,
        events + 1,
        "only the known device's fix"
    );
    let (status, health) = server.json("GET", "/health", Value::Null).await;
    assert_eq!(status, 200);
    assert_eq!(health["unknownDeviceFixes"], 2, "{health}");
}

/// Over real HTTP requests with their peer address: after 10 unknown ids within a minute, every
/// request from that address waits, the known device's too, so the delay tells nothing.
#[tokio::test]
async fn an_address_that_keeps_sending_unknown_ids_is_slowed_down_and_others_are_not() {
    use axum::extract::ConnectInfo;
    use std::time::{Duration, Instant};

    let server = Server::new().await;
    server.vehicle("OSM-6", "mine").await;
    let from = |ip: &str, uri: String| {
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
        let request = axum::http::Request::post(uri)
            .extension(ConnectInfo(addr))
            .body(axum::body::Body::empty())
            .unwrap();
        let devices = server.devices.clone();
        async move {
            let started = Instant::now();
            let response = tower::ServiceExt::oneshot(devices, request).await.unwrap();
            (response.status().as_u16(), started.elapsed())
        }
    };
    for n in 0..10 {
        let (status, took) = from("10.1.1.1", format!("/?id=probe-{n}&lat=1&lon=1")).await;
        assert_eq!(status, 200);
        assert!(
            took < super::unknown_devices::DELAY,
            "request {n} took {took:?}"
        );
    }
    let (status, took) = from("10.1.1.1", "/?id=mine&lat=1&lon=1".into()).await;
    assert_eq!(status, 200);
    assert!(
        took >= super::unknown_devices::DELAY,
        "the prober waits: {took:?}"
    );
    let (status, took) = from("10.2.2.2", "/?id=mine&lat=1&lon=2".into()).await;
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(2),
        "another address does not: {took:?}"
    );
}

#[tokio::test]
async fn bad_input_is_a_plain_text_400_and_stores_nothing() {
    let server = Server::new().await;
    server.vehicle("OSM-6", "dev-6").await;
    let events = server.db.event_count().await;
    let in_ten_minutes = (Utc::now() + Duration::minutes(10)).timestamp();
    let cases: Vec<(String, Option<&str>, String, &str)> = vec![
        (
            "/?id=dev-6&lat=abc&lon=1".into(),
            None,
            String::new(),
            "lat",
        ),
        ("/?id=dev-6&lat=91&lon=1".into(), None, String::new(), "lat"),
        (
            "/?id=dev-6&lat=1&lon=1&batt=101".into(),
            None,
            String::new(),
            "batt",
        ),
        (
            "/?id=dev-6&lat=1&lon=1&timestamp=yesterday".into(),
            None,
            String::new(),
            "timestamp",
        ),
        (
            format!("/?id=dev-6&lat=1&lon=1&timestamp={in_ten_minutes}"),
            None,
            String::new(),
            "future",
        ),
        (
            "/".into(),
            Some("application/json"),
            TRACCAR_JSON
                .replace("\"latitude\":37.42", "\"latitude\":\"37.42\"")
                .replace("48241179", "dev-6"),
            "latitude",
        ),
        (
            "/".into(),
            Some("application/json"),
            "{\"device_id\":".into(),
            "JSON",
        ),
        (
            "/".into(),
            Some("application/x-www-form-urlencoded"),
            format!("id=dev-6&lat=1&lon=1&padding={}", "x".repeat(70 * 1024)),
            "KiB",
        ),
    ];
    for (uri, content_type, body, named) in cases {
        let (status, reason) = server.device("POST", &uri, content_type, body).await;
        assert_eq!(status, 400, "{uri}: {reason}");
        assert!(
            reason.contains(named),
            "{uri}: {reason:?} should name {named}"
        );
    }
    assert_eq!(server.db.event_count().await, events);
}

#[tokio::test]
async fn a_fix_sent_again_is_stored_once() {
    let server = Server::new().await;
    let vehicle = server.vehicle("OSM-7", "48241179").await;
    let events = server.db.event_count().await;
    // The client retries when it saw no answer; the server may have stored the first try.
    for _ in 0..3 {
        let answer = server
            .device("POST", "/", Some("application/json"), TRACCAR_JSON)
            .await;
        assert_eq!(answer, (200, String::new()));
    }
    // The same fix in the query form (same device, time and coordinates) is the same fix too.
    let answer = server
        .device(
            "POST",
            "/?id=48241179&timestamp=2025-06-15T13:45:12.862Z&lat=37.42&lon=-122.08",
            None,
            "",
        )
        .await;
    assert_eq!(answer, (200, String::new()));
    assert_eq!(server.db.event_count().await, events + 1);

    // Another time or place is another fix.
    let moved = TRACCAR_JSON.replace("37.42", "37.43");
    server
        .device("POST", "/", Some("application/json"), moved)
        .await;
    assert_eq!(server.db.event_count().await, events + 2);
    assert_eq!(server.fixes(&vehicle).await.len(), 2);
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn late_fixes_land_where_they_belong() {
    let server = Server::new().await;
    let vehicle = server
        .db
        .given_registered("LATE-9", base() - Duration::days(1))
        .await;
    server.db.given_assigned("phone-9", vehicle).await;
    // Sent in this order: 12:10, then a buffered 12:00 and 12:05 once back online.
    for (minute, latitude) in [(10, 10.0), (0, 0.0), (5, 5.0)] {
        let at = (base() + Duration::minutes(minute)).timestamp();
        let answer = server
            .device(
                "POST",
                &format!("/?id=phone-9&timestamp={at}&lat={latitude}&lon=1"),
                None,
                "",
            )
            .await;
        assert_eq!(answer, (200, String::new()));
    }
    server.db.catch_up().await;

    let (status, current) = server
        .json(
            "GET",
            &format!("/vehicle-current-location/{vehicle}"),
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{current}");
    assert_eq!(
        current["latitude"], 10.0,
        "the latest device time, not the last arrival"
    );

    for (minute, expected) in [(1, 0.0), (7, 5.0), (12, 10.0)] {
        let at = (base() + Duration::minutes(minute))
            .to_rfc3339()
            .replace('+', "%2B");
        let (status, fleet) = server
            .json("GET", &format!("/fleet?at={at}"), Value::Null)
            .await;
        assert_eq!(status, 200, "{fleet}");
        assert_eq!(fleet[0]["latitude"], expected, "at 12:{minute:02}: {fleet}");
    }
    let (_, before) = server
        .json(
            "GET",
            &format!(
                "/fleet?at={}",
                (base() - Duration::minutes(1))
                    .to_rfc3339()
                    .replace('+', "%2B")
            ),
            Value::Null,
        )
        .await;
    assert_eq!(before[0]["latitude"], Value::Null, "no fix yet at 11:59");
}
