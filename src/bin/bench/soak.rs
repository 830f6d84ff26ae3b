//! The soak: the whole server in this process under mixed load for many minutes — single fixes,
//! batches, live streams held open, the fleet at random moments, registrations — paced at fixed
//! rates. Every 10 s it prints one row: resident memory (how much of it the fleet index's
//! fixes take; the allocator's live and resident heap), p50/p99 latency per route, errors, and
//! the projections' lag. `cargo run --release --features ssr --bin bench -- --soak-minutes 20`

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use event_store::{EventStore, Wakeups};
use fleetline::fleet::fleet_index::FleetIndex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::http_load::{serve, Client, Target};
use crate::measures::{heap_mb, lag_seconds, percentiles, resident_mb};

/// The load's rates, per second (requests, not fixes).
#[derive(Clone, Debug, clap::Args)]
pub struct SoakRates {
    /// Single fixes (`POST /track-location`) per second.
    #[arg(long, default_value_t = 1000.0)]
    pub soak_fixes: f64,
    /// Batches of 1,000 fixes (`POST /track-locations`) per second.
    #[arg(long, default_value_t = 10.0)]
    pub soak_batches: f64,
    /// Live streams (`GET /live`) held open.
    #[arg(long, default_value_t = 100)]
    pub soak_streams: usize,
    /// Fleet-at-T queries (`GET /fleet?at=`, a random moment of the history) per second.
    #[arg(long, default_value_t = 20.0)]
    pub soak_fleet: f64,
    /// Registrations per second.
    #[arg(long, default_value_t = 2.0)]
    pub soak_registrations: f64,
}

const BATCH: usize = 1000;
const ROUTES: [&str; 4] = ["fix", "batch", "fleet at T", "register"];

/// Latencies and errors since the last row.
#[derive(Default)]
struct Window {
    latencies: Mutex<BTreeMap<&'static str, Vec<Duration>>>,
    errors: AtomicU64,
}

impl Window {
    fn record(&self, route: &'static str, took: Duration, status: u16) {
        if status != 200 {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let mut latencies = self.latencies.lock().unwrap();
        latencies.entry(route).or_default().push(took);
    }
}

pub async fn soak(
    store: &EventStore,
    ids: &[Uuid],
    minutes: u64,
    window: chrono::Duration,
    rates: &SoakRates,
) -> anyhow::Result<()> {
    let wakeups = Wakeups::listen(store.pool(), Duration::from_millis(500));
    let index = FleetIndex::start_with_window(store, wakeups, window).await?;
    let ingest = serve(store, &index).await?;
    let token = fleetline::fleet::issue_token::issue(
        store,
        "soak",
        fleetline::fleet::access::Role::Admin,
        None,
        &[],
        Utc::now(),
        &fleetline::fleet::access::CausedBy::cli(),
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.message))?
    .token;
    let target = Target {
        addr: ingest.addr,
        token: token.into(),
    };
    let window = Arc::new(Window::default());
    let ids: Arc<[Uuid]> = ids.into();
    let history_start = store_start(store).await?;

