//! The fleet's read models, fed by the event log (see `migrations/*_vehicle_read_models.sql`).

use std::{collections::HashMap, sync::Arc};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{
    GroupCreated, VehiclePlacedInGroup, VehicleRegistered, GROUP_CREATED, LOCATION_TRACKED,
    VEHICLE_PLACED_IN_GROUP, VEHICLE_REGISTERED,
};
use super::fix_payload::TrackedPosition;
use super::fleet_index::keyframe;
use event_store::{Projection, StoredEvent};

mod activity;
mod keyframes;

pub use activity::{FleetActivity, NO_GROUP};

/// Every projection of the app, in the order they are started and rebuilt.
pub fn all() -> Vec<Arc<dyn Projection>> {
    vec![
        Arc::new(Vehicles),
        Arc::new(VehiclePositions),
        Arc::new(VehicleGroups),
        Arc::new(FleetActivity),
    ]
}

/// Waits until `projected` answers true, at most 2 s: a page that changes something and then
/// lists it (a new group, a vehicle placed) reads its own write, though projections follow the
/// log a few milliseconds behind. After 2 s the answer goes out regardless (the read models
/// catch up on their own).
pub async fn until_projected<F, Fut>(mut projected: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = sqlx::Result<bool>>,
{
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    while tokio::time::Instant::now() < deadline {
        if projected().await.unwrap_or(false) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A fix as the read models keep it.
struct Fix {
    vehicle_id: Uuid,
    latitude: f64,
    longitude: f64,
    tracked_at: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
    position: i64,
    speed_mps: Option<f64>,
    heading: Option<f64>,
    battery_percent: Option<f64>,
}

impl Fix {
    /// Orders fixes by device time; the later append wins a tie.
    fn key(&self) -> (DateTime<Utc>, i64) {
        (self.tracked_at, self.position)
    }
}

fn decode<T: serde::de::DeserializeOwned>(event: &StoredEvent) -> sqlx::Result<T> {
    decoded(event, event.decode())
}

/// What read models keep of a fix event, whichever shape it is stored in.
fn decode_fix(event: &StoredEvent) -> sqlx::Result<TrackedPosition> {
    decoded(event, TrackedPosition::of(event))
}

fn decoded<T>(event: &StoredEvent, result: serde_json::Result<T>) -> sqlx::Result<T> {
    result.map_err(|error| {
        sqlx::Error::Decode(
            format!("event {} ({}): {error}", event.event_id, event.event_type).into(),
        )
    })
}

fn registrations(events: &[StoredEvent]) -> sqlx::Result<Vec<VehicleRegistered>> {
    of_type(events, VEHICLE_REGISTERED)
}

fn of_type<T: serde::de::DeserializeOwned>(
    events: &[StoredEvent],
    event_type: &str,
) -> sqlx::Result<Vec<T>> {
    events
        .iter()
        .filter(|e| e.event_type == event_type)
        .map(decode)
        .collect()
}

/// Each vehicle's group after the batch: the last placement wins.
async fn update_groups(tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
    let placed: Vec<VehiclePlacedInGroup> = of_type(events, VEHICLE_PLACED_IN_GROUP)?;
    if placed.is_empty() {
        return Ok(());
    }
    let last: HashMap<Uuid, Uuid> = placed
        .iter()
        .map(|p| (p.scope.vehicle_registered_id, p.group_id))
        .collect();
    let (vehicles, groups): (Vec<Uuid>, Vec<Uuid>) = last.into_iter().unzip();
    sqlx::query(
        "UPDATE vehicles v SET group_id = p.group_id
         FROM unnest($1::uuid[], $2::uuid[]) AS p(vehicle_id, group_id)
         WHERE v.vehicle_id = p.vehicle_id",
    )
    .bind(&vehicles)
    .bind(&groups)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn fixes(events: &[StoredEvent]) -> sqlx::Result<Vec<Fix>> {
    events
        .iter()
        .filter(|e| e.event_type == LOCATION_TRACKED)
        .map(|event| {
            let fix = decode_fix(event)?;
            Ok(Fix {
                vehicle_id: fix.vehicle_id,
                latitude: fix.latitude,
                longitude: fix.longitude,
                tracked_at: fix.tracked_at,
                recorded_at: event.recorded_at,
                position: event.position,
                speed_mps: fix.speed_mps,
                heading: fix.heading,
                battery_percent: fix.battery_percent,
            })
        })
        .collect()
}

async fn insert_registrations(
    tx: &mut PgConnection,
    registered: &[VehicleRegistered],
) -> sqlx::Result<()> {
    if registered.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = registered.iter().map(|r| r.vehicle_registered_id).collect();
    let plates: Vec<&str> = registered
        .iter()
        .map(|r| r.vehicle_license_plate.as_str())
        .collect();
    let times: Vec<DateTime<Utc>> = registered.iter().map(|r| r.registered_at).collect();
    sqlx::query(
        "INSERT INTO vehicles (vehicle_id, license_plate, registered_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
         ON CONFLICT DO NOTHING",
    )
    .bind(&ids)
    .bind(&plates)
    .bind(&times)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Registered vehicles with their current position: the fix with the latest device time.
pub struct Vehicles;

#[async_trait]
impl Projection for Vehicles {
    fn name(&self) -> &'static str {
        "vehicles"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["vehicles"]
    }

    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        insert_registrations(tx, &registrations(events)?).await?;
        update_groups(tx, events).await?;

        // One UPDATE per batch: keep only each vehicle's latest fix of the batch, and let the
        // row's own current fix win if it is later still (a late fix arriving).
        let mut latest: HashMap<Uuid, Fix> = HashMap::new();
        for fix in fixes(events)? {
            match latest.get(&fix.vehicle_id) {
                Some(kept) if kept.key() >= fix.key() => {}
                _ => {
                    latest.insert(fix.vehicle_id, fix);
                }
            }
        }
        if latest.is_empty() {
            return Ok(());
        }
        let fixes: Vec<Fix> = latest.into_values().collect();
        sqlx::query(
            "UPDATE vehicles v
             SET latitude = f.latitude, longitude = f.longitude, tracked_at = f.tracked_at,
                 recorded_at = f.recorded_at, fix_position = f.position,
                 speed_mps = f.speed_mps, heading = f.heading, battery_percent = f.battery_percent
             FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::timestamptz[], $5::timestamptz[], $6::bigint[],
                         $7::float8[], $8::float8[], $9::float8[])
                  AS f(vehicle_id, latitude, longitude, tracked_at, recorded_at, position, speed_mps, heading, battery_percent)
             WHERE v.vehicle_id = f.vehicle_id
               AND (v.tracked_at IS NULL OR (v.tracked_at, v.fix_position) < (f.tracked_at, f.position))",
        )
        .bind(fixes.iter().map(|f| f.vehicle_id).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.latitude).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.longitude).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.tracked_at).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.recorded_at).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.position).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.speed_mps).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.heading).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.battery_percent).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

