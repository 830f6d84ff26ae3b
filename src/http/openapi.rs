//! `GET /openapi.json`: the API's OpenAPI 3.1 description (docs/openapi.json, compiled in), for
//! clients and tools to read off the running server. `openapi_tests` keeps it equal to the
//! routes mounted.

use axum::http::header::CONTENT_TYPE;

use crate::fleet::access::Access;
use crate::http::routes::Routes;

const DESCRIPTION: &str = include_str!("../../docs/openapi.json");

pub fn routes() -> Routes {
    Routes::new().get("/openapi.json", Access::Read, handle)
}

async fn handle() -> ([(axum::http::HeaderName, &'static str); 1], &'static str) {
    ([(CONTENT_TYPE, "application/json")], DESCRIPTION)
}
