//! Access control read off the router itself: every mounted route and every registered server
//! function, called by every kind of caller, answers exactly what its access allows. A route
//! or a server function added later is in these lists without anyone writing a test for it.

use std::collections::BTreeSet;

use axum::http::Method;

use super::{check, server_fns};
use crate::fleet::access::{Access, Actor, Principal, Role};
use crate::test_support::{send, sign_in, TestDb};

/// A vehicle of the group "North", named in the paths that name one.
struct Named {
    vehicle_id: uuid::Uuid,
    plate: &'static str,
    group_id: uuid::Uuid,
}

impl Named {
    /// Made up: paths name nothing that exists.
    fn nothing() -> Self {
        Named {
            vehicle_id: uuid::Uuid::now_v7(),
            plate: "ABC-1234",
            group_id: uuid::Uuid::now_v7(),
        }
    }

    fn names_the_vehicle(&self, path: &str) -> bool {
        path.contains(&self.vehicle_id.to_string()) || path.contains(self.plate)
    }
}

/// Every route and server function: method, a path to call, what it needs.
fn everything_mounted(named: &Named) -> Vec<(Method, String, Access)> {
    let mut all: Vec<_> = crate::http::routes()
        .table()
        .iter()
        .map(|route| {
            let path = route
                .path
                .replace("{vehicle_id}", &named.vehicle_id.to_string())
                .replace("{plate}", named.plate)
                .replace("{group_id}", &named.group_id.to_string());
            (route.method.clone(), path, route.access)
        })
        .collect();
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let access = server_fns::required(path)
            .flatten()
            .unwrap_or_else(|| panic!("{path} is registered but not in SERVER_FNS"));
        all.push((method, path.to_string(), access));
    }
    all
}

fn as_principal(role: Role) -> Principal {
    Principal {
        actor: Actor::Token {
            token_id: uuid::Uuid::nil(),
            name: "test".into(),
        },
        role,
        scope: Default::default(),
    }
}

