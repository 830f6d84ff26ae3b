//! Backups: a `pg_dump` of a Fleetline database restored into a fresh PostgreSQL cluster — whose
//! transaction ids start far below the stored ones — is read, projected and shown, old events and
//! new. (Before the log's clock, new events sorted before the projections' checkpoints and were
//! skipped for ever.)

use std::time::Duration;

use serde_json::{json, Value};
use sqlx::{Connection, PgConnection};

use crate::test_support::{call_api, eventually, serving_state, with_token, TestDb};
use event_store::testing::{run, PrivateCluster};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_restored_into_a_new_cluster_reads_projects_and_shows_old_and_new_events() {
    let source = TestDb::new().await;
    let target = PrivateCluster::start();
    // The fault needs stored transaction ids above the new cluster's next ones: on a busy shared
    // server they are; on a fresh one, spend some first.
    let target_next = current_transaction_id(&target.url("postgres")).await;
    spend_transaction_ids(&source.url(), target_next + 1_000).await;

    let old = source.register("OLD-1").await;
    let fix = json!({ "vehicleRegisteredId": old, "latitude": 52.5, "longitude": 13.4 });
    assert_eq!(source.post("/track-location", fix).await.0, 200);
    source.catch_up().await;
    let token = source.admin_token().await;

    let dump = std::env::temp_dir().join(format!("fleetline-{}.dump", uuid::Uuid::new_v4()));
    run(std::process::Command::new(target.tool("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(source.url()));
    let mut admin = PgConnection::connect(&target.url("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE restored")
        .execute(&mut admin)
        .await
        .unwrap();
    run(std::process::Command::new(target.tool("pg_restore"))
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(target.url("restored"))
        .arg(&dump));
    let _ = std::fs::remove_file(&dump);

    // Started on the restored database, as a server would be.
    let store = crate::server::open_store(&target.url("restored"), 8)
        .await
        .expect("the restored database opens");
    let api = with_token(crate::server::router(serving_state(&store).await), &token);
    let new = registered(&api, "NEW-1").await;
    let fix = json!({ "vehicleRegisteredId": new, "latitude": 48.1, "longitude": 11.6 });
    assert_eq!(call(&api, "POST", "/track-location", fix).await.0, 200);

    // The list is a projection; the fleet at now is the in-memory index: both show both.
    let within = Duration::from_secs(10);
    eventually(
        "new events after a restore are projected",
        within,
        || async {
            let (_, vehicles) = call(&api, "GET", "/vehicles", Value::Null).await;
            located_plates(&vehicles) == ["NEW-1", "OLD-1"]
        },
    )
    .await;
    eventually("new events after a restore are indexed", within, || async {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let (_, fleet) = call(&api, "GET", &format!("/fleet?at={now}"), Value::Null).await;
        located_plates(&fleet) == ["NEW-1", "OLD-1"]
    })
    .await;
}

async fn current_transaction_id(url: &str) -> i64 {
    let mut connection = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
        .fetch_one(&mut connection)
        .await
        .unwrap()
}

/// Commits empty transactions on `url`'s cluster until its next transaction id passes `beyond`.
async fn spend_transaction_ids(url: &str, beyond: i64) {
    let mut connection = PgConnection::connect(url).await.unwrap();
    loop {
        let next: i64 = sqlx::query_scalar("SELECT pg_current_xact_id()::text::bigint")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        if next > beyond {
            return;
        }
    }
}

async fn call(api: &axum::Router, method: &str, uri: &str, body: Value) -> (u16, Value) {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    call_api(api.clone(), method, uri, body).await
}

async fn registered(api: &axum::Router, plate: &str) -> String {
    let (status, body) = call(
        api,
        "POST",
        "/register-vehicle",
        json!({ "vehicleLicensePlate": plate }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["vehicleRegisteredId"].as_str().unwrap().to_string()
}

/// The plates of the vehicles with a position, sorted.
fn located_plates(vehicles: &Value) -> Vec<String> {
    let mut plates: Vec<String> = vehicles
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| !v["latitude"].is_null())
        .filter_map(|v| v["vehicleLicensePlate"].as_str().map(str::to_string))
        .collect();
    plates.sort();
    plates
}
