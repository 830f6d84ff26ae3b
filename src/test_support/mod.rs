//! Test helpers: a throw-away database per test (so tests run in parallel and leave nothing
//! behind), the HTTP API on it, and a way to wait for the read models.

use axum::{body::Body, http::Request, Router};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use tower::ServiceExt;
use uuid::Uuid;

use std::time::Duration;

use axum::http::{header::AUTHORIZATION, HeaderValue};
use tower_http::set_header::SetRequestHeaderLayer;

mod http;

pub use http::{call_api, eventually, send, session_cookie, sign_in};

use crate::app::MapSettings;
use crate::fleet::access::Role;
use crate::fleet::events::{DeviceAssigned, LocationTracked, VehicleRegistered, VehicleScope};
use crate::fleet::fix::Fix;
use crate::fleet::fleet_index::FleetIndex;
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::projections;
use crate::fleet::registrations::resolve_vehicle;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::server::AppState;
use event_store::testing::TestDatabase;
use event_store::{EventStore, ProjectionRunner, Wakeups};

/// A database of its own, migrated, dropped when the test ends (even when it fails).
pub struct TestDb {
    pub store: EventStore,
    api: tokio::sync::OnceCell<Router>,
    admin_token: tokio::sync::OnceCell<String>,
    fleet_index: tokio::sync::OnceCell<FleetIndex>,
    /// Last: the database is dropped after the handles on it.
    _database: TestDatabase,
}

impl TestDb {
    pub async fn new() -> Self {
        Self::with_connections(8).await
    }

    pub async fn with_connections(max_connections: u32) -> Self {
        let database = TestDatabase::create(max_connections).await;
        let store = EventStore::new(database.pool.clone());
        crate::server::migrate(&store)
            .await
            .expect("migrations apply");
        Self {
            store,
            api: tokio::sync::OnceCell::new(),
            admin_token: tokio::sync::OnceCell::new(),
            fleet_index: tokio::sync::OnceCell::new(),
            _database: database,
        }
    }

    pub fn pool(&self) -> &PgPool {
        self.store.pool()
    }

    /// This database's URL, for programs of their own (pg_dump, a server process).
    pub fn url(&self) -> String {
        self._database.url()
    }

    /// Brings every read model, and the fleet index once started, up to the end of the log.
    pub async fn catch_up(&self) {
        if let Some(index) = self.fleet_index.get() {
            until_followed(&self.store, index).await;
        }
        for projection in projections::all() {
            ProjectionRunner::new(self.pool().clone(), projection)
                .catch_up()
                .await
                .expect("projection catches up");
        }
    }

    /// The whole server (API, server functions, pages) on this database, as a client that sends
    /// an admin's API token: what the tests of everything but access control talk to.
    pub async fn api(&self) -> Router {
        self.api
            .get_or_init(|| async { self.api_on(self.state().await).await })
            .await
            .clone()
    }

    /// [`Self::api`] over `state` (shared with another router of the test).
    pub async fn api_on(&self, state: AppState) -> Router {
        with_token(crate::server::router(state), &self.admin_token().await)
    }

    /// The whole server without credentials: the tests of access control add their own.
    pub async fn app(&self) -> Router {
        crate::server::router(self.state().await)
    }

    /// An admin's API token on this database, issued on first use.
    pub async fn admin_token(&self) -> String {
        self.admin_token
            .get_or_init(|| self.token(Role::Admin))
            .await
            .clone()
    }

    /// Given a user of `role` with `password`; answers their id.
    pub async fn given_user(&self, email: &str, role: Role, password: &str) -> Uuid {
        crate::fleet::add_user::add(
            &self.store,
            email,
            role,
            password.into(),
            false,
            &[],
            &crate::fleet::access::CausedBy::cli(),
        )
        .await
        .unwrap()
        .user_id
    }

    /// A new API token of `role`.
    pub async fn token(&self, role: Role) -> String {
        self.token_in(role, &[]).await
    }

    /// A new API token of `role` limited to `groups`.
    pub async fn token_in(&self, role: Role, groups: &[Uuid]) -> String {
        crate::fleet::issue_token::issue(
            &self.store,
            "test",
            role,
            None,
            groups,
            Utc::now(),
            &crate::fleet::access::CausedBy::cli(),
        )
        .await
        .unwrap()
        .token
    }

    /// The state the server's routers run on, over this database.
    pub async fn state(&self) -> AppState {
        let wakeups = Wakeups::listen(self.pool(), Duration::from_secs(1));
        let fleet_index = self.fleet_index().await;
        AppState::new(
            self.store.clone(),
            wakeups,
            fleet_index,
            MapSettings::default(),
            None,
        )
        .await
        .expect("live feed starts")
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
        call_api(self.api().await, method, uri, body).await
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
        let headers: Vec<(&str, &str)> = content_type
            .map(|content_type| ("content-type", content_type))
            .into_iter()
            .collect();
        send(app, method, uri, &headers, body).await
    }

