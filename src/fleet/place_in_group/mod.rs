//! Command PlaceInGroup: an admin (or a manager, among the groups they see) places a vehicle in a
//! group, and so takes it out of the one it was in: those limited to that group see it from now
//! on, those of its old group no more.

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod decide;
#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    pub vehicle_registered_id: Uuid,
    pub group_id: Uuid,
}

/// The page's form names the vehicle by plate and the group by name, as people type them.
#[server(endpoint = "place_in_group")]
pub async fn place_in_group(
    vehicle_license_plate: String,
    group: String,
) -> Result<Placement, AppError> {
    use crate::fleet::vehicle_ref::VehicleRef;
    let caller = crate::server::auth::require(crate::fleet::access::Access::Manage)?;
    let store = expect_context::<event_store::EventStore>();
    let caused_by = crate::server::auth::caused_by();
    let plate = VehicleRef::Plate(vehicle_license_plate);
    let vehicle_registered_id =
        crate::fleet::registrations::resolve_vehicle(&store, &plate).await?;
    let group_id = crate::fleet::groups::group_named(&store, &group).await?;
    let (vehicle_id, scope) = (vehicle_registered_id, &caller.scope);
    let placed = place(&store, vehicle_id, group_id, scope, &caused_by).await?;
    // The page counts the groups' vehicles next.
    crate::fleet::projections::until_projected(|| {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM vehicles WHERE vehicle_id = $1 AND group_id = $2)",
        )
        .bind(vehicle_registered_id)
        .bind(group_id)
        .fetch_one(store.pool())
    })
    .await;
    Ok(placed)
}

/// 404 `vehicle_not_found` or `group_not_found`, also for a vehicle or a group outside `scope`
/// (a manager moves vehicles among their own groups only); placing a vehicle where it is stores
/// nothing.
#[cfg(feature = "ssr")]
pub async fn place(
    store: &event_store::EventStore,
    vehicle_id: Uuid,
    group_id: Uuid,
    scope: &crate::fleet::access::Scope,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<Placement, AppError> {
    if !scope.sees(Some(group_id)) {
        return Err(crate::fleet::groups::group_not_found("groupId"));
    }
    crate::fleet::vehicle::Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
    let command = decide::PlaceInGroup {
        vehicle_id,
        group_id,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by).await
}
