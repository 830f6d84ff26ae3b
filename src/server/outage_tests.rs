//! A database outage, for real: PostgreSQL (a cluster of the test's own) is stopped under a
//! serving app. Every kind of request answers 503 `database_unavailable` with `Retry-After`
//! within seconds — none hangs, none is a bare 500 — and when PostgreSQL is back the app recovers
//! by itself: appends succeed, and the projections, the fleet index and the live feed resume.

use std::time::{Duration, Instant};

use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::fleet::live_updates::LiveUpdate;
use crate::test_support::{admin_token_on, eventually, serving_state, with_token};
use event_store::testing::PrivateCluster;

/// The bound the issue sets is about 2 s; the test allows for a busy machine, and still fails
/// on a request that waits for PostgreSQL to come back.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// How long the readers may take to resume once appends go through again.
const RESUME_WITHIN: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_down_requests_answer_503_at_once_and_the_app_recovers_by_itself() {
    let cluster = PrivateCluster::start();
    let store = crate::server::open_store(&cluster.url("fleetline"), 8)
        .await
        .unwrap();
    let token = admin_token_on(&store).await;
    let state = serving_state(&store).await;
    let mut live = state.live.subscribe();
    let api = with_token(crate::server::router(state.clone()), &token);
    let (status, registered) = answer(&api, "POST", "/register-vehicle", plate("DOWN-1")).await;
    assert_eq!(status, 200, "{registered}");
    let vehicle = registered["vehicleRegisteredId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        answer(&api, "POST", "/track-location", fix(&vehicle, 50.0))
            .await
            .0,
        200
    );

    cluster.stop();
    // The token check's cache (1 s) forgets, so each request needs the database.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let down = [
        ("GET", "/vehicles".to_string(), Value::Null),
        ("GET", format!("/vehicles/{vehicle}"), Value::Null),
        ("GET", format!("/vehicles/{vehicle}/events"), Value::Null),
        ("POST", "/track-location".to_string(), fix(&vehicle, 50.5)),
        (
            "POST",
            "/track-locations".to_string(),
            json!([fix(&vehicle, 50.6)]),
        ),
        ("POST", "/register-vehicle".to_string(), plate("DOWN-2")),
        ("GET", "/health".to_string(), Value::Null),
    ];
    let answers = futures::future::join_all(down.iter().map(|(method, uri, body)| {
        let api = api.clone();
        async move {
            let started = Instant::now();
            let response = tokio::time::timeout(ANSWER_WITHIN, raw(&api, method, uri, body))
                .await
                .unwrap_or_else(|_| panic!("{method} {uri} hangs while PostgreSQL is down"));
            (method, uri, started.elapsed(), response)
        }
    }))
    .await;
    for (method, uri, took, (status, retry_after, body)) in answers {
        assert_eq!(status, 503, "{method} {uri}: {body}");
        assert_eq!(
            body["error"]["code"], "database_unavailable",
            "{method} {uri}: {body}"
        );
        assert_eq!(retry_after.as_deref(), Some("2"), "{method} {uri}");
        println!("{method} {uri}: 503 in {took:?}");
    }
    // A GPS device on its own port (no JSON there: a plain-text reason) is told the same.
    let devices = crate::fleet::osmand::http::router(state.clone());
    let sent = crate::test_support::TestDb::response(&devices, "POST", "/?id=d1&lat=50.7&lon=8");
    let refused = tokio::time::timeout(ANSWER_WITHIN, sent)
        .await
        .expect("a device's fix hangs while PostgreSQL is down");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "2");

    cluster.start_server();
    // Back by itself: the first append that gets through, then every reader catches up.
    let recovered = Instant::now();
    let mut last = (0, Value::Null);
    while recovered.elapsed() < Duration::from_secs(20) {
        last = answer(&api, "POST", "/track-location", fix(&vehicle, 51.0)).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(last.0, 200, "appends do not recover: {}", last.1);
    println!(
        "appends recovered {:?} after PostgreSQL started",
        recovered.elapsed()
    );
    eventually("the projections resume", RESUME_WITHIN, || async {
        let (_, vehicle) = answer(&api, "GET", &format!("/vehicles/{vehicle}"), Value::Null).await;
        vehicle["latitude"] == 51.0
    })
    .await;
    eventually("the fleet index resumes", RESUME_WITHIN, || async {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (_, fleet) = answer(&api, "GET", &format!("/fleet?at={now}"), Value::Null).await;
        fleet[0]["latitude"] == 51.0
    })
    .await;
    let resumed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Ok(LiveUpdate::LocationTracked { latitude, .. }) =
                live.recv().await.map(|p| p.update)
            {
                if latitude == 51.0 {
                    return;
                }
            }
        }
    })
    .await;
    assert!(resumed.is_ok(), "the live feed does not resume");
    // The refused requests stored nothing: the log holds the 50.0 and 51.0 fixes only.
    let (_, events) = answer(
        &api,
        "GET",
        &format!("/vehicles/{vehicle}/events"),
        Value::Null,
    )
    .await;
    let fixes: Vec<&Value> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventType"] == "LocationTracked")
        .collect();
    assert_eq!(fixes.len(), 2, "{events}");
}

fn plate(plate: &str) -> Value {
    json!({ "vehicleLicensePlate": plate })
}

fn fix(vehicle: &str, latitude: f64) -> Value {
    json!({ "vehicleRegisteredId": vehicle, "latitude": latitude, "longitude": 8.0 })
}

async fn answer(api: &Router, method: &str, uri: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = raw(api, method, uri, &body).await;
    (status, body)
}

/// The status, `Retry-After` and JSON body of one request.
async fn raw(api: &Router, method: &str, uri: &str, body: &Value) -> (u16, Option<String>, Value) {
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let response = api.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, retry_after, body)
}
