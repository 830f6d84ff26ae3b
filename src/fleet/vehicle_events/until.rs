//! Query: a vehicle's history as it stood at a moment — its events up to that moment (all of them
//! without one) by the time they happened (a fix's device time), newest first, page by page
//! going back. The web app's
//! history panel shows it beside the map of the same moment.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::EventRecord;
use crate::error::AppError;

/// Where a page ends: entries before it, by (time, position), come next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryCursor {
    pub at: DateTime<Utc>,
    pub position: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// When it happened: a fix's device time, a registration's or assignment's own time.
    pub at: DateTime<Utc>,
    pub event: EventRecord,
}

impl HistoryEntry {
    pub fn cursor(&self) -> HistoryCursor {
        HistoryCursor {
            at: self.at,
            position: self.event.position,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<HistoryCursor>,
}

/// The cursor travels as two plain values: the default form encoding of server functions has no
/// room for an optional struct.
#[server(endpoint = "vehicle_history")]
pub async fn vehicle_history(
    vehicle_registered_id: Uuid,
    until: Option<DateTime<Utc>>,
    before_at: Option<DateTime<Utc>>,
    before_position: Option<i64>,
    limit: i64,
) -> Result<HistoryPage, AppError> {
    let caller = crate::server::auth::require(crate::fleet::access::Access::Read)?;
    let store = expect_context::<event_store::EventStore>();
    let before = before_at
        .zip(before_position)
        .map(|(at, position)| HistoryCursor { at, position });
    let mut page = history_until(
        &store,
        vehicle_registered_id,
        &caller.scope,
        until,
        before,
        limit,
    )
    .await?;
    if !caller.may(crate::fleet::access::Access::Manage) {
        for entry in &mut page.entries {
            entry.event.hide_device_id();
        }
    }
    Ok(page)
}

/// Fixes come from `vehicle_positions` (one index range per page, however long the history);
/// the few other events of the vehicle from the log by its tag.
#[cfg(feature = "ssr")]
pub async fn history_until(
    store: &event_store::EventStore,
    vehicle_id: Uuid,
    scope: &crate::fleet::access::Scope,
    until: Option<DateTime<Utc>>,
    before: Option<HistoryCursor>,
    limit: i64,
) -> Result<HistoryPage, AppError> {
    use super::MAX_PAGE;
    use crate::fleet::events::{
        vehicle_tag, DEVICE_ASSIGNED, DEVICE_UNASSIGNED, VEHICLE_PLACED_IN_GROUP,
        VEHICLE_REGISTERED,
    };
    use crate::fleet::registrations::resolve_vehicle;
    use crate::fleet::vehicle_ref::VehicleRef;
    use event_store::{Query, StoredEvent};

    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::unprocessable(
            "limit",
            format!("limit must be from 1 to {MAX_PAGE}"),
        ));
    }
    resolve_vehicle(store, &VehicleRef::Id(vehicle_id)).await?;
    crate::fleet::vehicle::Vehicle::require_seen(store.pool(), vehicle_id, scope).await?;
    let fixes: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT tracked_at, position FROM vehicle_positions
         WHERE vehicle_id = $1 AND ($2::timestamptz IS NULL OR tracked_at <= $2)
           AND ($3::timestamptz IS NULL OR (tracked_at, position) < ($3, $4))
         ORDER BY tracked_at DESC, position DESC LIMIT $5",
    )
    .bind(vehicle_id)
    .bind(until)
    .bind(before.map(|b| b.at))
    .bind(before.map(|b| b.position))
    .bind(limit + 1)
    .fetch_all(store.pool())
    .await?;
    let positions: Vec<i64> = fixes.iter().map(|(_, position)| *position).collect();
    let fix_events = store.read_positions(&positions).await?;
    let others = store
        .read(
            &Query::of_types(&[
                VEHICLE_REGISTERED,
                DEVICE_ASSIGNED,
                DEVICE_UNASSIGNED,
                VEHICLE_PLACED_IN_GROUP,
            ])
            .tagged(vehicle_tag(vehicle_id)),
            0,
            MAX_PAGE,
        )
        .await?;

    let entry = |at: DateTime<Utc>, event: StoredEvent| -> Result<HistoryEntry, AppError> {
        Ok(HistoryEntry {
            at,
            event: EventRecord::of(event)?,
        })
    };
    let mut entries = Vec::with_capacity(fixes.len() + others.len());
    for event in fix_events {
        if let Some((at, _)) = fixes.iter().find(|(_, p)| *p == event.position) {
            entries.push(entry(*at, event)?);
        }
    }
    for event in others {
        let at = own_time(&event).unwrap_or(event.recorded_at);
        let cursor = HistoryCursor {
            at,
            position: event.position,
        };
        if until.is_none_or(|until| at <= until) && before.is_none_or(|before| cursor < before) {
            entries.push(entry(at, event)?);
        }
    }
    entries.sort_by_key(|entry| std::cmp::Reverse(entry.cursor()));
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let next_before = more
        .then(|| entries.last().map(HistoryEntry::cursor))
        .flatten();
    Ok(HistoryPage {
        entries,
        next_before,
    })
}

/// A registration's, an assignment's or a placement's time, as its payload says.
#[cfg(feature = "ssr")]
fn own_time(event: &event_store::StoredEvent) -> Option<DateTime<Utc>> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Times {
        registered_at: Option<DateTime<Utc>>,
        assigned_at: Option<DateTime<Utc>>,
        unassigned_at: Option<DateTime<Utc>>,
        placed_at: Option<DateTime<Utc>>,
    }
    let times: Times = event.decode().ok()?;
    times
        .registered_at
        .or(times.assigned_at)
        .or(times.unassigned_at)
        .or(times.placed_at)
}
