//! Requests to a router as clients send them: JSON calls, raw requests with headers, signing in.

use axum::{body::Body, http::Request, Router};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// Signs in through the login server function as a browser's form would; answers the status
/// and the session cookie (`name=value`), if one was set.
pub async fn sign_in(app: &Router, email: &str, password: &str) -> (u16, Option<String>) {
    let body = format!(
        "email={}&password={}",
        url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(password.as_bytes()).collect::<String>()
    );
    let request = Request::post("/api/log_in")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let cookie = session_cookie(&response);
    (response.status().as_u16(), cookie)
}

/// The session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &axum::response::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("fleetline_session="))
        .map(|value| value.split(';').next().unwrap().to_string())
}

/// Sends one request with the given headers to `app`; answers the status and the body as text.
pub async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: impl Into<Body>,
) -> (u16, String) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
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

/// Sends one JSON request to `api` (a router that may move into a spawned task); answers the
/// status and the JSON body (`Null` when empty).
pub async fn call_api(api: Router, method: &str, uri: &str, body: impl Into<Body>) -> (u16, Value) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap();
    let response = api.oneshot(request).await.unwrap();
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

/// Waits up to `within` for `check` to hold (a projection catching up, a service recovering),
/// asking every 100 ms; fails naming `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, within: std::time::Duration, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + within;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not within {within:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
