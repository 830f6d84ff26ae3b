//! The index shared by the server's tasks: loaded from the log, kept current by following it.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, RwLock,
};

use chrono::{DateTime, Utc};
use event_store::{follow, Cursor, EventStore, Projection, Query, StoredEvent, Wakeups};
use uuid::Uuid;

use super::fixes::Micros;
use super::history::{Changes, Index};
use super::{old_moments, FleetPosition};
use crate::fleet::events::VEHICLE_REGISTERED;
use crate::fleet::vehicle_ref::VehicleRef;

/// How much recent history the index holds by default: six hours. Fixes of 1,000 vehicles
/// reporting every 30 s take 17 MB (24 bytes each); 10,000 vehicles, 170 MB. Older moments are
/// answered from the keyframes in PostgreSQL (a few milliseconds instead of one or two).
pub const DEFAULT_WINDOW: chrono::Duration = chrono::Duration::hours(DEFAULT_WINDOW_HOURS as i64);

/// [`DEFAULT_WINDOW`] in hours: the server's `--memory-hours` default.
pub const DEFAULT_WINDOW_HOURS: u32 = 6;

/// The horizon moves a minute at a time, not at every batch: forgetting walks every vehicle.
const HORIZON_STEP: Micros = 60_000_000;

/// Shared handle; cheap to clone.
#[derive(Clone)]
pub struct FleetIndex {
    /// Fixes older than this (before now) are not held.
    window: Micros,
    index: Arc<RwLock<Index>>,
    /// Set once the recent fixes are loaded: until then queries go to PostgreSQL.
    ready: Arc<AtomicBool>,
    /// The task that keeps the index current, once started.
    follower: Arc<Mutex<Option<tokio::task::AbortHandle>>>,
}

impl Default for FleetIndex {
    fn default() -> Self {
        Self::with_window(DEFAULT_WINDOW)
    }
}

impl FleetIndex {
    /// An empty index that will hold the last `window` of fixes.
    pub fn with_window(window: chrono::Duration) -> Self {
        Self {
            window: window.num_microseconds().unwrap_or(Micros::MAX),
            index: Arc::default(),
            ready: Arc::default(),
            follower: Arc::default(),
        }
    }

    /// Loads the recent fixes, then follows the log in a background task.
    pub async fn start(store: &EventStore, wakeups: Wakeups) -> sqlx::Result<Self> {
        Self::start_with_window(store, wakeups, DEFAULT_WINDOW).await
    }

    pub async fn start_with_window(
        store: &EventStore,
        wakeups: Wakeups,
        window: chrono::Duration,
    ) -> sqlx::Result<Self> {
        let index = Self::with_window(window);
        index.load(store, wakeups).await?;
        Ok(index)
    }

    /// Loads the recent fixes afresh, calls `loaded`, then follows the log; returns only when
    /// reading fails before the index is loaded (following retries by itself). The server runs
    /// it under supervision: until it has loaded, the fleet at T comes from PostgreSQL.
    pub async fn load_and_follow(
        &self,
        store: &EventStore,
        wakeups: Wakeups,
        loaded: impl FnOnce(&Self),
    ) -> sqlx::Result<()> {
        self.ready.store(false, Ordering::Release);
        // Afresh, so a panic of an earlier run (which poisoned the lock) leaves nothing behind.
        *self.write() = Index::default();
        self.index.clear_poison();
        let cursor = self.load_recent(store).await?;
        loaded(self);
        follow(store.pool().clone(), cursor, wakeups, |events| {
            self.apply(events)
        })
        .await;
        Ok(())
    }

