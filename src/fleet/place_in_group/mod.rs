//! Command PlaceInGroup: an admin places a vehicle in a group (and so takes it out of the one it
//! was in): those limited to that group see it from now on, those of its old group no more.

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
#[serde(rename_all = "camelCase")]
pub struct Placement {
    pub vehicle_registered_id: Uuid,
    pub group_id: Uuid,
}

#[server(endpoint = "place_in_group")]
pub async fn place_in_group(
    vehicle_registered_id: Uuid,
    group_id: Uuid,
) -> Result<Placement, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let caused_by = crate::server::auth::caused_by();
    place(&store, vehicle_registered_id, group_id, &caused_by).await
}

/// 404 `vehicle_not_found` or `group_not_found`; placing a vehicle where it is stores nothing.
#[cfg(feature = "ssr")]
pub async fn place(
    store: &event_store::EventStore,
    vehicle_id: Uuid,
    group_id: Uuid,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<Placement, AppError> {
    let command = decide::PlaceInGroup {
        vehicle_id,
        group_id,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by).await
}
