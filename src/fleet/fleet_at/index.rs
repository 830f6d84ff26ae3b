//! An in-memory index of the fleet's history, folded from the event log at start-up and kept
//! current by following it: the fleet at any moment in one binary search per vehicle, instead of
//! one index seek per vehicle in PostgreSQL. A cache: every instance rebuilds its own from the
//! log, so nothing is lost with it.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, RwLock,
    },
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::FleetPosition;
use crate::event_store::{follow, Cursor, EventStore, StoredEvent, Wakeups};
use crate::fleet::events::{
    TrackedPosition, VehicleRegistered, LOCATION_TRACKED, VEHICLE_REGISTERED,
};
use crate::fleet::license_plate::LicensePlate;
use crate::fleet::track_location::VehicleRef;

/// Device time in microseconds, as PostgreSQL keeps it.
type Micros = i64;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Fix {
    at: Micros,
    latitude: f64,
    longitude: f64,
}

#[derive(Debug)]
struct Track {
    id: Uuid,
    plate: String,
    registered_at: Micros,
    /// By device time; among fixes of the same time, in commit order.
    fixes: Vec<Fix>,
}

#[derive(Debug, Default)]
struct Index {
    /// How far into the log the index has read.
    cursor: Cursor,
    /// By plate, then id: the order the answers come in.
    tracks: Vec<Track>,
    by_id: HashMap<Uuid, usize>,
    /// Fixes of vehicles whose registration has not been read yet (never in a healthy log).
    orphans: usize,
}

