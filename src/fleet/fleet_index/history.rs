//! The fleet's history as the index holds it: per vehicle, its fixes by device time. Pure: events
//! in, answers out; `handle` shares it behind a lock.

use std::collections::HashMap;

use chrono::DateTime;
use event_store::{Cursor, StoredEvent};
use uuid::Uuid;

use super::FleetPosition;
use crate::fleet::events::{VehicleRegistered, LOCATION_TRACKED, VEHICLE_REGISTERED};
use crate::fleet::fix_payload::TrackedPosition;
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::vehicle_ref::VehicleRef;

use super::fixes::{Fix, Fixes, Micros};
use super::keyframe::Keyframe;

#[derive(Debug)]
struct Track {
    id: Uuid,
    plate: String,
    registered_at: Micros,
    /// By device time; among fixes of the same time, in commit order.
    fixes: Fixes,
}

#[derive(Debug)]
pub(super) struct Index {
    /// How far into the log the index has read.
    pub(super) cursor: Cursor,
    /// Fixes before it are not held (but each vehicle's latest before it): the fleet before
    /// it comes from the keyframes in PostgreSQL.
    pub(super) horizon: Micros,
    /// By plate, then id: the order the answers come in.
    tracks: Vec<Track>,
    by_id: HashMap<Uuid, usize>,
    /// Fixes of vehicles whose registration has not been read yet (never in a healthy log).
    orphans: usize,
}

/// What a slice of the log changes in the index, read off its events' JSON. Decoding is most of
/// the work of applying events; it is done before the index's write lock is taken, so readers
/// wait only for the inserts.
#[derive(Debug, Default)]
pub(super) struct Changes {
    cursor: Option<Cursor>,
    changes: Vec<Change>,
}

#[derive(Debug)]
enum Change {
    Registered(VehicleRegistered),
    Tracked(Uuid, Fix),
}

impl Changes {
    /// The changes without moving the index's cursor: events read out of the log's order.
    pub(super) fn without_cursor(self) -> Self {
        Self {
            cursor: None,
            ..self
        }
    }

    pub(super) fn of(events: &[StoredEvent]) -> Self {
        let mut changes = Vec::with_capacity(events.len());
        for event in events {
            match event.event_type.as_str() {
                VEHICLE_REGISTERED => {
                    if let Ok(registered) = event.decode::<VehicleRegistered>() {
                        changes.push(Change::Registered(registered));
                    }
                }
                LOCATION_TRACKED => {
                    if let Ok(fix) = TrackedPosition::of(event) {
                        let at = fix.tracked_at.timestamp_micros();
                        changes.push(Change::Tracked(
                            fix.vehicle_id,
                            Fix {
                                at,
                                latitude: fix.latitude,
                                longitude: fix.longitude,
                            },
                        ));
                    }
                }
                _ => {}
            }
        }
        Self {
            cursor: events.last().map(StoredEvent::cursor),
            changes,
        }
    }
}

impl Default for Index {
    fn default() -> Self {
        Self {
            cursor: Cursor::default(),
            horizon: Micros::MIN,
            tracks: Vec::new(),
            by_id: HashMap::new(),
            orphans: 0,
        }
    }
}

impl Index {
    /// Forgets the fixes before `horizon` (never moving it back).
    pub(super) fn forget_before(&mut self, horizon: Micros) {
        if horizon <= self.horizon {
            return;
        }
        self.horizon = horizon;
        for track in &mut self.tracks {
            track.fixes.forget_before(horizon);
        }
    }

    /// Keeps each vehicle's fix of `state` as its latest before the horizon.
    pub(super) fn set_before_horizon(&mut self, state: &Keyframe) {
        for entry in &state.entries {
            self.track(
                entry.vehicle,
                Fix {
                    at: entry.at,
                    latitude: entry.latitude,
                    longitude: entry.longitude,
                },
            );
        }
    }

    pub(super) fn apply_changes(&mut self, changes: Changes) {
        if let Some(cursor) = changes.cursor {
            self.cursor = cursor;
        }
        for change in changes.changes {
            match change {
                Change::Registered(registered) => self.register(registered),
                Change::Tracked(vehicle, fix) => self.track(vehicle, fix),
            }
        }
    }

