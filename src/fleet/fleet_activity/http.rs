use axum::{extract::State, Json};
use event_store::EventStore;
use serde::Deserialize;

use super::{activity, Activity, DEFAULT_BUCKETS};
use crate::error::AppError;
use crate::fleet::access::{Access, Scope};
use crate::http::extract::{Moment, QueryParams, WholeNumber};
use crate::http::openapi::Refused;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ActivityParams {
    /// RFC 3339: the start of the range.
    #[param(value_type = String, format = DateTime)]
    from: Moment,
    /// RFC 3339: the end of the range, after `from` and at most 400 days from it.
    #[param(value_type = String, format = DateTime)]
    to: Moment,
    /// How many buckets at most, 1 to 2,000 (default 120); a bucket is whole minutes wide.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 2000)]
    buckets: Option<WholeNumber>,
}

/// Where there was activity: the fixes per time bucket (by device time) of the vehicles the caller sees
#[utoipa::path(get, path = "/fleet/activity", params(ActivityParams), responses(
    (status = 200, description = "Fixes per bucket", body = Activity),
    (status = 400, response = Refused), (status = 422, response = Refused),
))]
async fn handle(
    State(store): State<EventStore>,
    scope: Scope,
    QueryParams(params): QueryParams<ActivityParams>,
) -> Result<Json<Activity>, AppError> {
    let buckets = params.buckets.map_or(DEFAULT_BUCKETS, |WholeNumber(n)| {
        // Out of u32's range is out of the allowed range: refused, naming `buckets`.
        u32::try_from(n).unwrap_or(0)
    });
    activity(store.pool(), params.from.0, params.to.0, buckets, &scope)
        .await
        .map(Json)
}
