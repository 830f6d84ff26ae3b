//! A vehicle as the queries show it. Shared by server and browser.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// The group it is placed in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
}

/// Columns of `vehicles` under the names of [`Vehicle`].
#[cfg(feature = "ssr")]
pub const VEHICLE_COLUMNS: &str =
    "vehicle_id AS vehicle_registered_id, license_plate AS vehicle_license_plate, \
     registered_at, latitude, longitude, tracked_at, recorded_at, speed_mps, heading, battery_percent, group_id";

#[cfg(feature = "ssr")]
impl Vehicle {
    /// The vehicle from the `vehicles` read model: 404 naming `vehicleRegisteredId` if unknown,
    /// or if outside the groups `scope` sees (as if it did not exist).
    pub async fn load(
        pool: &sqlx::PgPool,
        vehicle_id: uuid::Uuid,
        scope: &crate::fleet::access::Scope,
    ) -> Result<Self, crate::error::AppError> {
        let sql = format!(
            "SELECT {VEHICLE_COLUMNS} FROM vehicles
             WHERE vehicle_id = $1 AND ($2::uuid[] IS NULL OR group_id = ANY($2))"
        );
        sqlx::query_as(&sql)
            .bind(vehicle_id)
            .bind(scope.group_filter())
            .fetch_optional(pool)
            .await?
            .ok_or_else(|| crate::error::AppError::vehicle_not_found("vehicleRegisteredId"))
    }

    /// The ids of the vehicles `scope` sees; `None` for the whole fleet.
    pub async fn seen_ids(
        pool: &sqlx::PgPool,
        scope: &crate::fleet::access::Scope,
    ) -> Result<Option<std::collections::HashSet<uuid::Uuid>>, crate::error::AppError> {
        let Some(groups) = scope.group_filter() else {
            return Ok(None);
        };
        let ids: Vec<uuid::Uuid> =
            sqlx::query_scalar("SELECT vehicle_id FROM vehicles WHERE group_id = ANY($1)")
                .bind(groups)
                .fetch_all(pool)
                .await?;
        Ok(Some(ids.into_iter().collect()))
    }

    /// 404 unless `scope` sees the vehicle: a command's check of a vehicle it names. Free for
    /// callers who see the whole fleet (most of them, and every GPS device).
    pub async fn require_seen(
        pool: &sqlx::PgPool,
        vehicle_id: uuid::Uuid,
        scope: &crate::fleet::access::Scope,
    ) -> Result<(), crate::error::AppError> {
        if *scope == crate::fleet::access::Scope::WholeFleet {
            return Ok(());
        }
        Self::load(pool, vehicle_id, scope).await.map(drop)
    }
}
