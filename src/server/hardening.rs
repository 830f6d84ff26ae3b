//! What every answer carries, and what every request may weigh: the first of issue #13's
//! hardening, on tower-http's layers rather than code of our own.

use axum::{
    http::{header, HeaderName, HeaderValue},
    Router,
};
use tower_http::{limit::RequestBodyLimitLayer, set_header::SetResponseHeaderLayer};

use crate::http::json_body::BODY_LIMIT;

/// The security headers of every answer, pages and API alike. An answer that is not a page gets
/// `frame-ancestors` alone (no one frames the app: clickjacking); a page gets its own full policy,
/// [`page_policy`].
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    (header::REFERRER_POLICY, "same-origin"),
];

/// The Content-Security-Policy of a page rendered on the server, set by its shell: scripts only
/// from the app itself or inline with this response's nonce (Leptos puts it on its hydration
/// script), the wasm compiled (`'wasm-unsafe-eval'`, which is not `eval`), images from the app
/// and the map's tile server, requests to the app only, and never framed. Styles may be inline:
/// Leaflet places tiles and markers with style attributes.
#[cfg(feature = "ssr")]
pub fn page_policy(nonce: &str, tile_url: &str) -> String {
    let tiles = tile_origin(tile_url).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: {tiles}; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `https://tile.openstreetmap.org` of `https://tile.openstreetmap.org/{z}/{x}/{y}.png`, and
/// `https://*.tile.example` of a template with a `{s}` subdomain.
fn tile_origin(tile_url: &str) -> Option<String> {
    let (scheme, rest) = tile_url.split_once("://")?;
    let host = rest.split('/').next()?.replace("{s}", "*");
    let safe = |c: char| c.is_ascii_alphanumeric() || ".-:*".contains(c);
    (matches!(scheme, "http" | "https") && !host.is_empty() && host.chars().all(safe))
        .then(|| format!("{scheme}://{host}"))
}

#[cfg(feature = "ssr")]
/// Sets the page's policy on the answer being rendered (a page, not an API answer).
pub fn set_page_policy() {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let tile_url = use_context::<crate::app::MapSettings>()
        .map(|map| map.tile_url)
        .unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.to_string(), &tile_url)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the security headers to every answer of `router`.
pub fn with_security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
}

/// Limits the bodies of the routes of `router` (the pages' server functions) to the API's limit:
/// a form's fields weigh a few hundred bytes, and the API's own routes keep their limits.
pub fn with_body_limit<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router.layer(RequestBodyLimitLayer::new(BODY_LIMIT))
}

#[cfg(test)]
mod tests {
    use crate::test_support::TestDb;

    #[test]
    fn a_page_runs_only_the_apps_scripts_and_its_nonced_one_and_shows_tiles_of_its_server() {
        let policy = super::page_policy("abc123", "https://{s}.tile.example.org/{z}/{x}/{y}.png");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("img-src 'self' data: https://*.tile.example.org;"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-eval'") || policy.contains("wasm-unsafe-eval"));
        assert_eq!(super::tile_origin("javascript:alert(1)"), None);
        assert_eq!(super::tile_origin("https://a.b; script-src *"), None);
        assert_eq!(super::tile_origin(""), None);
    }

    #[tokio::test]
    async fn a_page_carries_a_script_policy_with_the_nonce_of_its_own_scripts() {
        use http_body_util::BodyExt;
        let db = TestDb::new().await;
        let app = crate::server::router(db.state().await);
        let response = TestDb::response(&app, "GET", "/").await;
        let policy = response.headers()[axum::http::header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_string();
        let nonce = policy
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .expect("a nonce in the policy")
            .to_string();
        let page = response.into_body().collect().await.unwrap().to_bytes();
        let page = String::from_utf8_lossy(&page);
        let inline_scripts = page.matches("<script").count() - page.matches("<script src").count();
        assert!(inline_scripts >= 1, "{page}");
        assert_eq!(
            page.matches(&format!("nonce=\"{nonce}\"")).count(),
            inline_scripts,
            "every inline script carries the policy's nonce: {page}"
        );
    }

    #[tokio::test]
    async fn every_answer_carries_the_security_headers() {
        let db = TestDb::new().await;
        let app = crate::server::router(db.state().await);
        for (method, uri) in [
            ("GET", "/"),
            ("GET", "/health"),
            ("GET", "/vehicles"),
            ("GET", "/no/such/page"),
        ] {
            let response = TestDb::response(&app, method, uri).await;
            let headers = response.headers();
            for (name, value) in super::SECURITY_HEADERS {
                let sent = headers.get(&name).and_then(|v| v.to_str().ok());
                // A page's policy says more (its own scripts), and frame-ancestors too.
                assert!(
                    sent.is_some_and(|sent| sent == value || sent.ends_with(value)),
                    "{name} on {method} {uri}: {sent:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_server_function_refuses_a_body_over_the_limit_and_stores_nothing() {
        use axum::{body::Body, http::Request};
        use tower::ServiceExt;

        let db = TestDb::new().await;
        let app = db.api().await;
        let form = "application/x-www-form-urlencoded";
        let heavy = format!("vehicle_license_plate={}", "A".repeat(super::BODY_LIMIT));
        // Declared (as browsers do): refused before it is read.
        let declared = Request::post("/api/register_vehicle")
            .header("content-type", form)
            .header("content-length", heavy.len())
            .body(Body::from(heavy.clone()))
            .unwrap();
        let response = app.clone().oneshot(declared).await.unwrap();
        assert_eq!(response.status(), 413);
        // Streamed without a length: cut off at the limit, refused all the same.
        let (status, _) =
            TestDb::raw(&app, "POST", "/api/register_vehicle", Some(form), heavy).await;
        assert!(status >= 400, "{status}");
        assert_eq!(db.event_count().await, 0);
        // The same server function with a normal body works.
        let light = "vehicle_license_plate=LIMIT-1";
        let (status, body) =
            TestDb::raw(&app, "POST", "/api/register_vehicle", Some(form), light).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(db.event_count().await, 1);
    }
}
