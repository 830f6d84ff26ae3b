//! Keyframes: the whole fleet's positions at every minute boundary that had fixes, kept by the
//! `vehicle_positions` projection in `fleet_keyframes`. The fleet at an old moment T is the
//! latest keyframe at or before T plus the fixes after it (at most a minute's), so answering
//! needs neither every fix in memory nor one index seek per vehicle.
//!
//! A minute's keyframe is written once, when the fixes have gone [`SETTLE_MICROS`] past it (most
//! late fixes are in by then); a fix later still changes the keyframes written since its time.
//!
//! Pure: which keyframes a batch of fixes creates and changes. The projection reads and writes
//! them; [`super::old_moments`] reads them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::fixes::Micros;

/// Keyframes every minute: the fixes after a keyframe are at most a minute's (2,000 rows for
/// 1,000 vehicles reporting every 30 s, about 2 ms to read), and a month of them for 1,000
/// vehicles is 43,200 rows of 48 KB (about 24 bytes per fix at that rate).
pub const INTERVAL_MICROS: Micros = 60_000_000;

/// A minute's keyframe is written once the fixes are 15 minutes past it. Then a late fix costs
/// nothing (it is read with the minute's fixes) unless it is later than that: a fix of a
/// tracker's offline buffer, say, which rewrites every keyframe written since its time (48 KB
/// each for 1,000 vehicles). Trackers on a flaky network send up to minutes late (the
/// benchmark's one in fifty: up to 10). Until then the fleet at a moment of those 15 minutes
/// reads their fixes, which the server's memory holds anyway.
pub const SETTLE_MICROS: Micros = 15 * INTERVAL_MICROS;

/// The keyframe a fix at `at` belongs to: the first minute boundary at or after it.
pub fn boundary_of(at: Micros) -> Micros {
    ((at - 1).div_euclid(INTERVAL_MICROS) + 1) * INTERVAL_MICROS
}

/// The last boundary whose keyframe is written once fixes reach `latest`: the last at or before
/// `latest - settle`.
pub fn settled_through(latest: Micros, settle: Micros) -> Micros {
    boundary_of(latest - settle + 1) - INTERVAL_MICROS
}

/// The keyframes of the boundaries after `previous` (the latest written) that had fixes, from
/// `fixes`: every fix after `previous` up to the last boundary to write, in (time, position)
/// order.
pub fn settle(previous: Option<Keyframe>, fixes: &[Entry]) -> Vec<Keyframe> {
    let mut state = previous.unwrap_or_default();
    let mut created = Vec::new();
    let mut boundary = None;
    for fix in fixes {
        let at = boundary_of(fix.at);
        if let Some(done) = boundary.filter(|b| *b != at) {
            created.push(Keyframe {
                at: done,
                entries: state.entries.clone(),
            });
        }
        boundary = Some(at);
        let _ = state.offer(fix);
    }
    if let Some(at) = boundary {
        created.push(Keyframe {
            at,
            entries: state.entries,
        });
    }
    created
}

/// A vehicle's latest fix at a keyframe: device time, then position in the log (the later
/// append wins a tie, as everywhere else).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Entry {
    pub vehicle: Uuid,
    pub at: Micros,
    pub position: i64,
    pub latitude: f64,
    pub longitude: f64,
}

impl Entry {
    pub fn key(&self) -> (Micros, i64) {
        (self.at, self.position)
    }
}

/// A fix as `vehicle_positions` and the keyframe rows give it: vehicle, device time, position,
/// latitude, longitude.
pub type EntryRow = (Uuid, DateTime<Utc>, i64, f64, f64);

impl From<EntryRow> for Entry {
    fn from((vehicle, at, position, latitude, longitude): EntryRow) -> Self {
        Self {
            vehicle,
            at: at.timestamp_micros(),
            position,
            latitude,
            longitude,
        }
    }
}

/// The fleet at a minute boundary: each vehicle with a fix at or before it, at its latest, by
/// vehicle id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Keyframe {
    pub at: Micros,
    pub entries: Vec<Entry>,
}

/// What a batch does to the keyframes: those to create and those to rewrite, by time.
#[derive(Debug, Default, PartialEq)]
pub struct KeyframeChanges {
    pub created: Vec<Keyframe>,
    pub changed: Vec<Keyframe>,
}

impl Keyframe {
    fn find(&self, vehicle: Uuid) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| e.vehicle.cmp(&vehicle))
    }

    /// Puts `fix` in unless the vehicle's entry is as late or later.
    fn offer(&mut self, fix: &Entry) -> Offer {
        match self.find(fix.vehicle) {
            Ok(i) if self.entries[i].key() == fix.key() => Offer::Same,
            Ok(i) if self.entries[i].key() > fix.key() => Offer::Superseded,
            Ok(i) => {
                self.entries[i] = *fix;
                Offer::Taken
            }
            Err(i) => {
                self.entries.insert(i, *fix);
                Offer::Taken
            }
        }
    }
}

enum Offer {
    Taken,
    /// The keyframe has this very fix: applied before, or copied from the keyframe before.
    Same,
    /// The keyframe has a later fix of the vehicle: so has every later keyframe.
    Superseded,
}

