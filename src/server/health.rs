use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use serde_json::{json, Value};

use crate::fleet::{osmand::OsmandStats, projections};
use crate::server::state::AppState;
use event_store::{EventStore, ProjectionRunner};

pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(handle))
}

/// `GET /health`: the database answers, how many events are stored, each projection's lag, and
/// `unknownDeviceFixes`: GPS fixes refused since this instance started because no vehicle has
/// their device (counted in memory, per instance).
async fn handle(
    State(store): State<EventStore>,
    State(osmand): State<OsmandStats>,
) -> (StatusCode, Json<Value>) {
    match report(&store).await {
        Ok(mut report) => {
            report["unknownDeviceFixes"] = json!(osmand.unknown_device_fixes());
            (StatusCode::OK, Json(report))
        }
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "error": { "code": "database_unavailable", "message": error.to_string(), "field": null } }),
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