    /// The whole answer of `app` to a bodiless request, headers included.
    pub async fn response(app: &Router, method: &str, uri: &str) -> axum::response::Response {
        let request = Request::builder().method(method).uri(uri);
        app.clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap()
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

    /// The fleet's events: all but the accounts' (the admin token the API client uses is one).
    pub async fn event_count(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM events WHERE NOT tags @> '{accounts}'")
            .fetch_one(self.pool())
            .await
            .unwrap()
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
        given_fix(&self.store, &fix, tracked_at + chrono::Duration::days(1)).await;
    }

    /// Given a registration: `plate` registered at `at`, appended as the event itself (no
    /// command, so a test of one use case does not lean on another). Answers the vehicle's id.
    pub async fn given_registered(&self, plate: &str, at: DateTime<Utc>) -> Uuid {
        let registered = VehicleRegistered {
            vehicle_registered_id: Uuid::now_v7(),
            vehicle_license_plate: LicensePlate::parse(plate).unwrap().to_string(),
            registered_at: at,
        };
        self.store
            .append(&[registered.to_event()], None)
            .await
            .unwrap();
        registered.vehicle_registered_id
    }

    /// Given a vehicle group named `name`; answers its id.
    pub async fn given_group(&self, name: &str) -> Uuid {
        let cli = crate::fleet::access::CausedBy::cli();
        crate::fleet::create_group::create(&self.store, name, None, &cli)
            .await
            .unwrap()
            .group_id
    }

    /// Given `vehicle_id` placed in `group_id`.
    pub async fn given_placed(&self, vehicle_id: Uuid, group_id: Uuid) {
        let cli = crate::fleet::access::CausedBy::cli();
        let whole_fleet = crate::fleet::access::Scope::WholeFleet;
        crate::fleet::place_in_group::place(&self.store, vehicle_id, group_id, &whole_fleet, &cli)
            .await
            .unwrap();
    }

    /// Given an assignment: `device_id` reports `vehicle_id`'s fixes.
    pub async fn given_assigned(&self, device_id: &str, vehicle_id: Uuid) {
        let assigned = DeviceAssigned {
            device_id: device_id.into(),
            scope: VehicleScope {
                vehicle_registered_id: vehicle_id,
            },
            assigned_at: Utc::now(),
        };
        self.store
            .append(&[assigned.to_event(Uuid::now_v7())], None)
            .await
            .unwrap();
    }
}

/// A new admin API token on `store` (a database other than a [`TestDb`]'s: a private cluster's).
pub async fn admin_token_on(store: &EventStore) -> String {
    crate::fleet::issue_token::issue(
        store,
        "test",
        Role::Admin,
        None,
        &[],
        Utc::now(),
        &crate::fleet::access::CausedBy::cli(),
    )
    .await
    .unwrap()
    .token
}

/// `app` as a client that sends `token` with every request (unless the request has its own).
pub fn with_token(app: Router, token: &str) -> Router {
    app.layer(SetRequestHeaderLayer::if_not_present(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    ))
}

/// The state a server started on `store` has (any database: a test's own, a private cluster's),
/// with its projections running.
pub async fn serving_state(store: &EventStore) -> AppState {
    let wakeups = Wakeups::listen(store.pool(), Duration::from_millis(200));
    let state = AppState::new(
        store.clone(),
        wakeups.clone(),
        FleetIndex::default(),
        MapSettings::default(),
        None,
    )
    .await
    .expect("live feed starts");
    crate::server::background::start(&state, &wakeups);
    state
}

/// Given a fix: appended as the event itself, the way the track commands store it (grouped with
/// other writers' fixes), for a test that is not about them.
pub async fn given_fix(store: &EventStore, fix: &Fix, now: DateTime<Utc>) {
    let vehicle_id = resolve_vehicle(store, &fix.vehicle).await.unwrap();
    let event = LocationTracked::of_fix(fix, vehicle_id, now).to_event();
    store.append_grouped(vec![event]).await.unwrap();
}

/// Every `.rs` file under `src/`, by its path relative to `src/`, with its text: what the tests
/// that check the source itself (its architecture, its routes' description) read.
pub fn rust_sources() -> Vec<(std::path::PathBuf, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("src is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("a readable source file");
                let relative = path.strip_prefix(&root).expect("under src").to_path_buf();
                files.push((relative, text));
            }
        }
    }
    files
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

/// Waits (up to 30 s) until `index` has read the whole log of `store`.
pub async fn until_followed(store: &EventStore, index: &FleetIndex) {
    let last = store.last().await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), async {
        while index.cursor() < last {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the fleet index follows the log");
}
