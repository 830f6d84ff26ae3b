//! The fleet's history as the index holds it: per vehicle, its fixes by device time. Pure: events
//! in, answers out; `handle` shares it behind a lock.

use std::collections::HashMap;

use chrono::DateTime;
use event_store::{Cursor, StoredEvent};
use uuid::Uuid;

use super::FleetPosition;
use crate::fleet::events::{
    TrackedPosition, VehicleRegistered, LOCATION_TRACKED, VEHICLE_REGISTERED,
};
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::vehicle_ref::VehicleRef;

use super::fixes::{Fix, Fixes, Micros};

#[derive(Debug)]
struct Track {
    id: Uuid,
    plate: String,
    registered_at: Micros,
    /// By device time; among fixes of the same time, in commit order.
    fixes: Fixes,
}

#[derive(Debug, Default)]
pub(super) struct Index {
    /// How far into the log the index has read.
    pub(super) cursor: Cursor,
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
                    if let Ok(fix) = event.decode::<TrackedPosition>() {
                        let at = fix
                            .tracked_at
                            .unwrap_or(event.recorded_at)
                            .timestamp_micros();
                        changes.push(Change::Tracked(
                            fix.scope.vehicle_registered_id,
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

impl Index {
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
        self.tracks[index].fixes.insert(fix);
    }

    pub(super) fn fleet_at(&self, at: Micros) -> Vec<FleetPosition> {
        self.tracks
            .iter()
            .filter_map(|track| {
                let fix = track.fixes.latest_at(at);
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

    pub(super) fn fixes(&self) -> usize {
        self.tracks.iter().map(|t| t.fixes.len()).sum()
    }

    pub(super) fn fix_bytes(&self) -> usize {
        self.tracks.iter().map(|t| t.fixes.bytes()).sum()
    }
}
