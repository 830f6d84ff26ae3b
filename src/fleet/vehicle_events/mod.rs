//! Query: a vehicle's audit trail — every event about it, oldest first, page by page.

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(test)]
mod tests;
pub mod until;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::access::CausedBy;

pub const DEFAULT_PAGE: i64 = 100;
pub const MAX_PAGE: i64 = 1000;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    pub position: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub recorded_at: DateTime<Utc>,
    pub payload: serde_json::Value,
    /// Who caused it and the way in, when recorded (events before access control have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<CausedBy>,
}

impl EventRecord {
    /// A GPS device is identified by its id alone, so ids are shown to those who manage devices
    /// (managers and admins) only.
    pub fn hide_device_id(&mut self) {
        if let Some(payload) = self.payload.as_object_mut() {
            payload.remove("deviceId");
        }
    }
}

#[cfg(feature = "ssr")]
impl EventRecord {
    pub fn of(event: event_store::StoredEvent) -> Result<Self, AppError> {
        Ok(Self {
            payload: crate::fleet::fix_payload::shown_payload(&event)?,
            caused_by: CausedBy::of_event(&event),
            position: event.position,
            event_id: event.event_id,
            event_type: event.event_type,
            recorded_at: event.recorded_at,
        })
    }
}

impl EventPage {
    /// Device ids out, unless the caller manages devices.
    pub fn shown_to(mut self, may_manage: bool) -> Self {
        if !may_manage {
            self.events.iter_mut().for_each(EventRecord::hide_device_id);
        }
        self
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<i64>,
}

#[server(endpoint = "vehicle_events")]
pub async fn vehicle_events(
    vehicle_registered_id: Uuid,
    after: i64,
    limit: i64,
) -> Result<EventPage, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    let page = history(&store, vehicle_registered_id, &caller.scope, after, limit).await?;
    Ok(page.shown_to(caller.may(crate::fleet::access::Access::Manage)))
}

#[cfg(feature = "ssr")]
pub async fn history(
    store: &event_store::EventStore,
    vehicle_id: Uuid,
    scope: &crate::fleet::access::Scope,
    after: i64,
    limit: i64,
) -> Result<EventPage, AppError> {
    use crate::fleet::events::vehicle_tag;
    use crate::fleet::registrations::resolve_vehicle;
    use crate::fleet::vehicle_ref::VehicleRef;
    use event_store::Query;

    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::unprocessable(
            "limit",
            format!("limit must be from 1 to {MAX_PAGE}"),
        ));
    }
    if after < 0 {
        return Err(AppError::unprocessable(
            "after",
            "after must not be negative",
        ));
    }
    resolve_vehicle(store, &VehicleRef::Id(vehicle_id)).await?;
    crate::fleet::vehicle::Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
    // One more than asked tells whether another page follows.
    let mut events = store
        .read(
            &Query::default().tagged(vehicle_tag(vehicle_id)),
            after,
            limit + 1,
        )
        .await?;
    let more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    let next_after = if more {
        events.last().map(|e| e.position)
    } else {
        None
    };
    let events = events
        .into_iter()
        .map(EventRecord::of)
        .collect::<Result<_, AppError>>()?;
    Ok(EventPage { events, next_after })
}
