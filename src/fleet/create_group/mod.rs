//! Command CreateGroup: an admin creates a vehicle group (a fleet, a depot, a customer's
//! vehicles). Names are unique however they are typed.

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod decide;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;

use crate::error::AppError;
use crate::fleet::groups::Group;

#[server(endpoint = "create_group")]
pub async fn create_group(name: String) -> Result<Group, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let group = create(&store, &name, None, &crate::server::auth::caused_by()).await?;
    // The page lists the groups next.
    crate::fleet::projections::until_projected(|| {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM vehicle_groups WHERE group_id = $1)")
            .bind(group.group_id)
            .fetch_one(store.pool())
    })
    .await;
    Ok(group)
}

/// `group_id` lets a client retry safely (a UUID v7 of its choosing).
#[cfg(feature = "ssr")]
pub async fn create(
    store: &event_store::EventStore,
    raw_name: &str,
    group_id: Option<uuid::Uuid>,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<Group, AppError> {
    use crate::fleet::events::GroupCreated;
    let name = crate::fleet::groups::parse_name(raw_name)?;
    if let Some(id) = group_id {
        crate::fleet::ids::require_v7("groupId", id)?;
    }
    let command = decide::CreateGroup(GroupCreated {
        group_id: group_id.unwrap_or_else(uuid::Uuid::now_v7),
        name,
        created_at: chrono::Utc::now(),
    });
    crate::fleet::decision::execute(store, &command, caused_by).await
}
