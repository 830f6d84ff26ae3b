//! `GET /api-docs`: the API's description as a page to read and try, drawn by Swagger UI (npm
//! `swagger-ui-dist`, served by the app from /vendor/swagger-ui: no CDN) from `/openapi.json`.
//! The page is the same for everyone and holds no data; the description it loads needs a
//! credential like every route of the API, so a visitor who is not signed in is told to sign in.

use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::fleet::access::Access;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Anyone, utoipa_axum::routes!(handle))
}

/// Scripts and styles from the app only (Swagger UI's own files and `api-docs.js`; no inline
/// script). Swagger UI sets style attributes and draws its icons as data: images.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fleetline HTTP API</title>
<link rel="stylesheet" href="/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<p id="api-status" role="status">Loading the API's description…</p>
<div id="api"></div>
<script src="/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/api-docs.js"></script>
</body>
</html>
"#;

/// This API's documentation page: every route, its parameters, bodies and answers, to try
#[utoipa::path(get, path = "/api-docs", responses(
    (status = 200, description = "An HTML page (Swagger UI) over `/openapi.json`", content_type = "text/html", body = String),
))]
async fn handle() -> ([(axum::http::HeaderName, &'static str); 2], &'static str) {
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CONTENT_SECURITY_POLICY, POLICY),
        ],
        PAGE,
    )
}
