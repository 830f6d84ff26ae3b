//! Query: the vehicle groups the caller sees, by name, with how many vehicles each holds.

#[cfg(feature = "ssr")]
pub mod http;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct GroupSummary {
    pub group_id: Uuid,
    pub name: String,
    pub vehicle_count: i64,
}

#[server(endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    list(store.pool(), &caller.scope).await
}

/// The groups `scope` sees (all of them for the whole fleet).
#[cfg(feature = "ssr")]
pub async fn list(
    pool: &sqlx::PgPool,
    scope: &crate::fleet::access::Scope,
) -> Result<Vec<GroupSummary>, AppError> {
    Ok(sqlx::query_as(
        "SELECT g.group_id, g.name,
                (SELECT count(*) FROM vehicles v WHERE v.group_id = g.group_id) AS vehicle_count
         FROM vehicle_groups g
         WHERE $1::uuid[] IS NULL OR g.group_id = ANY($1)
         ORDER BY lower(g.name), g.group_id",
    )
    .bind(scope.group_filter())
    .fetch_all(pool)
    .await?)
}