/// Who calls, their role, whether their credential is valid, and the headers they send.
type Caller = (String, Option<Role>, bool, Vec<(&'static str, String)>);

const OTHER_GROUPS_MANAGER: &str = "manager token of another group";

#[tokio::test]
async fn every_route_answers_each_role_exactly_as_its_access_allows() {
    let db = TestDb::new().await;
    let app = db.app().await;
    let (north, south) = (db.given_group("North").await, db.given_group("South").await);
    let named = Named {
        vehicle_id: db.given_registered("NORTH-1", chrono::Utc::now()).await,
        plate: "NORTH-1",
        group_id: north,
    };
    db.given_placed(named.vehicle_id, north).await;
    db.catch_up().await;
    let mut callers: Vec<Caller> = vec![("anonymous".into(), None, true, vec![])];
    // Sees every route a manager sees, but not North's vehicle: 404, as if it did not exist.
    let bearer = format!("Bearer {}", db.token_in(Role::Manager, &[south]).await);
    callers.push((
        OTHER_GROUPS_MANAGER.into(),
        Some(Role::Manager),
        true,
        vec![("authorization", bearer)],
    ));
    for role in Role::ALL {
        let bearer = format!("Bearer {}", db.token(role).await);
        callers.push((
            format!("{role} token"),
            Some(role),
            true,
            vec![("authorization", bearer)],
        ));
    }
    // A credential sent must be valid wherever it goes, even where none is needed.
    let revoked = format!("Bearer {}", revoked_admin_token(&db).await);
    callers.push((
        "revoked admin token".into(),
        None,
        false,
        vec![("authorization", revoked)],
    ));
    callers.push((
        "malformed credential".into(),
        None,
        false,
        vec![("authorization", "Basic YWRtaW46YWRtaW4=".into())],
    ));
    let mounted = everything_mounted(&named);
    assert!(mounted.len() >= 30, "the router was read: {mounted:?}");

    let mut wrong = Vec::new();
    for (method, path, access) in &mounted {
        for (caller, role, valid, headers) in &callers {
            let mut headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            headers.push((
                "content-type",
                if path.starts_with("/api/") {
                    "application/x-www-form-urlencoded"
                } else {
                    "application/json"
                },
            ));
            let status = status_of(&app, method, path, &headers).await;
            let expected = if *valid {
                check(role.map(as_principal).as_ref(), *access)
            } else {
                Err(crate::error::AppError::unauthenticated())
            };
            let hidden = caller == OTHER_GROUPS_MANAGER && named.names_the_vehicle(path);
            let right = match &expected {
                Err(error) => status == error.status().as_u16(),
                // Reads answer 404; a command's empty body may be refused first, but it is never
                // taken.
                Ok(()) if hidden && *method == Method::GET => status == 404,
                Ok(()) if hidden => !(200..300).contains(&status),
                Ok(()) => status != 401 && status != 403,
            };
            if !right {
                wrong.push(format!(
                    "{method} {path} as {caller}: {status}, expected {}",
                    expected.map_or_else(
                        |e| e.status().to_string(),
                        |()| "neither 401 nor 403".into()
                    )
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Only the status: `/live` streams for ever once allowed.
async fn status_of(
    app: &axum::Router,
    method: &Method,
    path: &str,
    headers: &[(&str, &str)],
) -> u16 {
    use tower::ServiceExt;
    let mut request = axum::http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app
        .clone()
        .oneshot(request.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    response.status().as_u16()
}

async fn revoked_admin_token(db: &TestDb) -> String {
    let token = db.token(Role::Admin).await;
    let (token_id, _) = crate::fleet::access::secrets::parse_token(&token).unwrap();
    crate::fleet::revoke_token::revoke(&db.store, token_id, &crate::fleet::access::CausedBy::cli())
        .await
        .unwrap();
    token
}

#[test]
fn the_access_table_names_exactly_the_registered_server_functions() {
    let registered: BTreeSet<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_string())
        .collect();
    let listed: BTreeSet<String> = server_fns::SERVER_FNS
        .iter()
        .map(|(name, _)| format!("{}{name}", server_fns::PREFIX))
        .collect();
    assert_eq!(registered, listed);
}

#[tokio::test]
async fn an_unknown_server_function_is_refused_even_to_an_admin() {
    let db = TestDb::new().await;
    let (status, body) = send(&db.api().await, "POST", "/api/drop_everything", &[], "").await;
    assert_eq!(status, 403, "{body}");
}

#[tokio::test]
async fn a_cross_site_post_is_refused_on_every_state_changing_route_even_signed_in() {
    let db = TestDb::new().await;
    let app = db.app().await;
    db.given_user("dana@example.com", Role::Admin, "correct horse")
        .await;
    let (_, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    let cookie = cookie.expect("signed in");
    let before = db.store.count().await.unwrap();
    let posts: Vec<_> = everything_mounted(&Named::nothing())
        .into_iter()
        .filter(|(method, _, _)| method == Method::POST)
        .collect();
    assert!(posts.len() >= 20, "{posts:?}");
    for (_, path, _) in posts {
        let (status, body) = send(
            &app,
            "POST",
            &path,
            &[
                ("cookie", &cookie),
                ("host", "fleet.example.com"),
                ("origin", "https://attacker.example"),
                ("sec-fetch-site", "cross-site"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "vehicle_license_plate=CSRF-1",
        )
        .await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(body.contains("\"forbidden\""), "{path}: {body}");
    }
    assert_eq!(db.store.count().await.unwrap(), before, "nothing stored");
    // The same form from the app's own page is taken.
    let (status, body) = send(
        &app,
        "POST",
        "/api/register_vehicle",
        &[
            ("cookie", &cookie),
            ("host", "fleet.example.com"),
            ("origin", "https://fleet.example.com"),
            ("sec-fetch-site", "same-origin"),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        "vehicle_license_plate=SAME-1",
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// Routes reach the router only through `Routes` (which takes their access): a `.route(` call
/// anywhere else would mount a route that neither the gate's table nor this file's test knows.
/// The two fallbacks allowed: the pages' (Leptos answers every other path with the page, which
/// shows a signed-out visitor the login) and the OsmAnd listener's (every path, on a port of its
/// own).
#[test]
fn no_route_is_mounted_around_the_access_table() {
    let around: Vec<_> = crate::test_support::rust_sources()
        .into_iter()
        .filter(|(path, text)| {
            !path.ends_with("http/routes.rs")
                && !path.ends_with("route_access_tests.rs")
                && (text.contains(".route(")
                    || text.contains(".route_service(")
                    || text.contains(".nest("))
        })
        .map(|(path, _)| path)
        .collect();
    assert!(
        around.is_empty(),
        "routes mounted without an access: {around:?}"
    );
}

/// What the product asks of each route and server function (docs/access.md), written out by
/// hand: the tables the code enforces must say the same, so a wrong entry there (say, `add_user`
/// open to anyone) fails here even though the calls above would agree with it.
const EXPECTED: &[(&str, &str, Access)] = &[
    ("POST", "/", Access::Anyone),
    ("GET", "/health", Access::Anyone),
    ("GET", "/openapi.json", Access::Read),
    ("GET", "/api-docs", Access::Anyone),
    ("POST", "/track-location", Access::Ingest),
    ("POST", "/track-locations", Access::Ingest),
    ("GET", "/vehicles", Access::Read),
    ("GET", "/vehicles/{vehicle_id}", Access::Read),
    ("GET", "/vehicles/by-plate/{plate}", Access::Read),
    (
        "GET",
        "/vehicle-current-location/{vehicle_id}",
        Access::Read,
    ),
    ("GET", "/vehicles/{vehicle_id}/events", Access::Read),
    ("GET", "/vehicles/{vehicle_id}/trail", Access::Read),
    ("GET", "/fleet", Access::Read),
    ("GET", "/fleet/activity", Access::Read),
    ("GET", "/live", Access::Read),
    ("POST", "/register-vehicle", Access::Manage),
    ("POST", "/vehicles/{vehicle_id}/device", Access::Manage),
    (
        "POST",
        "/vehicles/{vehicle_id}/device/unassign",
        Access::Manage,
    ),
    ("GET", "/groups", Access::Read),
    ("POST", "/groups", Access::Administer),
    ("POST", "/groups/{group_id}/vehicles", Access::Manage),
    ("POST", "/api/who_am_i", Access::Anyone),
    ("POST", "/api/log_in", Access::Anyone),
    ("POST", "/api/log_out", Access::Anyone),
    ("POST", "/api/create_first_admin", Access::Anyone),
    ("POST", "/api/list_vehicles", Access::Read),
    ("POST", "/api/get_vehicle", Access::Read),
    ("POST", "/api/get_map_settings", Access::Read),
    ("POST", "/api/get_fleet_at", Access::Read),
    ("POST", "/api/get_timeline_start", Access::Read),
    ("POST", "/api/get_fleet_activity", Access::Read),
    ("POST", "/api/vehicle_current_location", Access::Read),
    ("POST", "/api/vehicle_events", Access::Read),
    ("POST", "/api/vehicle_history", Access::Read),
    ("POST", "/api/get_vehicle_trail", Access::Read),
    ("POST", "/api/track_location", Access::Ingest),
    ("POST", "/api/register_vehicle", Access::Manage),
    ("POST", "/api/assign_device", Access::Manage),
    ("POST", "/api/unassign_device", Access::Manage),
    ("POST", "/api/list_groups", Access::Read),
    ("POST", "/api/create_group", Access::Administer),
    ("POST", "/api/place_in_group", Access::Manage),
    ("POST", "/api/list_accounts", Access::Administer),
    ("POST", "/api/add_user", Access::Administer),
    ("POST", "/api/disable_user", Access::Administer),
    ("POST", "/api/change_user_access", Access::Administer),
    ("POST", "/api/issue_token", Access::Administer),
    ("POST", "/api/revoke_token", Access::Administer),
];

#[test]
fn the_code_gives_each_route_the_access_the_product_asks_for() {
    let mut enforced: Vec<(String, String, Access)> = crate::http::routes()
        .table()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string(), r.access))
        .collect();
    for (name, access) in server_fns::SERVER_FNS {
        enforced.push((
            "POST".into(),
            format!("{}{name}", server_fns::PREFIX),
            *access,
        ));
    }
    let mut expected: Vec<(String, String, Access)> = EXPECTED
        .iter()
        .map(|(m, p, a)| (m.to_string(), p.to_string(), *a))
        .collect();
    let key = |r: &(String, String, Access)| (r.0.clone(), r.1.clone());
    enforced.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(enforced, expected);
}