/// Every fix by vehicle and device time (trails), and the keyframes of the fleet every minute
/// (the fleet at any past moment), in one transaction so that they always agree.
pub struct VehiclePositions;

#[async_trait]
impl Projection for VehiclePositions {
    fn name(&self) -> &'static str {
        "vehicle_positions"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["vehicle_positions", "fleet_keyframes"]
    }

    /// Applying a batch finds keyframes by time and the fixes of a minute by device time.
    fn indexes_read_while_applying(&self) -> &'static [&'static str] {
        &["fleet_keyframes_pkey", "vehicle_positions_tracked_at"]
    }

    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        let fixes = fixes(events)?;
        if fixes.is_empty() {
            return Ok(());
        }
        // The weeks' partitions first (a rebuild's copy makes its own: `vehicle_positions` is
        // looked up on the transaction's search path).
        let weeks: std::collections::BTreeSet<DateTime<Utc>> = fixes
            .iter()
            .map(|f| crate::fleet::retention::week_of(f.tracked_at))
            .collect();
        sqlx::query(
            "SELECT fleet_week_partition('vehicle_positions', week)
             FROM unnest($1::timestamptz[]) AS week",
        )
        .bind(weeks.into_iter().collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO vehicle_positions (vehicle_id, latitude, longitude, tracked_at, recorded_at, position)
             SELECT * FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
             ON CONFLICT DO NOTHING",
        )
        .bind(fixes.iter().map(|f| f.vehicle_id).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.latitude).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.longitude).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.tracked_at).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.recorded_at).collect::<Vec<_>>())
        .bind(fixes.iter().map(|f| f.position).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        let entries: Vec<keyframe::Entry> = fixes
            .iter()
            .map(|f| keyframe::Entry {
                vehicle: f.vehicle_id,
                at: f.tracked_at.timestamp_micros(),
                position: f.position,
                latitude: f.latitude,
                longitude: f.longitude,
            })
            .collect();
        keyframes::apply(tx, &entries).await
    }
}

/// The groups of vehicles, by name.
pub struct VehicleGroups;

#[async_trait]
impl Projection for VehicleGroups {
    fn name(&self) -> &'static str {
        "vehicle_groups"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["vehicle_groups"]
    }

    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        let created: Vec<GroupCreated> = of_type(events, GROUP_CREATED)?;
        if created.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO vehicle_groups (group_id, name, created_at)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])
             ON CONFLICT DO NOTHING",
        )
        .bind(created.iter().map(|g| g.group_id).collect::<Vec<_>>())
        .bind(created.iter().map(|g| g.name.as_str()).collect::<Vec<_>>())
        .bind(created.iter().map(|g| g.created_at).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod keyframes_tests;
#[cfg(test)]
mod tests;