impl Index {
    fn apply(&mut self, events: &[StoredEvent]) {
        if let Some(last) = events.last() {
            self.cursor = last.cursor();
        }
        for event in events {
            match event.event_type.as_str() {
                VEHICLE_REGISTERED => {
                    if let Ok(registered) = event.decode::<VehicleRegistered>() {
                        self.register(registered);
                    }
                }
                LOCATION_TRACKED => {
                    if let Ok(fix) = event.decode::<TrackedPosition>() {
                        let at = fix
                            .tracked_at
                            .unwrap_or(event.recorded_at)
                            .timestamp_micros();
                        self.track(
                            fix.scope.vehicle_registered_id,
                            Fix {
                                at,
                                latitude: fix.latitude,
                                longitude: fix.longitude,
                            },
                        );
                    }
                }
                _ => {}
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
            fixes: Vec::new(),
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
        let fixes = &mut self.tracks[index].fixes;
        // Grow by an eighth rather than doubling: at 24 bytes a fix, the index of 10 M fixes
        // stays near 250 MB instead of up to twice that in spare capacity.
        if fixes.len() == fixes.capacity() {
            fixes.reserve_exact((fixes.len() / 8).max(16));
        }
        // Usually the newest; a late fix goes where its device time puts it.
        let place = fixes.partition_point(|f| f.at <= fix.at);
        fixes.insert(place, fix);
    }

    fn fleet_at(&self, at: Micros) -> Vec<FleetPosition> {
        self.tracks
            .iter()
            .filter_map(|track| {
                let fix = match track.fixes.partition_point(|f| f.at <= at) {
                    0 => None,
                    n => Some(track.fixes[n - 1]),
                };
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
}

/// Shared handle; cheap to clone.
#[derive(Clone, Default)]
pub struct FleetIndex {
    index: Arc<RwLock<Index>>,
    /// Set once the whole log has been folded: until then queries go to PostgreSQL.
    ready: Arc<AtomicBool>,
    /// The task that keeps the index current, once started.
    follower: Arc<Mutex<Option<tokio::task::AbortHandle>>>,
}

impl FleetIndex {
    /// Folds the whole log, then follows it in a background task.
    pub async fn start(store: &EventStore, wakeups: Wakeups) -> sqlx::Result<Self> {
        let index = Self::default();
        index.load(store, wakeups).await?;
        Ok(index)
    }

    /// The same in the background, so the server answers (from PostgreSQL) while it loads.
    pub fn spawn(store: EventStore, wakeups: Wakeups) -> Self {
        let index = Self::default();
        let loading = index.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            match loading.load(&store, wakeups).await {
                Ok(()) => tracing::info!(
                    fixes = loading.fixes(),
                    seconds = started.elapsed().as_secs_f64(),
                    "fleet index ready"
                ),
                Err(error) => tracing::error!(
                    %error,
                    "the fleet index could not load; the fleet at T comes from PostgreSQL"
                ),
            }
        });
        index
    }

    async fn load(&self, store: &EventStore, wakeups: Wakeups) -> sqlx::Result<()> {
        let mut cursor = Cursor::default();
        loop {
            let events = store.read_committed(cursor, 10_000).await?;
            let Some(last) = events.last() else { break };
            cursor = last.cursor();
            self.apply(&events);
        }
        self.ready.store(true, Ordering::Release);
        let follower = self.clone();
        let task = tokio::spawn(follow(
            store.pool().clone(),
            cursor,
            wakeups,
            move |events| follower.apply(events),
        ));
        *self.follower.lock().expect("follower lock") = Some(task.abort_handle());
        Ok(())
    }

    /// Stops following the log, so the index is freed with its last handle.
    pub fn stop(&self) {
        if let Some(task) = self.follower.lock().expect("follower lock").take() {
            task.abort();
        }
    }

    /// Bytes the fixes take in memory, spare capacity included.
    pub fn fix_bytes(&self) -> usize {
        let index = self.index.read().expect("index lock");
        index
            .tracks
            .iter()
            .map(|t| t.fixes.capacity() * std::mem::size_of::<Fix>())
            .sum()
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// How far into the log the index has read.
    pub fn cursor(&self) -> Cursor {
        self.index.read().expect("index lock").cursor
    }

    fn apply(&self, events: &[StoredEvent]) {
        self.index.write().expect("index lock").apply(events);
    }

    /// Every vehicle registered or tracked at or before `at`, at its latest fix at or before
    /// `at`, by plate.
    pub fn fleet_at(&self, at: DateTime<Utc>) -> Vec<FleetPosition> {
        self.index
            .read()
            .expect("index lock")
            .fleet_at(at.timestamp_micros())
    }

    /// The id of the vehicle registered as `vehicle`, if the index has read its registration.
    /// A registration is never undone and a plate names one vehicle, so a vehicle found here is
    /// registered for good; one not found may be too new: ask the log.
    pub fn known_vehicle(&self, vehicle: &VehicleRef) -> Option<Uuid> {
        let index = self.index.read().expect("index lock");
        match vehicle {
            VehicleRef::Id(id) => index.by_id.contains_key(id).then_some(*id),
            VehicleRef::Plate(raw) => {
                let plate = LicensePlate::parse(raw).ok()?;
                let first = index
                    .tracks
                    .partition_point(|t| t.plate.as_str() < plate.as_str());
                index
                    .tracks
                    .get(first)
                    .filter(|t| t.plate == plate.as_str())
                    .map(|t| t.id)
            }
        }
    }

    /// Fixes held in memory.
    pub fn fixes(&self) -> usize {
        self.index
            .read()
            .expect("index lock")
            .tracks
            .iter()
            .map(|t| t.fixes.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration as StdDuration;

    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::fleet::events::{LocationTracked, VehicleScope};
    use crate::fleet::register_vehicle::register;
    use crate::test_support::TestDb;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap()
    }

    /// A small deterministic generator: the same data on every run.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) % below
        }
    }

    /// Fixes every few seconds for each vehicle; one in eight arrives late, up to an hour behind.
    async fn append_fixes(db: &TestDb, vehicles: &[Uuid], count: usize, random: &mut Lcg) {
        let events: Vec<_> = (0..count)
            .map(|n| {
                let vehicle = vehicles[random.next(vehicles.len() as u64) as usize];
                let mut seconds = 60 + n as i64 * 3 + random.next(3) as i64;
                if random.next(8) == 0 {
                    seconds -= random.next(3600) as i64;
                }
                LocationTracked {
                    location_tracked_id: Uuid::now_v7(),
                    latitude: 45.0 + random.next(10_000) as f64 / 1000.0,
                    longitude: 5.0 + random.next(10_000) as f64 / 1000.0,
                    tracked_at: Some(t0() + Duration::seconds(seconds)),
                    extras: Default::default(),
                    scope: VehicleScope {
                        vehicle_registered_id: vehicle,
                    },
                }
                .to_event()
            })
            .collect();
        for chunk in events.chunks(500) {
            db.store.append(chunk, None).await.unwrap();
        }
    }

    /// The fleet at `at`, straight from the log: the definition the index must meet.
    async fn fold_of_the_log(db: &TestDb, at: DateTime<Utc>) -> Vec<FleetPosition> {
        // Each registration with its latest fix so far: (device time, position, latitude, longitude).
        type Latest = Option<(DateTime<Utc>, i64, f64, f64)>;
        let mut tracks: Vec<(VehicleRegistered, Latest)> = Vec::new();
        let mut cursor = Cursor::default();
        loop {
            let events = db.store.read_committed(cursor, 5000).await.unwrap();
            let Some(last) = events.last() else { break };
            cursor = last.cursor();
            for event in &events {
                if event.event_type == VEHICLE_REGISTERED {
                    tracks.push((event.decode().unwrap(), None));
                } else if event.event_type == LOCATION_TRACKED {
                    let fix: LocationTracked = event.decode().unwrap();
                    let tracked_at = fix.tracked_at.unwrap();
                    if tracked_at > at {
                        continue;
                    }
                    let (_, latest) = tracks
                        .iter_mut()
                        .find(|(r, _)| r.vehicle_registered_id == fix.scope.vehicle_registered_id)
                        .unwrap();
                    if latest.is_none_or(|(t, p, _, _)| (t, p) < (tracked_at, event.position)) {
                        *latest = Some((tracked_at, event.position, fix.latitude, fix.longitude));
                    }
                }
            }
        }
        tracks.retain(|(r, latest)| r.registered_at <= at || latest.is_some());
        tracks.sort_by(|(a, _), (b, _)| {
            (&a.vehicle_license_plate, a.vehicle_registered_id)
                .cmp(&(&b.vehicle_license_plate, b.vehicle_registered_id))
        });
        tracks
            .into_iter()
            .map(|(r, latest)| FleetPosition {
                vehicle_registered_id: r.vehicle_registered_id,
                vehicle_license_plate: r.vehicle_license_plate,
                latitude: latest.map(|l| l.2),
                longitude: latest.map(|l| l.3),
                tracked_at: latest.map(|l| l.0),
            })
            .collect()
    }

    #[tokio::test]
    async fn knows_the_vehicles_it_has_read_by_id_and_by_plate() {
        let db = TestDb::new().await;
        let first = register(&db.store, "KN-1", None, None, t0()).await.unwrap();
        let index = FleetIndex::start(
            &db.store,
            Wakeups::listen(db.pool(), StdDuration::from_millis(100)),
        )
        .await
        .unwrap();
        let id = first.vehicle_registered_id;
        // Other tests' open transactions may hold the log back for a moment.
        tokio::time::timeout(StdDuration::from_secs(10), async {
            while index.known_vehicle(&VehicleRef::Id(id)).is_none() {
                tokio::time::sleep(StdDuration::from_millis(20)).await;
            }
        })
        .await
        .expect("the index reads the registration");
        assert_eq!(
            index.known_vehicle(&VehicleRef::Plate(" kn-1 ".into())),
            Some(id)
        );
        assert_eq!(index.known_vehicle(&VehicleRef::Id(Uuid::now_v7())), None);
        assert_eq!(index.known_vehicle(&VehicleRef::Plate("KN-2".into())), None);
        assert_eq!(index.known_vehicle(&VehicleRef::Plate("??".into())), None);
        // Unknown only until the index has read the registration.
        let second = register(&db.store, "KN-2", None, None, t0()).await.unwrap();
        tokio::time::timeout(StdDuration::from_secs(10), async {
            while index
                .known_vehicle(&VehicleRef::Plate("KN-2".into()))
                .is_none()
            {
                tokio::time::sleep(StdDuration::from_millis(20)).await;
            }
        })
        .await
        .expect("the index reads the new registration");
        assert_eq!(
            index.known_vehicle(&VehicleRef::Plate("KN-2".into())),
            Some(second.vehicle_registered_id)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn answers_exactly_as_the_fold_of_the_log_and_the_sql_query_with_late_fixes() {
        let db = TestDb::new().await;
        let mut random = Lcg(7);
        let mut vehicles = Vec::new();
        for n in 0..25 {
            let registered_at = t0() + Duration::minutes(n * 7);
            vehicles.push(
                register(&db.store, &format!("IDX-{n:02}"), None, None, registered_at)
                    .await
                    .unwrap()
                    .vehicle_registered_id,
            );
        }
        append_fixes(&db, &vehicles, 2000, &mut random).await;

        // Folded at start, then following: half the data arrives after the start.
        let index = FleetIndex::start(
            &db.store,
            Wakeups::listen(db.pool(), StdDuration::from_millis(100)),
        )
        .await
        .unwrap();
        append_fixes(&db, &vehicles, 2000, &mut random).await;
        tokio::time::timeout(StdDuration::from_secs(30), async {
            while index.fixes() < 4000 {
                tokio::time::sleep(StdDuration::from_millis(20)).await;
            }
        })
        .await
        .expect("the index follows the log");
        db.catch_up().await;

        for n in 0..30 {
            let at = t0() + Duration::seconds(n * 450 + random.next(400) as i64);
            let expected = fold_of_the_log(&db, at).await;
            assert_eq!(index.fleet_at(at), expected, "index at {at}");
            assert_eq!(
                super::super::fleet_at(db.pool(), at).await.unwrap(),
                expected,
                "SQL at {at}"
            );
        }
    }
}
