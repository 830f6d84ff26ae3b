//! A vehicle as the queries show it. Shared by server and browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Vehicle {
    pub vehicle_registered_id: Uuid,
    pub vehicle_license_plate: String,
    pub registered_at: DateTime<Utc>,
    /// The current position (latest device time); `None` until the first fix.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Device time of the current position.
    pub tracked_at: Option<DateTime<Utc>>,
    /// When the server recorded the current position.
    pub recorded_at: Option<DateTime<Utc>>,
    /// The current fix's readings, when its device sent them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_percent: Option<f64>,
}

/// Columns of `vehicles` under the names of [`Vehicle`].
#[cfg(feature = "ssr")]
pub const VEHICLE_COLUMNS: &str =
    "vehicle_id AS vehicle_registered_id, license_plate AS vehicle_license_plate, \
     registered_at, latitude, longitude, tracked_at, recorded_at, speed_mps, heading, battery_percent";

#[cfg(feature = "ssr")]
impl Vehicle {
    /// The vehicle from the `vehicles` read model: 404 naming `vehicleRegisteredId` if unknown.
    pub async fn load(
        pool: &sqlx::PgPool,
        vehicle_id: uuid::Uuid,
    ) -> Result<Self, crate::error::AppError> {
        let sql = format!("SELECT {VEHICLE_COLUMNS} FROM vehicles WHERE vehicle_id = $1");
        sqlx::query_as(&sql)
            .bind(vehicle_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| crate::error::AppError::vehicle_not_found("vehicleRegisteredId"))
    }
}
