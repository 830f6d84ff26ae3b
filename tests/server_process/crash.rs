//! Crash safety, end to end: the server is killed (SIGKILL) while clients stream single fixes and
//! batches in. No acknowledged fix is lost; the clients' retries with their own ids store nothing
//! twice; after the restart the read model and the fleet at T equal what the clients sent.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::process::Server;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

const VEHICLES: usize = 4;
const CLIENTS: usize = 4;

/// One fix as a client sends it.
#[derive(Clone)]
struct SentFix {
    id: Uuid,
    vehicle: usize,
    latitude: f64,
    tracked_at: DateTime<Utc>,
}

impl SentFix {
    fn body(&self, vehicles: &[String]) -> Value {
        json!({
            "locationTrackedId": self.id,
            "vehicleRegisteredId": vehicles[self.vehicle],
            "latitude": self.latitude,
            "longitude": 9.0,
            "trackedAt": self.tracked_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        })
    }
}

/// What one client sent: each fix, and whether the server acknowledged it.
type Ledger = Vec<(SentFix, bool)>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_ingest_loses_no_acknowledged_fix_and_stores_none_twice() {
    let server = Arc::new(Server::start(&[]).await);
    let mut vehicles = Vec::new();
    for n in 0..VEHICLES {
        vehicles.push(server.register(&format!("CRASH-{n}")).await);
    }
    let vehicles = Arc::new(vehicles);
    let start = Utc::now() - chrono::Duration::hours(1);

    // Clients send until the server dies under them: odd clients single fixes, even ones
    // batches of 20. Each fix has its own time, so the latest per vehicle is well defined.
    let sending = tokio::sync::watch::channel(true);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (server, vehicles, mut keep_going) =
                (server.clone(), vehicles.clone(), sending.1.clone());
            tokio::spawn(async move {
                let mut ledger = Ledger::new();
                let mut sequence = 0i64;
                while *keep_going.borrow_and_update() {
                    let count = if client % 2 == 0 { 20 } else { 1 };
                    let fixes: Vec<SentFix> = (0..count)
                        .map(|_| {
                            sequence += 1;
                            let n = sequence * CLIENTS as i64 + client as i64;
                            SentFix {
                                id: Uuid::now_v7(),
                                vehicle: (n as usize) % VEHICLES,
                                latitude: 40.0 + n as f64 / 100_000.0,
                                tracked_at: start + chrono::Duration::milliseconds(n),
                            }
                        })
                        .collect();
                    let acknowledged = send(&server, &vehicles, &fixes).await;
                    ledger.extend(fixes.into_iter().map(|fix| (fix, acknowledged)));
                    if !acknowledged {
                        break;
                    }
                }
                ledger
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    sending.0.send(false).unwrap();
    let mut ledgers = Vec::new();
    for client in clients {
        ledgers.push(client.await.unwrap());
    }
    let sent: Vec<SentFix> = ledgers.iter().flatten().map(|(f, _)| f.clone()).collect();
    let acknowledged: HashSet<Uuid> = ledgers
        .iter()
        .flatten()
        .filter(|(_, acked)| *acked)
        .map(|(f, _)| f.id)
        .collect();
    assert!(
        acknowledged.len() > 100,
        "the clients were sending when it died"
    );

    let stored: HashSet<Uuid> = server.stored_fix_ids().await.into_iter().collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "acknowledged, then lost in the crash: {lost:?}"
    );

    // Restarted; every client sends again what it has no answer for, and the last batch it
    // had an answer for (a retry of what is stored must store nothing).
    server.restart().await;
    for ledger in &ledgers {
        let unanswered: Vec<SentFix> = ledger
            .iter()
            .filter(|(_, acked)| !acked)
            .map(|(f, _)| f.clone())
            .collect();
        let answered: Vec<SentFix> = ledger
            .iter()
            .filter(|(_, acked)| *acked)
            .rev()
            .take(20)
            .map(|(f, _)| f.clone())
            .collect();
        for retry in [unanswered, answered] {
            if !retry.is_empty() {
                assert!(send(&server, &vehicles, &retry).await, "a retry is refused");
            }
        }
    }
    let stored = server.stored_fix_ids().await;
    assert_eq!(stored.len(), sent.len(), "every fix stored, each once");
    assert_eq!(
        stored.iter().collect::<HashSet<_>>().len(),
        stored.len(),
        "no fix stored twice"
    );

    // The read model (each vehicle's latest fix) and the fleet at a moment in the middle equal
    // the fold of what was sent.
    let latest_at = |at: Option<DateTime<Utc>>| -> BTreeMap<String, f64> {
        let mut latest: BTreeMap<usize, &SentFix> = BTreeMap::new();
        for fix in sent
            .iter()
            .filter(|f| at.is_none_or(|at| f.tracked_at <= at))
        {
            let current = latest.entry(fix.vehicle).or_insert(fix);
            if fix.tracked_at > current.tracked_at {
                *current = fix;
            }
        }
        latest
            .into_iter()
            .map(|(v, f)| (vehicles[v].clone(), f.latitude))
            .collect()
    };
    let middle = sent.iter().map(|f| f.tracked_at).max().unwrap()
        - (sent.iter().map(|f| f.tracked_at).max().unwrap() - start) / 2;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = latitudes(&server, "/vehicles").await;
        let at = format!(
            "/fleet?at={}",
            middle.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
        let then = latitudes(&server, &at).await;
        if now == latest_at(None) && then == latest_at(Some(middle)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "after the restart, the views differ from the fold of the log:\n now {now:?}\n expected {:?}\n at T {then:?}\n expected {:?}",
            latest_at(None),
            latest_at(Some(middle))
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends `fixes` (one: `/track-location`; more: `/track-locations`); true when acknowledged.
async fn send(server: &Server, vehicles: &[String], fixes: &[SentFix]) -> bool {
    let answer = match fixes {
        [fix] => {
            let body = fix.body(vehicles).to_string();
            server.request("POST", "/track-location", &body).await
        }
        _ => {
            let body = Value::Array(fixes.iter().map(|f| f.body(vehicles)).collect());
            server
                .request("POST", "/track-locations", &body.to_string())
                .await
        }
    };
    matches!(answer, Some((200, _)))
}

/// Vehicle id → latitude, of `path`'s answer (a list of vehicles).
async fn latitudes(server: &Server, path: &str) -> BTreeMap<String, f64> {
    let Some((200, body)) = server.request("GET", path, "").await else {
        return BTreeMap::new();
    };
    let vehicles: Value = serde_json::from_str(body.trim()).unwrap_or_default();
    vehicles
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            Some((
                v["vehicleRegisteredId"].as_str()?.to_string(),
                v["latitude"].as_f64()?,
            ))
        })
        .collect()
}
