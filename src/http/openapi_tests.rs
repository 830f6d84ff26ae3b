//! `docs/openapi.json` describes every route the API mounts, and only those: a route added
//! without its description (or a description left behind) fails here. The routes are read off
//! the source's `.route("path", method(…))` calls, the slices' `routes()`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::test_support::rust_sources;

/// `(path, method)` of every `.route(…)` call in `text`.
fn routes_in(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let Some(open) = rest.find('"') else { break };
        let Some(close) = rest[open + 1..].find('"') else {
            break;
        };
        let path = &rest[open + 1..open + 1 + close];
        let after = rest[open + 1 + close + 1..].trim_start_matches([',', ' ', '\n']);
        let method: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase())
            .collect();
        found.push((path.to_string(), method));
    }
    found
}

fn mounted_routes() -> BTreeSet<(String, String)> {
    rust_sources()
        .iter()
        .filter(|(path, _)| !path.ends_with("openapi_tests.rs"))
        .flat_map(|(_, text)| routes_in(text))
        .collect()
}

fn described_routes() -> BTreeSet<(String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("docs/openapi.json"))
            .expect("docs/openapi.json is JSON");
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("a path item").keys() {
            routes.insert((path.clone(), method.clone()));
        }
    }
    routes
}

#[test]
fn the_openapi_description_lists_exactly_the_mounted_routes() {
    let (mounted, described) = (mounted_routes(), described_routes());
    assert!(mounted.len() >= 14, "the routes were read: {mounted:?}");
    let undescribed: Vec<_> = mounted.difference(&described).collect();
    let unmounted: Vec<_> = described.difference(&mounted).collect();
    assert!(
        undescribed.is_empty() && unmounted.is_empty(),
        "mounted but not in docs/openapi.json: {undescribed:?}; described but not mounted: {unmounted:?}"
    );
}

#[test]
fn the_reader_finds_routes_spread_over_lines() {
    let text = "Router::new().route(\n    \"/a/{id}\",\n    get(handle),\n).route(\"/b\", post(h).layer(x))";
    assert_eq!(
        routes_in(text),
        vec![
            ("/a/{id}".into(), "get".into()),
            ("/b".into(), "post".into())
        ]
    );
}
