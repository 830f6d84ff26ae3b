use axum::{extract::State, Extension, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{history, EventPage, DEFAULT_PAGE};
use crate::error::AppError;
use crate::fleet::access::Access;
use crate::http::extract::{QueryParams, VehicleId, WholeNumber};
use crate::http::openapi::Refused;
use crate::http::routes::Routes;
use crate::server::auth::Caller;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PageParams {
    /// A position in the log: the events after it (default 0, from the first).
    #[param(value_type = Option<i64>, minimum = 0)]
    after: Option<WholeNumber>,
    /// How many events, 1 to 1,000 (default 100).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<WholeNumber>,
}

/// The vehicle's audit trail, oldest first
///
/// Each event with who caused it, a page at a time: `nextAfter` is the `after` of the next page.
/// Who caused it shows only to callers who may manage vehicles.
#[utoipa::path(get, path = "/vehicles/{vehicle_id}/events", params(VehicleId, PageParams), responses(
    (status = 200, description = "A page of events", body = EventPage),
    (status = 400, response = Refused), (status = 404, response = Refused),
    (status = 422, response = Refused),
))]
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
