//! Command TrackLocation: a GPS fix of a registered vehicle, with both clocks — the device's
//! `trackedAt` and the time the store recorded it.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::fleet::{
    fix::{Fix, FixExtras},
    vehicle_ref::VehicleRef,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Tracked {
    pub location_tracked_id: Uuid,
}

#[server(endpoint = "track_location")]
pub async fn track_location(
    vehicle_registered_id: Uuid,
    latitude: f64,
    longitude: f64,
    tracked_at: Option<DateTime<Utc>>,
) -> Result<Tracked, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Ingest)?;
    let store = expect_context::<event_store::EventStore>();
    let known = expect_context::<crate::fleet::fleet_index::FleetIndex>();
    let fix = Fix {
        vehicle: VehicleRef::Id(vehicle_registered_id),
        latitude,
        longitude,
        tracked_at,
        location_tracked_id: None,
        extras: FixExtras::default(),
    };
    let caused_by = crate::server::auth::caused_by();
    track(&store, &known, &fix, Utc::now(), &caller.scope, &caused_by).await
}

#[cfg(feature = "ssr")]
pub use command::track;

#[cfg(feature = "ssr")]
mod command {
    use chrono::{DateTime, Utc};
    use event_store::EventStore;

    use super::Tracked;
    use crate::error::AppError;
    use crate::fleet::access::{CausedBy, Scope};
    use crate::fleet::events::LocationTracked;
    use crate::fleet::fix::{validate, Fix};
    use crate::fleet::fleet_index::FleetIndex;
    use crate::fleet::registrations::resolve_vehicle;
    use crate::fleet::vehicle::Vehicle;

    /// Stores one fix of a vehicle `scope` sees (404 for another). `known` answers for vehicles it has read (no round trip to the database);
    /// the log answers for the others.
    pub async fn track(
        store: &EventStore,
        known: &FleetIndex,
        fix: &Fix,
        now: DateTime<Utc>,
        scope: &Scope,
        caused_by: &CausedBy,
    ) -> Result<Tracked, AppError> {
        validate(fix, now)?;
        let vehicle_id = match known.known_vehicle(&fix.vehicle) {
            Some(id) => id,
            None => resolve_vehicle(store, &fix.vehicle).await?,
        };
        Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
        let tracked = LocationTracked::of_fix(fix, vehicle_id, now);
        // No condition: a registered vehicle stays registered, and a retry with the same id is
        // stored once by the store itself.
        let mut event = [tracked.to_event()];
        caused_by.stamp(&mut event);
        store.append_grouped(event.into()).await?;
        Ok(Tracked {
            location_tracked_id: tracked.location_tracked_id,
        })
    }
}
