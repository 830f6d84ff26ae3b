//! The read models against the log: resumed after a crash mid-batch, fed by concurrent writers,
//! rebuilt while serving — always equal to the fold of the events.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgConnection;
use tokio::sync::{Barrier, Notify};
use uuid::Uuid;

use super::all;
use crate::fleet::events::{
    GroupCreated, LocationTracked, VehiclePlacedInGroup, VehicleRegistered, VehicleScope,
    LOCATION_TRACKED,
};
use crate::fleet::fix::Fix;
use crate::fleet::vehicle_ref::VehicleRef;
use crate::test_support::{given_fix, TestDb};
use event_store::{rebuild, Cursor, Projection, ProjectionRunner, StoredEvent, Wakeups};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap()
}

/// Every read model as text, in a stable order: vehicles, positions, keyframes, activity.
pub(super) async fn snapshot(db: &TestDb) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let vehicles =
        sqlx::query_scalar("SELECT to_jsonb(v)::text FROM vehicles v ORDER BY vehicle_id")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let positions = sqlx::query_scalar(
        "SELECT to_jsonb(p)::text FROM vehicle_positions p ORDER BY vehicle_id, tracked_at, position",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let keyframes =
        sqlx::query_scalar("SELECT to_jsonb(k)::text FROM fleet_keyframes k ORDER BY at")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let activity = sqlx::query_scalar(
        "SELECT to_jsonb(a)::text FROM fleet_activity a
         UNION ALL
         SELECT to_jsonb(g)::text FROM fleet_activity_groups g
         ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    (vehicles, positions, keyframes, activity)
}

/// Fixes counted in `fleet_activity`.
async fn fixes_counted(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT coalesce(sum(fixes), 0) FROM fleet_activity")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn rebuild_all(db: &TestDb) {
    rebuild(db.pool(), &all(), 500, |_| {}).await.unwrap();
}

/// Registers `vehicles` vehicles and appends `fixes` fixes spread over them, some late.
pub(super) async fn seed(db: &TestDb, vehicles: usize, fixes: usize) {
    let mut ids = Vec::new();
    for n in 0..vehicles {
        let registered = VehicleRegistered {
            vehicle_registered_id: Uuid::now_v7(),
            vehicle_license_plate: format!("SEED-{n}"),
            registered_at: t0(),
        };
        ids.push(registered.vehicle_registered_id);
        db.store
            .append(&[registered.to_event()], None)
            .await
            .unwrap();
    }
    let events: Vec<_> = (0..fixes)
        .map(|n| {
            // Every fifth fix is late: taken ten minutes before the ones around it.
            let late = if n % 5 == 0 { 600 } else { 0 };
            LocationTracked {
                location_tracked_id: Uuid::now_v7(),
                latitude: 52.0 + n as f64 * 1e-4,
                longitude: 13.0 + n as f64 * 1e-4,
                tracked_at: Some(t0() + chrono::Duration::seconds(n as i64 - late)),
                extras: Default::default(),
                scope: VehicleScope {
                    vehicle_registered_id: ids[n % vehicles],
                },
            }
            .to_event()
        })
        .collect();
    let depot = GroupCreated {
        group_id: Uuid::now_v7(),
        name: "Seed depot".into(),
        created_at: t0(),
    };
    let half = events.len() / 2 / 250 * 250;
    for (n, chunk) in events.chunks(250).enumerate() {
        if n * 250 == half {
            // The first vehicle joins a group half-way: its fixes count under no group, then it.
            let placed = VehiclePlacedInGroup {
                group_id: depot.group_id,
                scope: VehicleScope {
                    vehicle_registered_id: ids[0],
                },
                placed_at: t0(),
            };
            db.store
                .append(&[depot.to_event(), placed.to_event(Uuid::now_v7())], None)
                .await
                .unwrap();
        }
        db.store.append(chunk, None).await.unwrap();
    }
}

/// Applies like the real projection, then the process "dies" on the given batch.
struct DiesMidBatch {
    inner: Arc<dyn Projection>,
    on_batch: usize,
    batches: std::sync::atomic::AtomicUsize,
    how: Death,
}

enum Death {
    /// The database connection is dropped under the transaction.
    ConnectionLost,
    /// The task stalls mid-batch until it is aborted.
    Stall(Arc<Notify>),
}

#[async_trait]
impl Projection for DiesMidBatch {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn tables(&self) -> &'static [&'static str] {
        self.inner.tables()
    }
    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        self.inner.apply(tx, events).await?;
        if self
            .batches
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
            == self.on_batch
        {
            match &self.how {
                Death::ConnectionLost => {
                    sqlx::query("SELECT pg_terminate_backend(pg_backend_pid())")
                        .execute(&mut *tx)
                        .await?;
                }
                Death::Stall(in_batch) => {
                    in_batch.notify_one();
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_projection_that_dies_mid_batch_resumes_and_equals_a_rebuild() {
    let db = TestDb::new().await;
    seed(&db, 12, 3000).await;

    for projection in all() {
        // A lost connection on the third batch: the error surfaces, nothing of the batch stays.
        let dies = DiesMidBatch {
            inner: projection.clone(),
            on_batch: 3,
            batches: 0.into(),
            how: Death::ConnectionLost,
        };
        let runner = ProjectionRunner::new(db.pool().clone(), Arc::new(dies)).with_batch_size(400);
        // Steps until the third batch dies (a step may find nothing readable yet while other
        // tests hold transactions open).
        let mut steps = 0;
        while runner.step().await.is_ok() {
            steps += 1;
            assert!(steps < 1000, "the third batch never lost its connection");
        }

        // A killed task on the fifth batch, aborted while its transaction is open.
        let in_batch = Arc::new(Notify::new());
        let dies = DiesMidBatch {
            inner: projection.clone(),
            on_batch: 2,
            batches: 0.into(),
            how: Death::Stall(in_batch.clone()),
        };
        let runner = ProjectionRunner::new(db.pool().clone(), Arc::new(dies)).with_batch_size(400);
        let task = tokio::spawn(runner.run(Wakeups::listen(db.pool(), Duration::from_secs(1))));
        in_batch.notified().await;
        task.abort();
        let _ = task.await;

        // A healthy runner takes over from the last committed checkpoint.
        ProjectionRunner::new(db.pool().clone(), projection)
            .catch_up()
            .await
            .unwrap();
    }

    let resumed = snapshot(&db).await;
    assert_eq!(resumed.1.len(), 3000, "every fix applied exactly once");
    assert_eq!(fixes_counted(&db).await, 3000, "every fix counted once");
    rebuild_all(&db).await;
    assert_eq!(snapshot(&db).await, resumed);
}

/// What the read models must hold, computed straight from the log.
async fn fold_of_the_log(db: &TestDb) -> (BTreeMap<Uuid, (f64, f64, DateTime<Utc>)>, usize) {
    let mut current: BTreeMap<Uuid, (DateTime<Utc>, i64, f64, f64)> = BTreeMap::new();
    let mut fixes = 0;
    let mut cursor = Cursor::default();
    loop {
        let events = db.store.read_committed(cursor, 1000).await.unwrap();
        let Some(last) = events.last() else { break };
        cursor = last.cursor();
        for event in events.iter().filter(|e| e.event_type == LOCATION_TRACKED) {
            let fix = crate::fleet::fix_payload::location_tracked(event).unwrap();
            fixes += 1;
            let key = (fix.tracked_at.unwrap(), event.position);
            let entry = current.entry(fix.scope.vehicle_registered_id).or_insert((
                key.0,
                key.1,
                fix.latitude,
                fix.longitude,
            ));
            if (entry.0, entry.1) < key {
                *entry = (key.0, key.1, fix.latitude, fix.longitude);
            }
        }
    }
    let current = current
        .into_iter()
        .map(|(id, (at, _, lat, lon))| (id, (lat, lon, at)))
        .collect();
    (current, fixes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_writers_end_with_read_models_equal_to_the_fold_of_the_log() {
    let db = TestDb::with_connections(16).await;
    run_projections(&db, Duration::from_millis(200));

    let mut vehicles = Vec::new();
    for n in 0..8 {
        vehicles.push(db.given_registered(&format!("W-{n}"), t0()).await);
    }
    let barrier = Arc::new(Barrier::new(8));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (store, barrier, vehicles) = (db.store.clone(), barrier.clone(), vehicles.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                for n in 0..1000i64 {
                    // Each writer moves all vehicles; every seventh fix arrives late.
                    let late = if n % 7 == 0 { 3600 } else { 0 };
                    let fix = Fix {
                        vehicle: VehicleRef::Id(vehicles[(n as usize + writer) % 8]),
                        latitude: 48.0 + writer as f64 * 0.01 + n as f64 * 1e-5,
                        longitude: 11.0 + n as f64 * 1e-5,
                        tracked_at: Some(
                            t0() + chrono::Duration::seconds(n * 8 + writer as i64 - late),
                        ),
                        location_tracked_id: None,
                        extras: Default::default(),
                    };
                    given_fix(&store, &fix, t0() + chrono::Duration::days(1)).await;
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    db.catch_up().await;

    let (expected, fixes) = fold_of_the_log(&db).await;
    assert_eq!(fixes, 8000);
    let rows: Vec<(Uuid, f64, f64, DateTime<Utc>)> = sqlx::query_as(
        "SELECT vehicle_id, latitude, longitude, tracked_at FROM vehicles ORDER BY vehicle_id",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    let actual: BTreeMap<_, _> = rows
        .into_iter()
        .map(|(id, lat, lon, at)| (id, (lat, lon, at)))
        .collect();
    assert_eq!(actual, expected);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM vehicle_positions")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(stored, 8000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_while_writers_append_ends_equal_to_the_live_read_models() {
    let db = TestDb::with_connections(12).await;
    seed(&db, 5, 2000).await;
    run_projections(&db, Duration::from_millis(100));

    let vehicle = db.given_registered("LIVE-1", t0()).await;
    let writer = {
        let store = db.store.clone();
        tokio::spawn(async move {
            for n in 0..300 {
                let fix = Fix {
                    vehicle: VehicleRef::Id(vehicle),
                    latitude: 40.0 + n as f64 * 1e-3,
                    longitude: -3.0,
                    tracked_at: Some(t0() + chrono::Duration::seconds(n)),
                    location_tracked_id: None,
                    extras: Default::default(),
                };
                given_fix(&store, &fix, t0()).await;
            }
        })
    };
    rebuild_all(&db).await;
    writer.await.unwrap();
    db.catch_up().await;
    let after_rebuild = snapshot(&db).await;
    assert_eq!(after_rebuild.1.len(), 2300);

    rebuild_all(&db).await;
    assert_eq!(snapshot(&db).await, after_rebuild);
}

/// The read models' indexes and constraints, as PostgreSQL describes them.
async fn schema_of_read_models(db: &TestDb) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT tablename || ': ' || indexname || ' ' || indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename IN ('vehicles', 'vehicle_positions')
         UNION ALL
         SELECT conrelid::regclass::text || ': ' || conname || ' ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE conrelid IN ('vehicles'::regclass, 'vehicle_positions'::regclass)
         ORDER BY 1",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_rebuild_fills_the_copies_without_indexes_and_swaps_in_the_same_indexes() {
    let db = TestDb::new().await;
    seed(&db, 3, 300).await;
    let before = schema_of_read_models(&db).await;
    assert!(
        before.iter().any(|d| d.contains("PRIMARY KEY")),
        "{before:?}"
    );
    assert!(
        before.iter().any(|d| d.contains("vehicles_license_plate")),
        "{before:?}"
    );

    rebuild_all(&db).await;
    assert_eq!(schema_of_read_models(&db).await, before);
    let leftovers: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(leftovers, 0, "the rebuild schemas are gone");
}

/// Every projection's runner following `db`'s log, as the server runs them.
fn run_projections(db: &TestDb, poll_interval: Duration) {
    let wakeups = Wakeups::listen(db.pool(), poll_interval);
    for projection in crate::fleet::projections::all() {
        tokio::spawn(ProjectionRunner::new(db.pool().clone(), projection).run(wakeups.clone()));
    }
}
