//! The fleet at any moment, fast: the last hours of fixes in memory (loaded at start-up from the
//! `vehicle_positions` projection and kept current by following the log), and before them the
//! keyframes the projection keeps in PostgreSQL. Memory and start-up depend on the window, not on
//! the history; every instance loads its own, so nothing is lost with it.
//!
//! `history` holds the recent fixes (pure: events in, answers out), each vehicle's in `fixes`
//! (in chunks: a late fix moves at most one chunk); `handle` shares it, loads it, keeps it
//! current and forgets what leaves the window; `keyframe` says which keyframes a batch writes
//! (pure), `old_moments` reads them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
mod fixes;
#[cfg(feature = "ssr")]
mod handle;
#[cfg(feature = "ssr")]
mod history;
#[cfg(feature = "ssr")]
pub mod keyframe;
#[cfg(all(test, feature = "ssr"))]
mod keyframe_tests;
#[cfg(feature = "ssr")]
mod old_moments;
#[cfg(test)]
mod tests;

#[cfg(feature = "ssr")]
pub use handle::{FleetIndex, DEFAULT_WINDOW, DEFAULT_WINDOW_HOURS};

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
