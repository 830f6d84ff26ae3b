//! Keyframes as a batch's walk leaves them, against their definition: at each minute boundary
//! after a fix, every vehicle at its latest fix then.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::keyframe::{
    boundary_of, fleet_at, settle as settle_keyframes, settled_through, Entry, Keyframe, Walk,
    INTERVAL_MICROS,
};
use crate::random::Lcg;

const MINUTE: i64 = INTERVAL_MICROS;

fn vehicle(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn fix(n: u128, at: i64, position: i64) -> Entry {
    Entry {
        vehicle: vehicle(n),
        at,
        position,
        latitude: position as f64,
        longitude: n as f64,
    }
}

/// The fixes and keyframes in PostgreSQL, as the projection reads and writes them.
#[derive(Default)]
struct Stored {
    keyframes: BTreeMap<i64, Keyframe>,
    /// Every fix, as `vehicle_positions` has them.
    fixes: Vec<Entry>,
}

impl Stored {
    /// What `projections::keyframes::apply` does, late fixes read in pages of `page` keyframes,
    /// keyframes written `settle` after their minute. Answers the keyframes (created, changed).
    fn apply(&mut self, batch: &[Entry], page: usize, settle: i64) -> (usize, usize) {
        self.fixes.extend_from_slice(batch);
        let last = self.keyframes.keys().next_back().copied();
        let late: Vec<Entry> = batch
            .iter()
            .filter(|f| last.is_some_and(|l| boundary_of(f.at) <= l))
            .copied()
            .collect();
        let mut walk = Walk::new(&late);
        while let Some(from) = walk.resume_at() {
            let before = self
                .keyframes
                .range(..from)
                .next_back()
                .map(|(_, k)| k.clone());
            let after: Vec<Keyframe> = self
                .keyframes
                .range(from..)
                .take(page)
                .map(|(_, k)| k.clone())
                .collect();
            let complete = after.len() < page;
            walk.walk(before.into_iter().chain(after).collect(), complete);
        }
        let (mut created, changed) = (walk.changes.created.len(), walk.changes.changed.len());
        for keyframe in walk.changes.created.into_iter().chain(walk.changes.changed) {
            self.keyframes.insert(keyframe.at, keyframe);
        }
        let latest = batch.iter().map(|f| f.at).max().unwrap();
        let through = settled_through(latest, settle);
        if last.is_none_or(|l| through > l) {
            let previous = last.map(|l| self.keyframes[&l].clone());
            let mut after: Vec<Entry> = self
                .fixes
                .iter()
                .filter(|f| last.is_none_or(|l| f.at > l) && f.at <= through)
                .copied()
                .collect();
            after.sort_by_key(Entry::key);
            for keyframe in settle_keyframes(previous, &after) {
                created += 1;
                self.keyframes.insert(keyframe.at, keyframe);
            }
        }
        (created, changed)
    }

    /// The fleet at `at` as `old_moments` reads it: the latest keyframe and the fixes after it.
    fn fleet_at(&self, at: i64) -> Vec<Entry> {
        let keyframe = self
            .keyframes
            .range(..=at)
            .next_back()
            .map(|(_, k)| k.clone());
        let after: Vec<Entry> = self
            .fixes
            .iter()
            .filter(|f| f.at <= at && keyframe.as_ref().is_none_or(|k| f.at > k.at))
            .copied()
            .collect();
        fleet_at(keyframe, &after).entries
    }
}

/// The definition: for each boundary of a fix up to `through`, each vehicle's latest fix at or
/// before it.
fn defined(fixes: &[Entry], through: i64) -> BTreeMap<i64, Keyframe> {
    let mut keyframes = BTreeMap::new();
    for boundary in fixes
        .iter()
        .map(|f| boundary_of(f.at))
        .filter(|b| *b <= through)
    {
        keyframes.insert(
            boundary,
            Keyframe {
                at: boundary,
                entries: fold(fixes, boundary),
            },
        );
    }
    keyframes
}

/// Each vehicle's latest fix at or before `at`, straight from all the fixes.
fn fold(fixes: &[Entry], at: i64) -> Vec<Entry> {
    let mut latest: BTreeMap<Uuid, Entry> = BTreeMap::new();
    for f in fixes.iter().filter(|f| f.at <= at) {
        if latest.get(&f.vehicle).is_none_or(|l| l.key() < f.key()) {
            latest.insert(f.vehicle, *f);
        }
    }
    latest.into_values().collect()
}

#[test]
fn a_fix_belongs_to_the_first_boundary_at_or_after_it() {
    assert_eq!(boundary_of(0), 0);
    assert_eq!(boundary_of(1), MINUTE);
    assert_eq!(boundary_of(MINUTE), MINUTE);
    assert_eq!(boundary_of(MINUTE + 1), 2 * MINUTE);
    assert_eq!(boundary_of(-1), 0);
    assert_eq!(boundary_of(-MINUTE - 1), -MINUTE);
}

#[test]
fn a_minutes_keyframe_is_written_once_the_fixes_are_past_it_by_the_settling_time() {
    // Given fixes of minute 0 and 1 (keyframes 1 and 2), settling after 2 minutes
    let mut stored = Stored::default();
    assert_eq!(
        stored.apply(&[fix(1, 10, 1), fix(2, 20, 2)], 16, 2 * MINUTE),
        (0, 0)
    );
    assert_eq!(
        stored.apply(&[fix(1, MINUTE + 5, 3)], 16, 2 * MINUTE),
        (0, 0)
    );
    // When fixes reach minute 3
    let changes = stored.apply(&[fix(2, 3 * MINUTE + 5, 4)], 16, 2 * MINUTE);
    // Then keyframe 1 is written (3:05 - 2:00 is past it), not yet keyframe 2
    assert_eq!(changes, (1, 0));
    assert_eq!(
        stored.keyframes[&MINUTE].entries,
        [fix(1, 10, 1), fix(2, 20, 2)]
    );
    assert!(!stored.keyframes.contains_key(&(2 * MINUTE)));
    // And the fleet at 1:30 comes from keyframe 1 and the fix after it
    assert_eq!(
        stored.fleet_at(MINUTE + 30_000_000),
        [fix(1, MINUTE + 5, 3), fix(2, 20, 2)]
    );
}

#[test]
fn a_fix_later_than_the_settling_time_changes_the_keyframes_until_its_vehicles_next_fix() {
    // Given vehicle 1 at minutes 0, 3 and 6, vehicle 2 every minute, keyframes written at once
    let mut stored = Stored::default();
    let mut position = 0;
    for minute in 0..8 {
        position += 1;
        let mut batch = vec![fix(2, minute * MINUTE + 30, position)];
        if minute % 3 == 0 {
            position += 1;
            batch.push(fix(1, minute * MINUTE + 40, position));
        }
        stored.apply(&batch, 16, 0);
    }
    // When vehicle 1's fix of minute 1 arrives late
    let late = fix(1, MINUTE + 50, 100);
    let changes = stored.apply(&[late], 16, 0);
    // Then the keyframes of minutes 2 and 3 (ends) have it; that of 4 has the fix of minute 3
    assert_eq!(changes, (0, 2));
    assert_eq!(stored.keyframes[&(2 * MINUTE)].entries[0], late);
    assert_eq!(stored.keyframes[&(3 * MINUTE)].entries[0], late);
    assert_eq!(
        stored.keyframes[&(4 * MINUTE)].entries[0].at,
        3 * MINUTE + 40
    );
}

#[test]
fn a_parked_vehicles_late_fix_changes_every_later_keyframe_page_after_page() {
    let mut stored = Stored::default();
    for minute in 0..40 {
        stored.apply(&[fix(2, minute * MINUTE, minute + 1)], 3, 0);
    }
    // Keyframes at minutes 0 to 39; the late fix is on minute 5's boundary.
    let late = fix(1, 5 * MINUTE, 1000);
    assert_eq!(stored.apply(&[late], 3, 0), (0, 35));
    assert!(stored
        .keyframes
        .range(5 * MINUTE..)
        .all(|(_, k)| k.entries[0] == late));
    assert!(stored
        .keyframes
        .range(..5 * MINUTE)
        .all(|(_, k)| k.entries.len() == 1));
}

#[test]
fn a_late_fix_in_a_minute_without_a_keyframe_makes_one() {
    let mut stored = Stored::default();
    stored.apply(&[fix(1, 10, 1)], 16, 0);
    stored.apply(&[fix(1, 10 * MINUTE, 2)], 16, 0);
    assert_eq!(stored.apply(&[fix(2, 4 * MINUTE + 1, 3)], 16, 0), (1, 1));
    assert_eq!(
        stored.keyframes[&(5 * MINUTE)].entries,
        [fix(1, 10, 1), fix(2, 4 * MINUTE + 1, 3)]
    );
}

#[test]
fn a_fix_applied_again_changes_nothing() {
    let mut stored = Stored::default();
    let batch = [
        fix(1, 10, 1),
        fix(1, 2 * MINUTE, 2),
        fix(2, 3 * MINUTE - 1, 3),
    ];
    stored.apply(&batch, 16, 0);
    let before = stored.keyframes.clone();
    stored.apply(&batch, 16, 0);
    assert_eq!(stored.keyframes, before);
}

/// Fixes of `vehicles` vehicles, `count` of them over about `count * step` microseconds, a
/// third late by up to `late_minutes`, one in ten on a boundary.
fn history(
    random: &mut Lcg,
    count: i64,
    step: i64,
    vehicles: u64,
    late_minutes: u64,
) -> Vec<Entry> {
    (1..=count)
        .map(|position| {
            let mut at = position * step + random.below(step as u64 / 2) as i64;
            if random.below(3) == 0 {
                at -= random.below(late_minutes * 60) as i64 * 1_000_000;
            }
            if random.below(10) == 0 {
                at = (at / MINUTE) * MINUTE;
            }
            fix(random.below(vehicles) as u128, at, position)
        })
        .collect()
}

/// Loads `fixes` in batches of random sizes, and checks every keyframe written against its
/// definition and the fleet at random moments against the fold.
fn check(random: &mut Lcg, fixes: &[Entry], max_batch: u64, settle: i64, label: &str) {
    let page = 1 + random.below(5) as usize;
    let mut stored = Stored::default();
    let mut rest = fixes;
    while !rest.is_empty() {
        let size = (1 + random.below(max_batch) as usize).min(rest.len());
        stored.apply(&rest[..size], page, settle);
        rest = &rest[size..];
    }
    let through = stored
        .keyframes
        .keys()
        .next_back()
        .copied()
        .unwrap_or(i64::MIN);
    assert_eq!(
        stored.keyframes,
        defined(fixes, through),
        "{label}, page {page}"
    );
    let (first, last) = (
        fixes.iter().map(|f| f.at).min().unwrap(),
        fixes.iter().map(|f| f.at).max().unwrap(),
    );
    for _ in 0..20 {
        let at = first - MINUTE + random.below((last - first + 2 * MINUTE) as u64) as i64;
        assert_eq!(
            stored.fleet_at(at),
            fold(fixes, at),
            "{label}, page {page}, at {at}"
        );
    }
}

#[test]
fn batches_of_any_size_pages_of_any_size_and_any_settling_time_leave_the_keyframes_their_definition(
) {
    let mut random = Lcg::new(15);
    for round in 0..40 {
        // Fixes of 6 vehicles over an hour, a third of them late by up to 40 minutes
        let fixes = history(&mut random, 300, 12_000_000, 6, 40);
        let settle = random.below(20) as i64 * MINUTE;
        check(
            &mut random,
            &fixes,
            40,
            settle,
            &format!("round {round}, settle {settle}"),
        );
    }
}

/// Small histories, many of them: a failure here is short enough to read.
#[test]
fn two_thousand_small_histories_leave_the_keyframes_their_definition() {
    let mut random = Lcg::new(16);
    for round in 0..2000 {
        let count = 2 + random.below(8) as i64;
        let fixes = history(&mut random, count, MINUTE / 2, 2, 3);
        let settle = random.below(3) as i64 * MINUTE;
        check(
            &mut random,
            &fixes,
            3,
            settle,
            &format!("round {round}, settle {settle}, fixes {fixes:?}"),
        );
    }
}