    async fn load(&self, store: &EventStore, wakeups: Wakeups) -> sqlx::Result<()> {
        let cursor = self.load_recent(store).await?;
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

    /// Loads the fixes from the horizon on and each vehicle's latest before it from the
    /// `vehicle_positions` projection, in one snapshot with its checkpoint; answers the
    /// checkpoint, from where the log is followed. The time it takes depends on the window, not on
    /// the history: the log is not folded.
    async fn load_recent(&self, store: &EventStore) -> sqlx::Result<Cursor> {
        let horizon = now() - self.window;
        let mut snapshot = store.pool().begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *snapshot)
            .await?;
        // The projection whose table the fixes come from: its checkpoint says up to where.
        let positions = crate::fleet::projections::VehiclePositions.name();
        let cursor = event_store::checkpoint(&mut *snapshot, positions)
            .await?
            .unwrap_or_default();
        let before = old_moments::state_at(&mut *snapshot, horizon - 1).await?;
        let recent: Vec<(Uuid, DateTime<Utc>, f64, f64)> = sqlx::query_as(
            "SELECT vehicle_id, tracked_at, latitude, longitude FROM vehicle_positions
             WHERE tracked_at >= $1 ORDER BY tracked_at, position",
        )
        .bind(DateTime::from_timestamp_micros(horizon).unwrap_or_default())
        .fetch_all(&mut *snapshot)
        .await?;
        snapshot.commit().await?;
        // After the snapshot, so every registration it saw is read (later ones come again from
        // the log, and count once).
        let registrations = store
            .read_all(&Query::of_types(&[VEHICLE_REGISTERED]))
            .await?;
        {
            let mut index = self.write();
            index.forget_before(horizon);
            index.apply_changes(Changes::of(&registrations).without_cursor());
            index.set_before_horizon(&before);
            index.track_all(recent);
            index.cursor = cursor;
        }
        self.ready.store(true, Ordering::Release);
        Ok(cursor)
    }

    /// The index to read. A panic while applying events poisons the lock; the supervisor then
    /// loads the index afresh, and meanwhile readers still get answers rather than a panic.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stops following the log, so the index is freed with its last handle.
    pub fn stop(&self) {
        if let Some(task) = self.follower.lock().expect("follower lock").take() {
            task.abort();
        }
    }

    /// Bytes the fixes take in memory, spare capacity included.
    pub fn fix_bytes(&self) -> usize {
        self.read().fix_bytes()
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// How far into the log the index has read.
    pub fn cursor(&self) -> Cursor {
        self.read().cursor
    }

    fn apply(&self, events: &[StoredEvent]) {
        let changes = Changes::of(events);
        let horizon = now() - self.window;
        let mut index = self.write();
        index.apply_changes(changes);
        if horizon >= index.horizon.saturating_add(HORIZON_STEP) {
            index.forget_before(horizon);
        }
    }

    /// Every vehicle registered or tracked at or before `at`, at its latest fix at or before
    /// `at`, by plate: from memory from the horizon on, from the keyframes before it.
    pub async fn fleet_at(
        &self,
        pool: &sqlx::PgPool,
        at: DateTime<Utc>,
    ) -> sqlx::Result<Vec<FleetPosition>> {
        let at = at.timestamp_micros();
        if let Some(fleet) = self.read().fleet_at(at) {
            return Ok(fleet);
        }
        let state = old_moments::state_at(pool, at).await?;
        Ok(self.read().fleet_from(at, &state))
    }

    /// The fleet at `at` from memory; `None` before the horizon.
    pub fn fleet_in_memory_at(&self, at: DateTime<Utc>) -> Option<Vec<FleetPosition>> {
        self.read().fleet_at(at.timestamp_micros())
    }

    /// The id of the vehicle registered as `vehicle`, if the index has read its registration.
    /// A registration is never undone and a plate names one vehicle, so a vehicle found here is
    /// registered for good; one not found may be too new: ask the log.
    pub fn known_vehicle(&self, vehicle: &VehicleRef) -> Option<Uuid> {
        self.read().known_vehicle(vehicle)
    }

    /// Fixes held in memory.
    pub fn fixes(&self) -> usize {
        self.read().fixes()
    }
}

fn now() -> Micros {
    Utc::now().timestamp_micros()
}
