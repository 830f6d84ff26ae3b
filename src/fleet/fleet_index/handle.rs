//! The index shared by the server's tasks: loaded from the log, kept current by following it.

use std::sync::{
    atomic::{AtomicBool, Ordering},
    Arc, Mutex, RwLock,
};

use chrono::{DateTime, Utc};
use event_store::{follow, Cursor, EventStore, StoredEvent, Wakeups};
use uuid::Uuid;

use super::history::{Changes, Index};
use super::FleetPosition;
use crate::fleet::vehicle_ref::VehicleRef;

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

    /// Folds the whole log afresh, calls `loaded`, then follows the log; returns only when
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
        let cursor = self.fold_log(store).await?;
        loaded(self);
        follow(store.pool().clone(), cursor, wakeups, |events| {
            self.apply(events)
        })
        .await;
        Ok(())
    }

    async fn load(&self, store: &EventStore, wakeups: Wakeups) -> sqlx::Result<()> {
        let cursor = self.fold_log(store).await?;
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

    /// Applies every readable event of the log; answers where it stopped.
    async fn fold_log(&self, store: &EventStore) -> sqlx::Result<Cursor> {
        let mut cursor = Cursor::default();
        loop {
            let events = store.read_committed(cursor, 10_000).await?;
            let Some(last) = events.last() else { break };
            cursor = last.cursor();
            self.apply(&events);
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
        self.write().apply_changes(changes);
    }

    /// Every vehicle registered or tracked at or before `at`, at its latest fix at or before
    /// `at`, by plate.
    pub fn fleet_at(&self, at: DateTime<Utc>) -> Vec<FleetPosition> {
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
