//! The description is generated from the routes as they are mounted; these tests check that it
//! says what the router does (every mounted route described once, with the access it needs),
//! that it is valid where a generator can go wrong, and that `docs/openapi.json` is a copy of it.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::openapi::render;
use super::routes::access_name;

fn description() -> Value {
    serde_json::from_str(&render(&crate::http::routes())).expect("the description is JSON")
}

#[test]
fn the_description_lists_exactly_the_mounted_routes_and_what_each_needs() {
    let mounted: BTreeSet<(String, String, String)> = crate::http::routes()
        .table()
        .iter()
        .map(|route| {
            (
                route.path.clone(),
                route.method.as_str().to_lowercase(),
                access_name(route.access).to_string(),
            )
        })
        .collect();
    let mut described = BTreeSet::new();
    for (path, item) in description()["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let access = operation["x-access"].as_str().unwrap_or("(no x-access)");
            described.insert((path.clone(), method.clone(), access.to_string()));
        }
    }
    assert!(mounted.len() >= 18, "the routes were read: {mounted:?}");
    assert_eq!(mounted, described);
}

/// Every `$ref` points at a component that exists, every path parameter is declared, and every
/// operation has a summary: what a reader and a client generator need.
#[test]
fn every_reference_resolves_and_every_operation_is_summarised() {
    let description = description();
    let text = description.to_string();
    let mut references = 0;
    for piece in text.split("\"$ref\":\"#/components/").skip(1) {
        let reference = &piece[..piece.find('"').expect("a closing quote")];
        let (kind, name) = reference.split_once('/').expect("kind/name");
        assert!(
            description["components"][kind][name].is_object(),
            "#/components/{reference} does not exist"
        );
        references += 1;
    }
    assert!(references > 20, "references were found: {references}");
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let summary = operation["summary"].as_str().unwrap_or("");
            assert!(summary.len() > 10, "{method} {path} has no summary");
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let in_path: BTreeSet<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|piece| piece.split('}').next())
                .collect();
            assert_eq!(declared, in_path, "{method} {path}: path parameters");
        }
    }
}

/// Routes open to anyone say so; every other route needs the token and says it may answer 401
/// and 403.
#[test]
fn each_operation_states_what_its_access_asks() {
    let description = description();
    assert_eq!(description["security"][0]["bearer"], serde_json::json!([]));
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            if operation["x-access"] == "anyone" {
                assert_eq!(operation["security"][0], serde_json::json!({}), "{path}");
            } else {
                for status in ["401", "403", "503"] {
                    assert!(responses[status].is_object(), "{method} {path}: {status}");
                }
            }
        }
    }
}

/// `docs/openapi.json` is the description as served. After a change of the API:
/// `FLEETLINE_WRITE_OPENAPI=1 cargo test --workspace --features ssr openapi` writes it.
#[test]
fn docs_openapi_json_is_the_generated_description() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let generated = render(&crate::http::routes());
    if std::env::var_os("FLEETLINE_WRITE_OPENAPI").is_some() {
        std::fs::write(&file, &generated).expect("docs/openapi.json written");
    }
    let kept = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        kept == generated,
        "docs/openapi.json is not the generated description: run \
         `FLEETLINE_WRITE_OPENAPI=1 cargo test --workspace --features ssr openapi`"
    );
}

/// The server serves the generated description, to a caller who may read, and the page that
/// shows it to anyone, under a policy that allows the app's own scripts only.
#[tokio::test]
async fn the_server_serves_the_description_and_its_page() {
    let db = crate::test_support::TestDb::new().await;
    let (status, served) = db.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(served, description());

    let app = db.app().await;
    let page = crate::test_support::TestDb::response(&app, "GET", "/api-docs").await;
    assert_eq!(page.status(), 200);
    let policy = page.headers()[axum::http::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(policy.contains("script-src 'self';"), "{policy}");
    let (status, _) =
        crate::test_support::TestDb::raw(&app, "GET", "/openapi.json", None, "").await;
    assert_eq!(status, 401, "the description needs a credential");
}
