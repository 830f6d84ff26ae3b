//! Fixes per minute of device time and vehicle group (`fleet_activity`): where the timeline
//! shows there was activity. A projection of its own, so that it can start from the beginning of
//! the log on an existing database (see its migration) without the others.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{decode, decode_fix};
use crate::fleet::events::{VehiclePlacedInGroup, LOCATION_TRACKED, VEHICLE_PLACED_IN_GROUP};
use event_store::{Projection, StoredEvent};

/// The group of a vehicle in no group.
pub const NO_GROUP: Uuid = Uuid::nil();

const MINUTE_MICROS: i64 = 60_000_000;

/// What the count needs of an event, in log order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seen {
    Placed { vehicle: Uuid, group: Uuid },
    Fix { vehicle: Uuid, at: DateTime<Utc> },
}

/// The minute a moment falls in, in microseconds since 1970.
fn minute_of(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros().div_euclid(MINUTE_MICROS) * MINUTE_MICROS
}

/// Fixes counted per (minute, group) for a batch, each under the group its vehicle is in when
/// the fix comes in the log (`groups` holds the vehicles' groups before the batch and is left
/// holding them after it).
pub fn count(seen: &[Seen], groups: &mut HashMap<Uuid, Uuid>) -> BTreeMap<(i64, Uuid), i32> {
    let mut counts = BTreeMap::new();
    for event in seen {
        match *event {
            Seen::Placed { vehicle, group } => {
                groups.insert(vehicle, group);
            }
            Seen::Fix { vehicle, at } => {
                let group = groups.get(&vehicle).copied().unwrap_or(NO_GROUP);
                *counts.entry((minute_of(at), group)).or_insert(0) += 1;
            }
        }
    }
    counts
}

fn seen(events: &[StoredEvent]) -> sqlx::Result<Vec<Seen>> {
    let mut seen = Vec::new();
    for event in events {
        if event.event_type == LOCATION_TRACKED {
            let fix = decode_fix(event)?;
            seen.push(Seen::Fix {
                vehicle: fix.vehicle_id,
                at: fix.tracked_at,
            });
        } else if event.event_type == VEHICLE_PLACED_IN_GROUP {
            let placed: VehiclePlacedInGroup = decode(event)?;
            seen.push(Seen::Placed {
                vehicle: placed.scope.vehicle_registered_id,
                group: placed.group_id,
            });
        }
    }
    Ok(seen)
}

pub struct FleetActivity;

#[async_trait]
impl Projection for FleetActivity {
    fn name(&self) -> &'static str {
        "fleet_activity"
    }

    fn tables(&self) -> &'static [&'static str] {
        &["fleet_activity", "fleet_activity_groups"]
    }

    /// Counts are added to the minute's row, and vehicles' groups are looked up.
    fn indexes_read_while_applying(&self) -> &'static [&'static str] {
        &["fleet_activity_pkey", "fleet_activity_groups_pkey"]
    }

    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        let seen = seen(events)?;
        if seen.is_empty() {
            return Ok(());
        }
        let mut vehicles: Vec<Uuid> = seen
            .iter()
            .map(|s| match *s {
                Seen::Placed { vehicle, .. } | Seen::Fix { vehicle, .. } => vehicle,
            })
            .collect();
        vehicles.sort_unstable();
        vehicles.dedup();
        let mut groups: HashMap<Uuid, Uuid> = sqlx::query_as::<_, (Uuid, Uuid)>(
            "SELECT vehicle_id, group_id FROM fleet_activity_groups WHERE vehicle_id = ANY($1)",
        )
        .bind(&vehicles)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        let counts = count(&seen, &mut groups);
        // Each vehicle placed in the batch, in the group it ended in.
        let moved: Vec<(Uuid, Uuid)> = seen
            .iter()
            .filter_map(|s| match *s {
                Seen::Placed { vehicle, .. } => Some(vehicle),
                Seen::Fix { .. } => None,
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|vehicle| (vehicle, groups[&vehicle]))
            .collect();
        if !moved.is_empty() {
            sqlx::query(
                "INSERT INTO fleet_activity_groups (vehicle_id, group_id)
                 SELECT * FROM unnest($1::uuid[], $2::uuid[])
                 ON CONFLICT (vehicle_id) DO UPDATE SET group_id = excluded.group_id",
            )
            .bind(moved.iter().map(|m| m.0).collect::<Vec<_>>())
            .bind(moved.iter().map(|m| m.1).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        }
        if counts.is_empty() {
            return Ok(());
        }
        let minutes: Vec<DateTime<Utc>> = counts
            .keys()
            .map(|(minute, _)| DateTime::from_timestamp_micros(*minute).unwrap_or_default())
            .collect();
        sqlx::query(
            "INSERT INTO fleet_activity (minute, group_id, fixes)
             SELECT * FROM unnest($1::timestamptz[], $2::uuid[], $3::int[])
             ON CONFLICT (minute, group_id) DO UPDATE SET fixes = fleet_activity.fixes + excluded.fixes",
        )
        .bind(&minutes)
        .bind(counts.keys().map(|(_, group)| *group).collect::<Vec<_>>())
        .bind(counts.values().copied().collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32, second: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 9, minute, second)
            .unwrap()
    }

    #[test]
    fn fixes_are_counted_per_minute_under_the_group_their_vehicle_is_in_then() {
        let (car, van) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let depot = Uuid::from_u128(10);
        // Given: the van was placed in the depot before this batch.
        let mut groups = HashMap::from([(van, depot)]);
        // When: two fixes of the car in minute 0, one in minute 1; then the car joins the depot
        // and sends one more in minute 1; the van one in minute 0.
        let counted = count(
            &[
                Seen::Fix {
                    vehicle: car,
                    at: at(0, 5),
                },
                Seen::Fix {
                    vehicle: car,
                    at: at(0, 59),
                },
                Seen::Fix {
                    vehicle: car,
                    at: at(1, 0),
                },
                Seen::Placed {
                    vehicle: car,
                    group: depot,
                },
                Seen::Fix {
                    vehicle: car,
                    at: at(1, 30),
                },
                Seen::Fix {
                    vehicle: van,
                    at: at(0, 0),
                },
            ],
            &mut groups,
        );
        // Then
        let minute = |m| minute_of(at(m, 0));
        assert_eq!(
            counted,
            BTreeMap::from([
                ((minute(0), NO_GROUP), 2),
                ((minute(0), depot), 1),
                ((minute(1), NO_GROUP), 1),
                ((minute(1), depot), 1),
            ])
        );
        assert_eq!(groups, HashMap::from([(van, depot), (car, depot)]));
    }

    #[test]
    fn a_moment_before_1970_counts_in_its_own_minute_not_the_next() {
        let car = Uuid::from_u128(1);
        let before_1970 = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 30).unwrap();
        let counted = count(
            &[Seen::Fix {
                vehicle: car,
                at: before_1970,
            }],
            &mut HashMap::new(),
        );
        let minute = Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 0).unwrap();
        assert_eq!(
            counted,
            BTreeMap::from([((minute.timestamp_micros(), NO_GROUP), 1)])
        );
    }
}
