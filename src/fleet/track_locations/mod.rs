//! Command TrackLocations: up to 10,000 fixes in one request, checked item by item and stored
//! together in one append — all of them, or none when any item is refused (so a client can fix
//! its batch and send it again without creating duplicates).

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

/// The most fixes one request may carry.
pub const MAX_FIXES: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TrackedBatch {
    /// Fixes stored by this request.
    pub stored: usize,
    /// Fixes whose `locationTrackedId` was stored before (retries), stored once.
    pub already_stored: usize,
}

#[cfg(feature = "ssr")]
pub use command::track_all;

#[cfg(feature = "ssr")]
mod command {
    use std::collections::HashMap;

    use chrono::{DateTime, Utc};
    use uuid::Uuid;

    use super::{TrackedBatch, MAX_FIXES};
    use event_store::EventStore;

    use crate::error::{AppError, ErrorCode, ItemError};
    use crate::fleet::access::{CausedBy, Scope};
    use crate::fleet::events::LocationTracked;
    use crate::fleet::events::{plate_tag, vehicle_tag, VehicleRegistered, VEHICLE_REGISTERED};
    use crate::fleet::fix::{validate, Fix};
    use crate::fleet::fleet_index::FleetIndex;
    use crate::fleet::license_plate::LicensePlate;
    use crate::fleet::vehicle::Vehicle;
    use crate::fleet::vehicle_ref::VehicleRef;

    pub async fn track_all(
        store: &EventStore,
        known: &FleetIndex,
        fixes: &[Fix],
        now: DateTime<Utc>,
        scope: &Scope,
        caused_by: &CausedBy,
    ) -> Result<TrackedBatch, AppError> {
        if fixes.len() > MAX_FIXES {
            return Err(AppError::new(
                ErrorCode::TooManyFixes,
                format!(
                    "a batch holds at most {MAX_FIXES} fixes, not {}",
                    fixes.len()
                ),
            ));
        }
        let mut refused = Vec::new();
        // The tag that finds each fix's vehicle in the log.
        let mut tags = Vec::with_capacity(fixes.len());
        for (index, fix) in fixes.iter().enumerate() {
            let tag = match &fix.vehicle {
                VehicleRef::Id(id) => Ok(vehicle_tag(*id)),
                VehicleRef::Plate(raw) => LicensePlate::parse(raw)
                    .map(|plate| plate_tag(plate.as_str()))
                    .map_err(|message| AppError::unprocessable("vehicleLicensePlate", message)),
            };
            match validate(fix, now).and(tag) {
                Ok(tag) => tags.push(tag),
                Err(error) => refused.push(item_error(index, error)),
            }
        }
        if !refused.is_empty() {
            return Err(refuse(refused, fixes.len()));
        }

        // The vehicles the fleet index knows, from memory; the others in two round trips at most:
        // by id (a registration's event id is its vehicle's) and by plate.
        let mut vehicles: HashMap<String, Uuid> = HashMap::new();
        let (mut ids, mut plates) = (Vec::new(), Vec::new());
        for (fix, tag) in fixes.iter().zip(&tags) {
            if vehicles.contains_key(tag) {
                continue;
            }
            match (known.known_vehicle(&fix.vehicle), &fix.vehicle) {
                (Some(id), _) => {
                    vehicles.insert(tag.clone(), id);
                }
                (None, VehicleRef::Id(id)) => ids.push(*id),
                (None, VehicleRef::Plate(_)) => plates.push(tag.clone()),
            }
        }
        ids.sort_unstable();
        ids.dedup();
        plates.sort_unstable();
        plates.dedup();
        let mut registrations = Vec::new();
        if !ids.is_empty() {
            registrations.extend(store.read_by_ids(VEHICLE_REGISTERED, &ids).await?);
        }
        if !plates.is_empty() {
            registrations.extend(store.read_any_tag(VEHICLE_REGISTERED, &plates).await?);
        }
        for event in registrations {
            let registered: VehicleRegistered = event.decode()?;
            for tag in event.tags {
                vehicles.insert(tag, registered.vehicle_registered_id);
            }
        }
        // Free for callers who see the whole fleet; others are told a vehicle outside their
        // groups does not exist.
        let seen = Vehicle::seen_ids(store.pool(), scope).await?;
        let mut events = Vec::with_capacity(fixes.len());
        for (index, (fix, tag)) in fixes.iter().zip(&tags).enumerate() {
            let vehicle = vehicles.get(tag);
            match vehicle.filter(|id| seen.as_ref().is_none_or(|seen| seen.contains(id))) {
                Some(vehicle_id) => {
                    events.push(LocationTracked::of_fix(fix, *vehicle_id, now).to_event())
                }
                None => refused.push(item_error(
                    index,
                    AppError::vehicle_not_found(field_of(fix)),
                )),
            }
        }
        if !refused.is_empty() {
            return Err(refuse(refused, fixes.len()));
        }

        caused_by.stamp(&mut events);
        let appended = store.append(&events, None).await?;
        let stored = appended.positions.iter().filter(|p| p.is_some()).count();
        Ok(TrackedBatch {
            stored,
            already_stored: fixes.len() - stored,
        })
    }

    fn field_of(fix: &Fix) -> &'static str {
        match fix.vehicle {
            VehicleRef::Id(_) => "vehicleRegisteredId",
            VehicleRef::Plate(_) => "vehicleLicensePlate",
        }
    }

    pub(super) fn item_error(index: usize, error: AppError) -> ItemError {
        ItemError {
            index,
            code: error.code,
            field: error.field,
            message: error.message,
        }
    }

    /// 422 naming the first refused item in `field` (`[3].latitude`) and every one in `items`.
    pub(super) fn refuse(items: Vec<ItemError>, total: usize) -> AppError {
        let first = &items[0];
        let field = format!(
            "[{}]{}",
            first.index,
            first
                .field
                .as_ref()
                .map(|f| format!(".{f}"))
                .unwrap_or_default()
        );
        let mut error = AppError::new(
            ErrorCode::InvalidItems,
            format!(
                "{} of {total} fixes are refused, so none was stored; the first: {}",
                items.len(),
                first.message
            ),
        )
        .on_field(&field);
        error.items = items;
        error
    }
}