/// A batch of fixes walking through the keyframes, in time order. A fix belongs to its
/// boundary's keyframe and to every later one until the vehicle's entry there is as late: in time
/// order that is one keyframe; a late fix may change several, a parked vehicle's late fix every
/// one after it. The projection feeds the walk pages of keyframes from [`Walk::resume_at`] on
/// (with the latest one before it), until it answers `None`.
#[derive(Debug, Default)]
pub struct Walk {
    /// Fixes by boundary, not reached yet.
    pending: BTreeMap<Micros, Vec<Entry>>,
    /// Fixes still moving forward through the keyframes, the latest per vehicle.
    carried: BTreeMap<Uuid, Entry>,
    /// The keyframe last looked at, the base of one created after it.
    previous: Option<Keyframe>,
    pub changes: KeyframeChanges,
}

impl Walk {
    pub fn new(fixes: &[Entry]) -> Self {
        let mut walk = Self::default();
        for fix in fixes {
            walk.pending
                .entry(boundary_of(fix.at))
                .or_default()
                .push(*fix);
        }
        walk
    }

    /// The first keyframe the walk still needs to look at, if any: past the last one looked at
    /// while fixes are carried, else the next boundary with fixes.
    pub fn resume_at(&self) -> Option<Micros> {
        let next_pending = self.pending.keys().next().copied();
        if self.carried.is_empty() {
            return next_pending;
        }
        let after_previous = self.previous.as_ref().map(|p| p.at + 1);
        after_previous.or(next_pending)
    }

    /// Walks the keyframes given: the latest before [`Self::resume_at`] (if any), then those
    /// from it on in time order; `complete` when no keyframe exists after the last given.
    pub fn walk(&mut self, keyframes: Vec<Keyframe>, complete: bool) {
        let Some(from) = self.resume_at() else { return };
        let mut keyframes = keyframes.into_iter().peekable();
        while let Some(k) = keyframes.next_if(|k| k.at < from) {
            // The one looked at last is as this walk left it; the one read may be older.
            if self.previous.as_ref().is_none_or(|p| p.at < k.at) {
                self.previous = Some(k);
            }
        }
        loop {
            let next_existing = keyframes.peek().map(|k| k.at);
            let next_pending = self.pending.keys().next().copied();
            let at = match (next_existing, next_pending) {
                (Some(e), Some(p)) => e.min(p),
                (Some(e), None) => e,
                (None, Some(p)) if complete => p,
                // Past the last keyframe given, with more after it: the next page goes on.
                // Past the last keyframe of all: the fixes carried are in it, nothing follows.
                _ => {
                    if complete {
                        self.carried.clear();
                    }
                    return;
                }
            };
            if next_pending != Some(at) && self.carried.is_empty() {
                // Nothing to carry through this one: on to the next boundary with fixes, from
                // the latest keyframe before it.
                if next_pending.is_none() {
                    return;
                }
                self.previous = keyframes.next();
                continue;
            }
            self.step(at, keyframes.next_if(|k| k.at == at));
        }
    }

    fn step(&mut self, at: Micros, existing: Option<Keyframe>) {
        for fix in self.pending.remove(&at).unwrap_or_default() {
            match self.carried.get(&fix.vehicle) {
                Some(kept) if kept.key() >= fix.key() => {}
                _ => {
                    self.carried.insert(fix.vehicle, fix);
                }
            }
        }
        let created = existing.is_none();
        let mut keyframe = existing.unwrap_or_else(|| Keyframe {
            at,
            entries: self.previous.take().map(|p| p.entries).unwrap_or_default(),
        });
        let mut changed = false;
        self.carried.retain(|_, fix| match keyframe.offer(fix) {
            Offer::Taken => {
                changed = true;
                true
            }
            // A keyframe written before this batch with this fix: every later one has it (or
            // a later fix). A new keyframe has it from the one before: the later ones may not.
            Offer::Same => created,
            Offer::Superseded => false,
        });
        if created {
            self.changes.created.push(keyframe.clone());
        } else if changed {
            self.changes.changed.push(keyframe.clone());
        }
        self.previous = Some(keyframe);
    }
}

/// The fleet at `at` from a keyframe at or before it and the fixes after it: each vehicle's
/// latest, by vehicle id.
pub fn fleet_at(keyframe: Option<Keyframe>, fixes_after: &[Entry]) -> Keyframe {
    let mut fleet = keyframe.unwrap_or_default();
    for fix in fixes_after {
        let _ = fleet.offer(fix);
    }
    fleet
}

/// A row of `fleet_keyframes`: one array per field, in vehicle id order.
#[derive(sqlx::FromRow)]
pub struct KeyframeRow {
    at: DateTime<Utc>,
    vehicle_ids: Vec<Uuid>,
    tracked_at: Vec<DateTime<Utc>>,
    positions: Vec<i64>,
    latitudes: Vec<f64>,
    longitudes: Vec<f64>,
}

impl KeyframeRow {
    pub fn into_keyframe(self) -> Keyframe {
        let entries = self
            .vehicle_ids
            .into_iter()
            .zip(self.tracked_at)
            .zip(self.positions)
            .zip(self.latitudes.into_iter().zip(self.longitudes))
            .map(|(((vehicle, at), position), (latitude, longitude))| {
                Entry::from((vehicle, at, position, latitude, longitude))
            })
            .collect();
        Keyframe {
            at: self.at.timestamp_micros(),
            entries,
        }
    }
}
