use axum::{extract::State, http::StatusCode, Extension, Json};
use serde_json::{json, Value};

use crate::fleet::access::Access;
use crate::fleet::{osmand::OsmandStats, projections};
use crate::http::routes::Routes;
use crate::server::auth::Caller;
use event_store::{EventStore, ProjectionRunner};

pub fn routes() -> Routes {
    Routes::new().get("/health", Access::Anyone, handle)
}

/// `GET /health`: the database answers, how many events are stored, each projection's lag, and
/// `unknownDeviceFixes`: GPS fixes refused since this instance started because no vehicle has
/// their device (counted in memory, per instance).
///
/// Without a credential it says only whether the service is up (`{"status":"ok"}`): counts and
/// lags are for operators, who send a token.
async fn handle(
    State(store): State<EventStore>,
    State(osmand): State<OsmandStats>,
    Extension(caller): Extension<Caller>,
) -> (StatusCode, Json<Value>) {
    match report(&store).await {
        Ok(_) if caller.0.is_none() => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Ok(mut report) => {
            report["unknownDeviceFixes"] = json!(osmand.unknown_device_fixes());
            (StatusCode::OK, Json(report))
        }
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "error": { "code": "database_unavailable", "message": "the database does not answer (the server's log says why)", "field": null } }),
                ),
            )
        }
    }
}

async fn report(store: &EventStore) -> sqlx::Result<Value> {
    let mut lags = Vec::new();
    for projection in projections::all() {
        let runner = ProjectionRunner::new(store.pool().clone(), projection);
        lags.push(json!({ "name": runner.name(), "lag": runner.lag().await? }));
    }
    Ok(json!({ "status": "ok", "events": store.count().await?, "projections": lags }))
}
