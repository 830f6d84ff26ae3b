use axum::{extract::State, Extension, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{history, EventPage, DEFAULT_PAGE};
use crate::error::AppError;
use crate::fleet::access::Access;
use crate::http::extract::{QueryParams, VehicleId, WholeNumber};
use crate::http::routes::Routes;
use crate::server::auth::Caller;

pub fn routes() -> Routes {
    Routes::new().get("/vehicles/{vehicle_id}/events", Access::Read, handle)
}

#[derive(Deserialize)]
struct PageParams {
    after: Option<WholeNumber>,
    limit: Option<WholeNumber>,
}

/// `GET /vehicles/{id}/events?after=<position>&limit=<1..1000>` → `EventPage`
async fn handle(
    State(store): State<EventStore>,
    Extension(caller): Extension<Caller>,
    VehicleId(vehicle_id): VehicleId,
    QueryParams(params): QueryParams<PageParams>,
) -> Result<Json<EventPage>, AppError> {
    let after = params.after.map_or(0, |WholeNumber(n)| n);
    let limit = params.limit.map_or(DEFAULT_PAGE, |WholeNumber(n)| n);
    let Some(caller) = caller.0 else {
        return Err(AppError::unauthenticated());
    };
    let page = history(&store, vehicle_id, &caller.scope, after, limit).await?;
    let may_manage = caller.may(Access::Manage);
    Ok(Json(page.shown_to(may_manage)))
}
