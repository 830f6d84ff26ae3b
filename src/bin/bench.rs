//! The benchmark: creates its own database, generates a realistic fleet, loads it and prints one
//! table. `cargo run --release --features ssr --bin bench -- --help`

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use chrono::{DateTime, TimeZone, Utc};
use clap::Parser;
use event_store::{rebuild, EventStore, ProjectionRunner, Wakeups};
use fleetline::fleet::{
    events::{LocationTracked, VehicleScope},
    fleet_at::fleet_at,
    fleet_index::FleetIndex,
    projections,
    register_vehicle::register,
};
use fleetline::random::Lcg;
use sqlx::{migrate::MigrateDatabase, Postgres};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
};
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Fleetline's benchmark: ingest, the fleet at T, rebuild, lag, memory")]
struct Args {
    /// Vehicles in the generated fleet.
    #[arg(long, default_value_t = 1000)]
    vehicles: usize,
    /// Fixes loaded before the measurements.
    #[arg(long, default_value_t = 1_000_000)]
    fixes: usize,
    /// Seconds each HTTP ingest measurement runs.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// PostgreSQL server; the benchmark makes (and drops) a database of its own there.
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432"
    )]
    server: String,
    /// Sizes at which the fleet at T is measured: the history is loaded in this many steps.
    #[arg(long, default_value_t = 3)]
    stages: usize,
    /// Sustained batch rates at which the projections' lag is measured, fixes per second.
    #[arg(long, value_delimiter = ',', default_value = "25000,50000")]
    paced_rates: Vec<usize>,
    /// Keep the database afterwards.
    #[arg(long)]
    keep: bool,
}

/// Percentiles of durations, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.95), at(0.99))
}

fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Vehicles moving along plausible paths (heading drifts, speeds 5–30 m/s), one fix every 1–10 s;
/// one fix in fifty arrives late, up to ten minutes behind the others.
struct Fleet {
    ids: Vec<Uuid>,
    state: Vec<(f64, f64, f64, DateTime<Utc>)>,
    random: Lcg,
}

impl Fleet {
    fn next_fixes(&mut self, count: usize) -> Vec<LocationTracked> {
        (0..count)
            .map(|_| {
                let v = (self.random.unit() * self.ids.len() as f64) as usize;
                let (lat, lon, heading, at) = &mut self.state[v];
                let step = 1.0 + self.random.unit() * 9.0;
                *heading += (self.random.unit() - 0.5) * 0.6;
                let metres = step * (5.0 + self.random.unit() * 25.0);
                *lat = (*lat + metres * heading.cos() / 111_000.0).clamp(-85.0, 85.0);
                *lon = (*lon + metres * heading.sin() / (111_000.0 * lat.to_radians().cos()))
                    .clamp(-179.0, 179.0);
                *at += chrono::Duration::milliseconds((step * 1000.0) as i64);
                let late = if self.random.unit() < 0.02 {
                    (self.random.unit() * 600.0) as i64
                } else {
                    0
                };
                LocationTracked {
                    location_tracked_id: Uuid::now_v7(),
                    latitude: *lat,
                    longitude: *lon,
                    tracked_at: Some(*at - chrono::Duration::seconds(late)),
                    extras: Default::default(),
                    scope: VehicleScope {
                        vehicle_registered_id: self.ids[v],
                    },
                }
            })
            .collect()
    }
}

/// Makes the request a client sends n-th: path, content type, body.
type RequestMaker = Arc<dyn Fn(u64) -> (&'static str, &'static str, Vec<u8>) + Send + Sync>;

/// One keep-alive HTTP/1.1 connection.
struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        Self {
            stream: BufReader::new(stream),
        }
    }

    async fn post(&mut self, path: &str, content_type: &str, body: &[u8]) -> u16 {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body).await.expect("write");
        let mut line = String::new();
        self.stream.read_line(&mut line).await.expect("status line");
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.stream.read_line(&mut line).await.expect("header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.expect("body");
        status
    }
}

