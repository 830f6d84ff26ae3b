//! Test helpers: a throw-away database per test (so tests run in parallel and leave nothing
//! behind), the HTTP API on it, and a way to wait for the read models.

use axum::{body::Body, http::Request, Router};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};
use tower::ServiceExt;
use uuid::Uuid;

use std::time::Duration;

use crate::app::MapSettings;
use crate::event_store::{EventStore, ProjectionRunner, Wakeups};
use crate::fleet::track_location::{track, Fix, VehicleRef};
use crate::fleet::{fleet_at::index::FleetIndex, live_updates::LiveFeed, projections};
use crate::server::AppState;

/// Where tests create their databases: `TEST_DATABASE_URL`, or the local server as `postgres`.
fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own, migrated, dropped when the test ends (even when it fails).
pub struct TestDb {
    pub store: EventStore,
    name: String,
    api: tokio::sync::OnceCell<Router>,
    fleet_index: tokio::sync::OnceCell<FleetIndex>,
}

impl TestDb {
    pub async fn new() -> Self {
        Self::with_connections(8).await
    }

    pub async fn with_connections(max_connections: u32) -> Self {
        let name = format!("fleetline_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("tests need PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let options: PgConnectOptions = admin_url()
            .parse::<PgConnectOptions>()
            .unwrap()
            .database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await
            .expect("connect to the test database");
        let store = EventStore::new(pool);
        store.migrate().await.expect("migrations apply");
        Self {
            store,
            name,
            api: tokio::sync::OnceCell::new(),
            fleet_index: tokio::sync::OnceCell::new(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        self.store.pool()
    }

    /// Brings every read model, and the fleet index once started, up to the end of the log.
    pub async fn catch_up(&self) {
        if let Some(index) = self.fleet_index.get() {
            let last = self.store.last().await.unwrap();
            tokio::time::timeout(Duration::from_secs(30), async {
                while index.cursor() < last {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
            .await
            .expect("the fleet index follows the log");
        }
        for projection in projections::all() {
            ProjectionRunner::new(self.pool().clone(), projection)
                .catch_up()
                .await
                .expect("projection catches up");
        }
    }

    /// The HTTP API, as the server mounts it, on this database.
    pub async fn api(&self) -> Router {
        self.api.get_or_init(|| self.build_api()).await.clone()
    }

    async fn build_api(&self) -> Router {
        crate::http::routes().with_state(self.state().await)
    }

    /// The state the server's routers run on, over this database.
    pub async fn state(&self) -> AppState {
        let wakeups = Wakeups::listen(self.pool(), Duration::from_secs(1));
        AppState {
            leptos_options: leptos::prelude::LeptosOptions::builder()
                .output_name("fleetline")
                .build(),
            store: self.store.clone(),
            live: LiveFeed::start(self.store.clone(), wakeups)
                .await
                .expect("live feed starts"),
            map: MapSettings::default(),
            osmand: Default::default(),
            fleet_index: self.fleet_index().await,
        }
    }

    /// This database's fleet index, started on first use.
    pub async fn fleet_index(&self) -> FleetIndex {
        self.fleet_index
            .get_or_init(|| async {
                let wakeups = Wakeups::listen(self.pool(), Duration::from_millis(200));
                FleetIndex::start(&self.store, wakeups)
                    .await
                    .expect("fleet index loads")
            })
            .await
            .clone()
    }

    /// Sends one request to the API; answers the status and the JSON body (`Null` when empty).
    pub async fn call(&self, method: &str, uri: &str, body: impl Into<Body>) -> (u16, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(body.into())
            .unwrap();
        let response = self.api().await.oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
        };
        (status, json)
    }

    /// Sends one raw request to `app` (any router: the API, the whole server, the OsmAnd
    /// listener), with the content type given or none; answers the status and the body as text.
    pub async fn raw(
        app: &Router,
        method: &str,
        uri: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> (u16, String) {
        let mut request = Request::builder().method(method).uri(uri);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let response = app
            .clone()
            .oneshot(request.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Registers a vehicle through the API; answers its id.
    pub async fn register(&self, plate: &str) -> String {
        let (status, body) = self
            .post(
                "/register-vehicle",
                serde_json::json!({ "vehicleLicensePlate": plate }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["vehicleRegisteredId"].as_str().unwrap().to_string()
    }

    pub async fn post(&self, uri: &str, body: Value) -> (u16, Value) {
        self.call("POST", uri, body.to_string()).await
    }

    pub async fn get(&self, uri: &str) -> (u16, Value) {
        self.call("GET", uri, Body::empty()).await
    }

    pub async fn event_count(&self) -> i64 {
        self.store.count().await.unwrap()
    }

    /// Stores a fix of `vehicle` taken at `tracked_at`, recorded a day later (as imported
    /// history, or a tracker's offline buffer, arrives).
    pub async fn fix_at(
        &self,
        vehicle: VehicleRef,
        tracked_at: DateTime<Utc>,
        (latitude, longitude): (f64, f64),
    ) {
        let fix = Fix {
            vehicle,
            latitude,
            longitude,
            tracked_at: Some(tracked_at),
            location_tracked_id: None,
            extras: Default::default(),
        };
        let recorded_at = tracked_at + chrono::Duration::days(1);
        track(&self.store, &FleetIndex::default(), &fix, recorded_at)
            .await
            .unwrap();
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop cannot await: drop the database from a thread with a runtime of its own.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Asserts an API error: status, code and field, as `{"error":{"code","message","field"}}`.
#[track_caller]
pub fn assert_error(response: &(u16, Value), status: u16, code: &str, field: Option<&str>) {
    let (actual, body) = response;
    assert_eq!(*actual, status, "status of {body}");
    assert_eq!(body["error"]["code"], code, "code in {body}");
    assert_eq!(body["error"]["field"].as_str(), field, "field in {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "message in {body}"
    );
}
