//! `docs/openapi.json` describes every route the API mounts, and only those: a route added
//! without its description (or a description left behind) fails here. The routes are the route
//! table of the API's router (`http::routes()`), which every slice's routes go through.

use std::collections::BTreeSet;
use std::path::Path;

/// `(path, method, access)` of every route the API mounts, read off its route table.
fn mounted_routes() -> BTreeSet<(String, String, String)> {
    crate::http::routes()
        .table()
        .iter()
        .map(|route| {
            let access = format!("{:?}", route.access).to_lowercase();
            let access = if access == "administer" {
                "admin".into()
            } else {
                access
            };
            (
                route.path.to_string(),
                route.method.as_str().to_lowercase(),
                access,
            )
        })
        .collect()
}

/// `(path, method, x-access)` of every operation the description has.
fn described_routes() -> BTreeSet<(String, String, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    let spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file).expect("docs/openapi.json"))
            .expect("docs/openapi.json is JSON");
    let mut routes = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            let access = operation["x-access"].as_str().unwrap_or("(no x-access)");
            routes.insert((path.clone(), method.clone(), access.to_string()));
        }
    }
    routes
}

#[test]
fn the_openapi_description_lists_exactly_the_mounted_routes_and_what_each_needs() {
    let (mounted, described) = (mounted_routes(), described_routes());
    assert!(mounted.len() >= 14, "the routes were read: {mounted:?}");
    let undescribed: Vec<_> = mounted.difference(&described).collect();
    let unmounted: Vec<_> = described.difference(&mounted).collect();
    assert!(
        undescribed.is_empty() && unmounted.is_empty(),
        "mounted but not in docs/openapi.json: {undescribed:?}; described but not mounted: {unmounted:?}"
    );
}
