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
/// [`super::page_policy::page_policy`].
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
    (header::REFERRER_POLICY, "same-origin"),
];

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
