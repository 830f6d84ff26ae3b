//! An in-memory index of the fleet's history, folded from the event log at start-up and kept
//! current by following it: the fleet at any moment in one binary search per vehicle, instead of
//! one index seek per vehicle in PostgreSQL. A cache: every instance rebuilds its own from the
//! log, so nothing is lost with it.
//!
//! `history` holds the fold (pure: events in, answers out), each vehicle's fixes in `fixes` (in
//! chunks: a late fix moves at most one chunk); `handle` shares it, loads it and keeps it current.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod fixes;
#[cfg(feature = "ssr")]
mod handle;
#[cfg(feature = "ssr")]
mod history;
#[cfg(test)]
mod tests;

#[cfg(feature = "ssr")]
pub use handle::FleetIndex;

/// A vehicle in the fleet at some moment: where it was then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct FleetPosition {
    pub vehicle_registered_id: Uuid,
    pub vehicle_license_plate: String,
    /// `None` for a vehicle with no fix yet at T.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub tracked_at: Option<DateTime<Utc>>,
}