/// Sends requests from `connections` clients for `seconds`, as fast as answered or at `paced`
/// requests per second; answers the requests per second achieved.
async fn load_http(
    addr: std::net::SocketAddr,
    connections: usize,
    seconds: u64,
    paced: Option<f64>,
    request: RequestMaker,
) -> f64 {
    let done = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|c| {
            let (done, count, request) = (done.clone(), count.clone(), request.clone());
            tokio::spawn(async move {
                let mut client = Client::connect(addr).await;
                let mut n = c as u64 * 1_000_000;
                // Paced: each connection sends its share of the requests per second on a fixed
                // schedule (and catches up at once when it falls behind).
                let mut next = tokio::time::Instant::now();
                let every = paced.map(|rate| Duration::from_secs_f64(connections as f64 / rate));
                while !done.load(Ordering::Relaxed) {
                    if let Some(every) = every {
                        tokio::time::sleep_until(next).await;
                        next += every;
                    }
                    let (path, content_type, body) = request(n);
                    let status = client.post(path, content_type, &body).await;
                    assert_eq!(status, 200, "{path} answered {status}");
                    count.fetch_add(1, Ordering::Relaxed);
                    n += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    done.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

async fn catch_up(store: &EventStore) {
    for projection in projections::all() {
        ProjectionRunner::new(store.pool().clone(), projection)
            .with_batch_size(5000)
            .catch_up()
            .await
            .unwrap();
    }
}

/// Seconds the next unapplied event (in commit order) has waited, for the slowest projection:
/// one index probe per projection, so sampling it does not load the server.
async fn lag_seconds(store: &EventStore) -> f64 {
    sqlx::query_scalar::<_, Option<f64>>(
        "SELECT max(extract(epoch FROM now() - next.recorded_at))::float8
         FROM projection_checkpoints c
         CROSS JOIN LATERAL (
             SELECT e.recorded_at FROM events e
             WHERE (e.transaction_id, e.position) > (c.transaction_id, c.position)
             ORDER BY e.transaction_id, e.position LIMIT 1
         ) AS next",
    )
    .fetch_one(store.pool())
    .await
    .unwrap()
    .unwrap_or(0.0)
}

/// The fleet at random moments of the history: the in-memory index, the SQL query (checked to
/// agree) and folding the log. One line for the table.
async fn measure_fleet_at(
    store: &EventStore,
    index: &FleetIndex,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    seed: u64,
) -> anyhow::Result<String> {
    let span = (end - start).num_milliseconds().max(1) as f64;
    let mut random = Lcg::new(seed);
    let mut moments = |samples: usize| {
        (0..samples)
            .map(|_| start + chrono::Duration::milliseconds((random.unit() * span) as i64))
            .collect::<Vec<_>>()
    };
    let timed = moments(300)
        .iter()
        .map(|at| {
            let t = Instant::now();
            std::hint::black_box(index.fleet_at(*at));
            t.elapsed()
        })
        .collect();
    let (p50, p95, p99) = percentiles(timed);
    let mut sql = Vec::new();
    for at in moments(30) {
        let t = Instant::now();
        let answer = fleet_at(store.pool(), at)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        sql.push(t.elapsed());
        assert_eq!(answer, index.fleet_at(at), "index and SQL agree at {at}");
    }
    let (s50, s95, _) = percentiles(sql);
    let mut fold = Vec::new();
    for at in moments(3) {
        let t = Instant::now();
        sqlx::query("SELECT DISTINCT ON (payload->'scope'->>'vehicleRegisteredId') payload FROM events
                     WHERE event_type = 'LocationTracked' AND (payload->>'trackedAt')::timestamptz <= $1
                     ORDER BY payload->'scope'->>'vehicleRegisteredId', (payload->>'trackedAt')::timestamptz DESC, position DESC")
            .bind(at)
            .fetch_all(store.pool())
            .await?;
        fold.push(t.elapsed());
    }
    let (f50, _, _) = percentiles(fold);
    Ok(format!(
        "index p50 {p50:.2} / p95 {p95:.2} / p99 {p99:.2} ms; SQL p50 {s50:.1} / p95 {s95:.1} ms; \
         folding the log p50 {f50:.0} ms (index {:.0}× faster)",
        f50 / p50
    ))
}

/// Runs `load` while sampling the projections' lag; answers its result and the largest lag seen.
async fn with_lag<T>(store: &EventStore, load: impl std::future::Future<Output = T>) -> (T, f64) {
    let samples = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sampling = {
        let (store, samples) = (store.clone(), samples.clone());
        tokio::spawn(async move {
            loop {
                let lag = lag_seconds(&store).await;
                samples.lock().unwrap().push(lag);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    };
    let result = load.await;
    // The lag left when the load stops counts too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    sampling.abort();
    let max = samples.lock().unwrap().iter().copied().fold(0.0, f64::max);
    (result, max)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let name = format!("fleetline_bench_{}", Uuid::now_v7().simple());
    let url = format!("{}/{name}", args.server.trim_end_matches('/'));
    Postgres::create_database(&url).await?;
    let result = run(&args, &url).await;
    if !args.keep {
        Postgres::force_drop_database(&url).await?;
    }
    result
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut row = |what: &str, value: String| {
        println!("  {what}: {value}");
        rows.push((what.to_string(), value));
    };
    let store = fleetline::server::open_store(url, 80).await?;
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();

    // The fleet.
    let mut fleet = Fleet {
        ids: Vec::new(),
        state: Vec::new(),
        random: Lcg::new(42),
    };
    for n in 0..args.vehicles {
        let id = register(&store, &format!("BENCH-{n:05}"), None, None, start)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .vehicle_registered_id;
        let (lat, lon) = (
            48.0 + fleet.random.unit() * 6.0,
            6.0 + fleet.random.unit() * 9.0,
        );
        fleet.ids.push(id);
        fleet
            .state
            .push((lat, lon, fleet.random.unit() * std::f64::consts::TAU, start));
    }

    // Its history, loaded in stages; the fleet at T is measured at each size.
    let stages = args.stages.max(1);
    let (mut loaded, mut loading, mut projecting) = (0, Duration::ZERO, Duration::ZERO);
    let mut index = None;
    let wakeups = Wakeups::listen(store.pool(), Duration::from_millis(500));
    for stage in 1..=stages {
        let size = args.fixes * stage / stages;
        let began = Instant::now();
        while loaded < size {
            let count = (size - loaded).min(10_000);
            let events: Vec<_> = fleet
                .next_fixes(count)
                .iter()
                .map(LocationTracked::to_event)
                .collect();
            store.append(&events, None).await?;
            loaded += count;
        }
        loading += began.elapsed();
        let began = Instant::now();
        catch_up(&store).await;
        projecting += began.elapsed();

        // A fresh index, as after a restart (the one before is freed first).
        if let Some(previous) = index.take() {
            FleetIndex::stop(&previous);
        }
        let began = Instant::now();
        let folded = FleetIndex::start(&store, wakeups.clone()).await?;
        let fold_seconds = began.elapsed().as_secs_f64();
        let end = fleet.state.iter().map(|s| s.3).max().unwrap_or(start);
        let at_each = measure_fleet_at(&store, &folded, start, end, stage as u64).await?;
        row(
            &format!("fleet at T, {} vehicles, {loaded} fixes", args.vehicles),
            format!(
                "{at_each}; index folded in {fold_seconds:.1} s, {:.0} MB of fixes",
                folded.fix_bytes() as f64 / 1e6
            ),
        );
        index = Some(folded);
    }
    let index = index.expect("at least one stage");
    row(
        "fixes loaded (store append, 10,000 per call)",
        format!(
            "{} in {:.1} s = {:.0} fixes/s",
            args.fixes,
            loading.as_secs_f64(),
            args.fixes as f64 / loading.as_secs_f64()
        ),
    );
    let events = store.count().await? as f64;
    row(
        "projections caught up (both, as the log grew)",
        format!(
            "{:.0} events/s ({events} events in {:.1} s)",
            events / projecting.as_secs_f64(),
            projecting.as_secs_f64()
        ),
    );

    let began = Instant::now();
    rebuild(store.pool(), &projections::all(), 10_000, |_| {}).await?;
    row(
        "rebuild of both projections (aside, then swap)",
        format!(
            "{:.0} events/s ({events} events in {:.1} s)",
            events / began.elapsed().as_secs_f64(),
            began.elapsed().as_secs_f64()
        ),
    );

    // HTTP ingest against the API, with projections, the fleet index and the live feed running.
    let wakeups = fleetline::server::start_projections(store.pool(), Duration::from_millis(500));
    let state = fleetline::server::AppState::new(
        store.clone(),
        wakeups,
        index.clone(),
        Default::default(),
        None,
    )
    .await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        axum::serve(listener, fleetline::http::routes().with_state(state)).await
    });

    // Bodies are made before the clock starts, so the client spends its time sending. The server
    // gives every fix a new id, so a body sent twice stores its fixes twice.
    let ids = fleet.ids.clone();
    let singles: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..ids.len().min(1000))
            .map(|n| {
                format!(
                    r#"{{"vehicleRegisteredId":"{}","latitude":{},"longitude":8.0}}"#,
                    ids[n],
                    50.0 + n as f64 * 1e-4
                )
                .into_bytes()
            })
            .collect(),
    );
    let single = Arc::new(move |n: u64| {
        let body = singles[n as usize % singles.len()].clone();
        ("/track-location", "application/json", body)
    }) as RequestMaker;
    for connections in [16, 64] {
        let rate = load_http(addr, connections, args.seconds, None, single.clone()).await;
        row(
            &format!("single-fix HTTP, {connections} connections"),
            format!("{rate:.0} requests/s"),
        );
    }

    const BATCH: usize = 5000;
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..8)
            .map(|b| {
                let mut body = String::with_capacity(BATCH * 110);
                for i in 0..BATCH {
                    body.push_str(&format!(
                        r#"{{"vehicleRegisteredId":"{}","latitude":{},"longitude":9.5}}"#,
                        ids[(b * BATCH + i) % ids.len()],
                        50.0 + (i % 1000) as f64 * 1e-4
                    ));
                    body.push('\n');
                }
                body.into_bytes()
            })
            .collect(),
    );
    let batch = Arc::new(move |n: u64| {
        let body = bodies[n as usize % bodies.len()].clone();
        ("/track-locations", "application/x-ndjson", body)
    }) as RequestMaker;
    let (rate, lag) = with_lag(
        &store,
        load_http(addr, 4, args.seconds, None, batch.clone()),
    )
    .await;
    row(
        &format!("batch HTTP (NDJSON, {BATCH} fixes per request, 4 connections), flat out"),
        format!(
            "{:.0} fixes/s; projection lag max {lag:.2} s",
            rate * BATCH as f64
        ),
    );
    for &target in &args.paced_rates {
        // Each paced run starts with the projections caught up.
        while lag_seconds(&store).await > 0.0 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let per_second = target as f64 / BATCH as f64;
        let (rate, lag) = with_lag(
            &store,
            load_http(addr, 4, args.seconds, Some(per_second), batch.clone()),
        )
        .await;
        row(
            &format!("batch HTTP paced at {target} fixes/s"),
            format!(
                "{:.0} fixes/s sustained; projection lag max {lag:.2} s",
                rate * BATCH as f64
            ),
        );
    }
    row(
        "server resident memory",
        format!(
            "{:.0} MB ({} fixes indexed, {:.0} MB of them)",
            resident_mb(),
            index.fixes(),
            index.fix_bytes() as f64 / 1e6
        ),
    );

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(store.pool())
        .await?;
    println!();
    println!(
        "Machine: {} cores, {cpu}, PostgreSQL {version}; {} vehicles, {} fixes loaded",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.vehicles,
        args.fixes
    );
    println!();
    println!("| measure | result |");
    println!("| --- | --- |");
    for (what, value) in rows {
        println!("| {what} | {value} |");
    }
    store.pool().close().await;
    Ok(())
}