    fn register(&mut self, registered: VehicleRegistered) {
        if self.by_id.contains_key(&registered.vehicle_registered_id) {
            return;
        }
        let track = Track {
            id: registered.vehicle_registered_id,
            plate: registered.vehicle_license_plate,
            registered_at: registered.registered_at.timestamp_micros(),
            fixes: Fixes::default(),
        };
        let place = self
            .tracks
            .partition_point(|t| (t.plate.as_str(), t.id) < (track.plate.as_str(), track.id));
        self.tracks.insert(place, track);
        for (index, track) in self.tracks.iter().enumerate().skip(place) {
            self.by_id.insert(track.id, index);
        }
    }

    fn track(&mut self, vehicle: Uuid, fix: Fix) {
        let Some(&index) = self.by_id.get(&vehicle) else {
            self.orphans += 1;
            return;
        };
        // Usually the newest; a late fix goes where its device time puts it.
        self.tracks[index].fixes.insert_from(self.horizon, fix);
    }

    /// The fleet at `at` from the fixes held; `None` before the horizon.
    pub(super) fn fleet_at(&self, at: Micros) -> Option<Vec<FleetPosition>> {
        (at >= self.horizon).then(|| self.fleet(at, |track| track.fixes.latest_at(at)))
    }

    /// The fleet at `at` from `state`, each vehicle's latest fix at `at` read from PostgreSQL.
    pub(super) fn fleet_from(&self, at: Micros, state: &Keyframe) -> Vec<FleetPosition> {
        self.fleet(at, |track| {
            let found = state
                .entries
                .binary_search_by(|e| e.vehicle.cmp(&track.id))
                .ok()?;
            let entry = &state.entries[found];
            Some(Fix {
                at: entry.at,
                latitude: entry.latitude,
                longitude: entry.longitude,
            })
        })
    }

    fn fleet(&self, at: Micros, latest: impl Fn(&Track) -> Option<Fix>) -> Vec<FleetPosition> {
        self.tracks
            .iter()
            .filter_map(|track| {
                let fix = latest(track);
                // Imported history and trackers' offline buffers bring fixes older than the
                // registration: the vehicle was on the road then, so it shows.
                if track.registered_at > at && fix.is_none() {
                    return None;
                }
                Some(FleetPosition {
                    vehicle_registered_id: track.id,
                    vehicle_license_plate: track.plate.clone(),
                    latitude: fix.map(|f| f.latitude),
                    longitude: fix.map(|f| f.longitude),
                    tracked_at: fix.and_then(|f| DateTime::from_timestamp_micros(f.at)),
                })
            })
            .collect()
    }

    pub(super) fn known_vehicle(&self, vehicle: &VehicleRef) -> Option<Uuid> {
        match vehicle {
            VehicleRef::Id(id) => self.by_id.contains_key(id).then_some(*id),
            VehicleRef::Plate(raw) => {
                let plate = LicensePlate::parse(raw).ok()?;
                let first = self
                    .tracks
                    .partition_point(|t| t.plate.as_str() < plate.as_str());
                self.tracks
                    .get(first)
                    .filter(|t| t.plate == plate.as_str())
                    .map(|t| t.id)
            }
        }
    }

    /// Fixes of `vehicle_positions` rows: (vehicle, device time, latitude, longitude).
    pub(super) fn track_all(&mut self, fixes: Vec<(Uuid, DateTime<chrono::Utc>, f64, f64)>) {
        for (vehicle, at, latitude, longitude) in fixes {
            self.track(
                vehicle,
                Fix {
                    at: at.timestamp_micros(),
                    latitude,
                    longitude,
                },
            );
        }
    }

    pub(super) fn fixes(&self) -> usize {
        self.tracks.iter().map(|t| t.fixes.len()).sum()
    }

    pub(super) fn fix_bytes(&self) -> usize {
        self.tracks.iter().map(|t| t.fixes.bytes()).sum()
    }
}
