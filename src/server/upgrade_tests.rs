//! Upgrades: a database the first release (commit 51e7239) created and filled is migrated by
//! this version at start-up without losing an event, and serves as before. The first release's
//! migrations are kept byte for byte in `tests/fixtures/first-release-migrations`, so the test
//! also fails if a released migration is edited in place (its checksum would no longer match the
//! one recorded in every deployed database, and start-up would refuse to go on).

use std::time::Duration;

use serde_json::Value;
use uuid::Uuid;

use crate::test_support::{admin_token_on, call_api, serving_state, with_token};
use event_store::testing::TestDatabase;

/// A fix of the first release: latitude, and minutes after 08:00 UTC on 27 November 2026 (`None`:
/// the fix came without a device time, as the first release allowed).
type OldFix = (f64, Option<i64>);

/// The first release's vehicles, with their fixes.
const FLEET: [(&str, &[OldFix]); 2] = [
    (
        "OLD-1",
        &[(52.50, Some(0)), (52.51, Some(10)), (52.52, Some(20))],
    ),
    ("OLD-2", &[(48.10, Some(5)), (48.11, None)]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_the_first_release_is_migrated_without_losing_an_event() {
    let database = TestDatabase::create(4).await;
    let pool = database.pool.clone();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/first-release-migrations");
    sqlx::migrate::Migrator::new(fixtures)
        .await
        .unwrap()
        .run(&pool)
        .await
        .expect("the first release's migrations apply");
    let ids = given_the_first_releases_fleet(&pool).await;
    let events_before: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
        .fetch_one(&pool)
        .await
        .unwrap();
    let log_before = every_event(&pool).await;

    // Started by this version: its migrations run at start-up.
    let store = crate::server::open_store(&database.url(), 4)
        .await
        .expect("this version opens the first release's database");
    // Every event as it was, in its place in the log; the fixes (v7 ids) moved to the history's
    // partition of their week, everything else kept.
    let log_after = every_event(&pool).await;
    assert_eq!(log_after[..log_before.len()], log_before[..]);
    let history: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT event_type FROM events_history UNION ALL
         SELECT DISTINCT event_type FROM events_kept WHERE event_type = 'LocationTracked'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(history, ["LocationTracked"]);
    let token = admin_token_on(&store).await;
    let api = with_token(crate::server::router(serving_state(&store).await), &token);

    let (status, vehicles) = call_api(api.clone(), "GET", "/vehicles", "").await;
    assert_eq!(status, 200, "{vehicles}");
    let latest: Vec<(String, f64)> = plates_and_latitudes(&vehicles);
    assert_eq!(latest, [("OLD-1".into(), 52.52), ("OLD-2".into(), 48.11)]);
    let (_, history) = call_api(
        api.clone(),
        "GET",
        &format!("/vehicles/{}/events", ids[0]),
        "",
    )
    .await;
    assert_eq!(
        history["events"].as_array().map(Vec::len),
        Some(4),
        "{history}"
    );
    let at = "/fleet?at=2026-11-27T08:12:00Z";
    let (_, fleet) = call_api(api.clone(), "GET", at, "").await;
    assert_eq!(
        plates_and_latitudes(&fleet),
        [("OLD-1".into(), 52.51), ("OLD-2".into(), 48.10)],
        "{fleet}"
    );

    // And goes on: a new fix is stored, projected after the old ones.
    let fix =
        serde_json::json!({ "vehicleLicensePlate": "OLD-2", "latitude": 48.2, "longitude": 11.5 });
    assert_eq!(
        call_api(api.clone(), "POST", "/track-location", fix.to_string())
            .await
            .0,
        200
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, vehicles) = call_api(api.clone(), "GET", "/vehicles", "").await;
        if plates_and_latitudes(&vehicles).get(1).map(|(_, lat)| *lat) == Some(48.2) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{vehicles}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let fleet_events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE NOT tags @> '{accounts}'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        fleet_events,
        events_before + 1,
        "no event lost, the new one added"
    );
}

/// The log as readers see it: each event's place, id, type, tags and payload.
async fn every_event(pool: &sqlx::PgPool) -> Vec<(i64, i64, Uuid, String, Vec<String>, String)> {
    sqlx::query_as(
        "SELECT transaction_id, position, event_id, event_type, tags, payload::text
         FROM events ORDER BY transaction_id, position",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The first release's fleet, as it wrote it: events in its payload shapes (jsonb, no
/// metadata), its two read models filled and their checkpoints at the end of the log.
async fn given_the_first_releases_fleet(pool: &sqlx::PgPool) -> Vec<Uuid> {
    let morning = chrono::DateTime::parse_from_rfc3339("2026-11-27T08:00:00Z").unwrap();
    let recorded = morning + chrono::Duration::hours(1);
    let mut ids = Vec::new();
    for (plate, fixes) in FLEET {
        let vehicle = Uuid::now_v7();
        ids.push(vehicle);
        let registered = serde_json::json!({ "vehicleRegisteredId": vehicle, "vehicleLicensePlate": plate, "registeredAt": morning });
        append(
            pool,
            vehicle,
            "VehicleRegistered",
            &[format!("vehicle:{vehicle}"), format!("plate:{plate}")],
            registered,
        )
        .await;
        for (latitude, minutes) in fixes.iter().copied() {
            let id = Uuid::now_v7();
            let mut fix = serde_json::json!({ "locationTrackedId": id, "latitude": latitude, "longitude": 10.0, "scope": { "vehicleRegisteredId": vehicle } });
            if let Some(minutes) = minutes {
                fix["trackedAt"] = serde_json::json!(morning + chrono::Duration::minutes(minutes));
            }
            let position = append(
                pool,
                id,
                "LocationTracked",
                &[format!("vehicle:{vehicle}")],
                fix,
            )
            .await;
            let tracked_at = morning + chrono::Duration::minutes(minutes.unwrap_or(60));
            sqlx::query("INSERT INTO vehicle_positions VALUES ($1, $2, $3, $4, 10.0, $5)")
                .bind(vehicle)
                .bind(tracked_at)
                .bind(position)
                .bind(latitude)
                .bind(recorded)
                .execute(pool)
                .await
                .unwrap();
        }
        let (latitude, minutes) = fixes.last().copied().unwrap();
        sqlx::query(
            "INSERT INTO vehicles (vehicle_id, license_plate, registered_at, latitude, longitude, tracked_at, recorded_at, fix_position)
             VALUES ($1, $2, $3, $4, 10.0, $5, $6, (SELECT max(position) FROM events))",
        )
        .bind(vehicle)
        .bind(plate)
        .bind(morning)
        .bind(latitude)
        .bind(morning + chrono::Duration::minutes(minutes.unwrap_or(60)))
        .bind(recorded)
        .execute(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO projection_checkpoints (projection, transaction_id, position)
         SELECT name, last.transaction_id, last.position
         FROM unnest(ARRAY['vehicles', 'vehicle_positions']) AS name,
              (SELECT transaction_id, position FROM events ORDER BY position DESC LIMIT 1) AS last",
    )
    .execute(pool)
    .await
    .unwrap();
    ids
}

async fn append(
    pool: &sqlx::PgPool,
    id: Uuid,
    event_type: &str,
    tags: &[String],
    payload: Value,
) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO events (event_id, event_type, tags, payload, recorded_at)
         VALUES ($1, $2, $3, $4, '2026-11-27T09:00:00Z') RETURNING position",
    )
    .bind(id)
    .bind(event_type)
    .bind(tags)
    .bind(payload)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// (plate, latitude) of each vehicle of a list, by plate.
fn plates_and_latitudes(vehicles: &Value) -> Vec<(String, f64)> {
    let mut pairs: Vec<(String, f64)> = vehicles
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some((
                v["vehicleLicensePlate"].as_str()?.to_string(),
                v["latitude"].as_f64()?,
            ))
        })
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}