    let mut tasks = Vec::new();
    let fix_ids = ids.clone();
    tasks.extend(paced(
        &target,
        &window,
        "fix",
        rates.soak_fixes,
        8,
        move |n| {
            let vehicle = fix_ids[n as usize % fix_ids.len()];
            (
                "POST",
                "/track-location".into(),
                fix(vehicle, n).into_bytes(),
            )
        },
    ));
    let batch_ids = ids.clone();
    tasks.extend(paced(
        &target,
        &window,
        "batch",
        rates.soak_batches,
        2,
        move |n| {
            let fixes: Vec<String> = (0..BATCH as u64)
                .map(|i| fix(batch_ids[(n * 7 + i) as usize % batch_ids.len()], n + i))
                .collect();
            (
                "POST",
                "/track-locations".into(),
                format!("[{}]", fixes.join(",")).into_bytes(),
            )
        },
    ));
    tasks.extend(paced(
        &target,
        &window,
        "fleet at T",
        rates.soak_fleet,
        2,
        move |n| {
            // A moment spread over the history by a multiplicative hash of n.
            let span = (Utc::now() - history_start).num_seconds().max(1) as u64;
            let at = history_start + chrono::Duration::seconds(((n * 2_654_435_761) % span) as i64);
            let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            ("GET", format!("/fleet?at={at}"), Vec::new())
        },
    ));
    tasks.extend(paced(
        &target,
        &window,
        "register",
        rates.soak_registrations,
        1,
        |_| {
            let plate = format!("S-{}", &Uuid::now_v7().simple().to_string()[20..]);
            let body = format!(r#"{{"vehicleLicensePlate":"{}"}}"#, plate.to_uppercase());
            ("POST", "/register-vehicle".into(), body.into_bytes())
        },
    ));
    let streams = Arc::new(AtomicU64::new(0));
    for _ in 0..rates.soak_streams {
        tasks.push(tokio::spawn(hold_live_stream(
            target.clone(),
            streams.clone(),
            window.clone(),
        )));
    }

    println!(
        "| minute | RSS MB | index fixes MB | other MB | heap allocated / resident MB | lag s | {} | errors | open streams |",
        ROUTES.map(|r| format!("{r} p50/p99 ms")).join(" | ")
    );
    println!("|{}", " --- |".repeat(8 + ROUTES.len()));
    let started = Instant::now();
    let mut total_errors = 0;
    while started.elapsed() < Duration::from_secs(minutes * 60) {
        tokio::time::sleep(Duration::from_secs(10)).await;
        let latencies = std::mem::take(&mut *window.latencies.lock().unwrap());
        let errors = window.errors.swap(0, Ordering::Relaxed);
        total_errors += errors;
        let (rss, index_mb) = (resident_mb(), index.fix_bytes() as f64 / 1e6);
        let (heap_allocated, heap_resident) = heap_mb();
        let cells: Vec<String> = ROUTES
            .iter()
            .map(|route| match latencies.get(route) {
                Some(samples) if !samples.is_empty() => {
                    let (p50, _, p99) = percentiles(samples.clone());
                    format!("{p50:.1} / {p99:.1}")
                }
                _ => "-".into(),
            })
            .collect();
        println!(
            "| {:.1} | {rss:.0} | {index_mb:.0} | {:.0} | {heap_allocated:.0} / {heap_resident:.0} | {:.1} | {} | {errors} | {} |",
            started.elapsed().as_secs_f64() / 60.0,
            rss - index_mb,
            lag_seconds(store).await,
            cells.join(" | "),
            streams.load(Ordering::Relaxed),
        );
    }
    for task in tasks {
        task.abort();
    }
    println!("\nerrors in all: {total_errors}");
    Ok(())
}

/// The earliest device time of the history: the fleet-at-T queries pick moments after it.
async fn store_start(store: &EventStore) -> anyhow::Result<chrono::DateTime<Utc>> {
    let start: Option<chrono::DateTime<Utc>> =
        sqlx::query_scalar("SELECT min(tracked_at) FROM vehicle_positions")
            .fetch_one(store.pool())
            .await?;
    Ok(start.unwrap_or_else(Utc::now))
}

fn fix(vehicle: Uuid, n: u64) -> String {
    let (latitude, longitude) = (
        50.0 + (n % 10_000) as f64 * 1e-5,
        8.0 + (n % 7_000) as f64 * 1e-5,
    );
    format!(
        r#"{{"vehicleRegisteredId":"{vehicle}","latitude":{latitude:.5},"longitude":{longitude:.5}}}"#
    )
}

type Request = (&'static str, String, Vec<u8>);

/// `connections` clients sending `rate` requests a second between them, on a fixed schedule
/// (catching up at once when behind), each answer's latency recorded under `route`.
fn paced(
    target: &Target,
    window: &Arc<Window>,
    route: &'static str,
    rate: f64,
    connections: usize,
    request: impl Fn(u64) -> Request + Send + Sync + 'static,
) -> Vec<tokio::task::JoinHandle<()>> {
    if rate <= 0.0 {
        return Vec::new();
    }
    let request = Arc::new(request);
    (0..connections)
        .map(|c| {
            let (target, window, request) = (target.clone(), window.clone(), request.clone());
            tokio::spawn(async move {
                let mut client = Client::connect(&target).await;
                let every = Duration::from_secs_f64(connections as f64 / rate);
                let mut next = tokio::time::Instant::now();
                let mut n = c as u64 * 1_000_000_000;
                loop {
                    tokio::time::sleep_until(next).await;
                    next += every;
                    let (method, path, body) = request(n);
                    let sent = Instant::now();
                    let status = client.send(method, &path, "application/json", &body).await;
                    window.record(route, sent.elapsed(), status);
                    n += 1;
                }
            })
        })
        .collect()
}

/// One browser's live stream, read and thrown away; opened again whenever it ends (streams last
/// 10 minutes). A stream refused counts as an error.
async fn hold_live_stream(target: Target, open: Arc<AtomicU64>, window: Arc<Window>) {
    loop {
        let Ok(mut stream) = tokio::net::TcpStream::connect(target.addr).await else {
            window.errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let head = format!(
            "GET /live HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {}\r\n\r\n",
            target.token
        );
        if stream.write_all(head.as_bytes()).await.is_err() {
            window.errors.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let mut buffer = vec![0u8; 64 * 1024];
        let first = stream.read(&mut buffer).await.unwrap_or(0);
        if !buffer[..first].starts_with(b"HTTP/1.1 200") {
            window.errors.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        open.fetch_add(1, Ordering::Relaxed);
        while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
        open.fetch_sub(1, Ordering::Relaxed);
    }
}
