use std::time::Duration;

use chrono::Utc;

use super::{LiveFeed, LiveUpdate};
use crate::fleet::fix::Fix;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{given_fix, TestDb};
use event_store::Wakeups;

#[tokio::test]
async fn pushes_registrations_and_fixes_as_they_are_committed() {
    let db = TestDb::new().await;
    let before = db.given_registered("OLD-1", Utc::now()).await;
    let feed = LiveFeed::start(
        db.store.clone(),
        Wakeups::listen(db.pool(), Duration::from_secs(30)),
    )
    .await
    .unwrap();
    let mut updates = feed.subscribe();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let registered = db.given_registered("NEW-1", Utc::now()).await;
    let fix = Fix {
        vehicle: VehicleRef::Id(before),
        latitude: 3.0,
        longitude: 4.0,
        tracked_at: None,
        location_tracked_id: None,
        extras: Default::default(),
    };
    given_fix(&db.store, &fix, Utc::now()).await;

    // What came after the start, in commit order, woken by notifications (the poll is 30 s).
    // Events committed just before the start may come too, while an older transaction of the
    // cluster is still open: the feed repeats rather than skips.
    let mut received = Vec::new();
    while received.len() < 2 {
        let update = tokio::time::timeout(Duration::from_secs(5), updates.recv())
            .await
            .unwrap()
            .unwrap()
            .update;
        if !matches!(&update, LiveUpdate::VehicleRegistered { vehicle_license_plate, .. } if vehicle_license_plate == "OLD-1")
        {
            received.push(update);
        }
    }
    assert!(
        matches!(&received[0], LiveUpdate::VehicleRegistered { vehicle_registered_id, .. } if *vehicle_registered_id == registered),
        "{received:?}"
    );
    assert!(
        matches!(received[1], LiveUpdate::LocationTracked { latitude, longitude, vehicle_registered_id, .. }
            if (latitude, longitude) == (3.0, 4.0) && vehicle_registered_id == before),
        "{received:?}"
    );
}

/// `GET /live` on `app` (with `last_event_id`, if any): the stream's body, open.
async fn open_stream(app: &axum::Router, last_event_id: Option<&str>) -> axum::response::Response {
    use tower::ServiceExt;
    let mut request = axum::http::Request::get("/live");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let request = request.body(axum::body::Body::empty()).unwrap();
    app.clone().oneshot(request).await.unwrap()
}

/// The stream's next fixes, as (id, data), until `count` came (5 s at most). (Registrations
/// committed just before a stream opened may come too: the feed repeats rather than skips.)
async fn next_fixes(body: &mut axum::body::Body, count: usize) -> Vec<(String, String)> {
    use http_body_util::BodyExt;
    let mut text = String::new();
    let mut events = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), async {
        while events.len() < count {
            let frame = body.frame().await.unwrap().unwrap();
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
            while let Some((event, rest)) = text.split_once("\n\n") {
                let field = |name: &str| {
                    event
                        .lines()
                        .find_map(|line| line.strip_prefix(name))
                        .map(|value| value.trim_start().to_string())
                };
                if let (Some(id), Some(data)) = (field("id:"), field("data:")) {
                    if data.contains(r#""type":"LocationTracked""#) {
                        events.push((id, data));
                    }
                }
                text = rest.to_string();
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} events did not come; got {events:?}"));
    events
}

#[tokio::test]
async fn a_stream_reopened_with_the_last_event_id_first_sends_what_was_missed() {
    let db = TestDb::new().await;
    let app = db.api().await;
    let vehicle = db.given_registered("GAP-1", Utc::now()).await;
    let mut first = open_stream(&app, None).await.into_body();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fix = |latitude| serde_json::json!({ "vehicleRegisteredId": vehicle, "latitude": latitude, "longitude": 1.0 });
    assert_eq!(db.post("/track-location", fix(1.0)).await.0, 200);
    let (last_id, _) = next_fixes(&mut first, 1).await.remove(0);
    drop(first);

    // Missed while no stream was open.
    assert_eq!(db.post("/track-location", fix(2.0)).await.0, 200);
    assert_eq!(db.post("/track-location", fix(3.0)).await.0, 200);
    let mut resumed = open_stream(&app, Some(&last_id)).await.into_body();
    assert_eq!(db.post("/track-location", fix(4.0)).await.0, 200);
    let latitudes: Vec<f64> = next_fixes(&mut resumed, 3)
        .await
        .iter()
        .map(|(_, data)| {
            serde_json::from_str::<serde_json::Value>(data).unwrap()["latitude"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(latitudes, [2.0, 3.0, 4.0], "each once, in order");
}

#[tokio::test]
async fn beyond_the_cap_a_stream_is_refused_503_until_one_closes() {
    let db = TestDb::new().await;
    let mut state = db.state().await;
    state.live_streams = super::LiveStreams::new(2);
    let app = db.api_on(state).await;
    let first = open_stream(&app, None).await;
    let second = open_stream(&app, None).await;
    assert_eq!(
        (first.status().as_u16(), second.status().as_u16()),
        (200, 200)
    );
    let refused = open_stream(&app, None).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let body = http_body_util::BodyExt::collect(refused.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "too_many_live_streams", "{body}");

    drop(first);
    assert_eq!(open_stream(&app, None).await.status(), 200);
}
