use axum::{
    extract::State,
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Extension, Json,
};
use serde_json::{json, Value};

use crate::error::RETRY_UNAVAILABLE_SECONDS;
use crate::fleet::access::Access;
use crate::fleet::{osmand::OsmandStats, projections};
use crate::http::routes::Routes;
use crate::server::auth::Caller;
use crate::server::supervisor::Components;
use event_store::{EventStore, ProjectionRunner};

pub fn routes() -> Routes {
    Routes::new().add(Access::Anyone, utoipa_axum::routes!(handle))
}

/// A projection's lag is counted up to this: enough to tell "catching up" from "stuck", and one
/// index range scan of at most this many entries (a few milliseconds) per check.
const LAG_COUNTED_UP_TO: i64 = 100_000;

/// Whether the service, its database and its background components run
///
/// 200 when the database answers and every background component runs, else 503 with
/// `Retry-After`. A few index probes, no count of the log: a load balancer may ask often.
///
/// Without a credential it says only that (`{"status":"ok"}`). With one (an operator's token)
/// it shows each component — the projections with their lag, the fleet index (loading or
/// loaded), the live feed — with any failure and restarts; `horizonAgeSeconds`, how long the
/// cluster's oldest open transaction has been holding the log's readers back; and
/// `unknownDeviceFixes`, GPS fixes refused since this instance started because no vehicle has
/// their device (counted in memory, per instance).
#[utoipa::path(get, path = "/health", responses(
    (status = 200, description = "Up: `{\"status\":\"ok\"}`, with a credential the whole report", content_type = "application/json", body = Object),
    (status = 503, description = "The database does not answer, or a component has failed", content_type = "application/json", body = Object,
        headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
))]
async fn handle(
    State(store): State<EventStore>,
    State(osmand): State<OsmandStats>,
    State(components): State<Components>,
    Extension(caller): Extension<Caller>,
) -> Response {
    let report = match report(&store, &components).await {
        Ok(report) => report,
        Err(error) => {
            tracing::warn!(%error, "health check: the database does not answer");
            let body = json!({ "status": "unavailable", "error": { "code": "database_unavailable", "message": "the database does not answer (the server's log says why)", "field": null } });
            return unavailable(body);
        }
    };
    let healthy = report["status"] == "ok";
    let body = match caller.0 {
        None => json!({ "status": report["status"] }),
        Some(_) => {
            let mut report = report;
            report["unknownDeviceFixes"] = json!(osmand.unknown_device_fixes());
            report
        }
    };
    if healthy {
        (StatusCode::OK, Json(body)).into_response()
    } else {
        unavailable(body)
    }
}

fn unavailable(body: Value) -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE_SECONDS));
    response
}

async fn report(store: &EventStore, components: &Components) -> sqlx::Result<Value> {
    let horizon_age = store.horizon_age().await?;
    let mut lags = Vec::new();
    for projection in projections::all() {
        let runner = ProjectionRunner::new(store.pool().clone(), projection);
        let lag = runner.lag_up_to(LAG_COUNTED_UP_TO).await?;
        lags.push(json!({ "name": runner.name(), "lag": lag }));
    }
    let status = if components.any_failed() {
        "unavailable"
    } else {
        "ok"
    };
    Ok(json!({
        "status": status,
        "database": "ok",
        "components": components.snapshot(),
        "projections": lags,
        "horizonAgeSeconds": (horizon_age.as_secs_f64() * 10.0).round() / 10.0,
    }))
}
