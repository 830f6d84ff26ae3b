//! The benchmark: creates its own database, generates a realistic fleet, loads it and prints one
//! table. `cargo run --release --features ssr --bin bench -- --help`
//!
//! This file holds the flow: `run` measures one row of the table at a time, each by a function of
//! its own below, in the order the table lists them. The fleet is in `fleet`, the HTTP load in
//! `http_load`, the measuring itself in `measures`.

mod fleet;
mod http_load;
mod measures;
mod purge;
mod soak;
mod table;

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use clap::Parser;
use event_store::{rebuild, EventStore, Wakeups};
use fleetline::fleet::{fleet_index::FleetIndex, projections};
use sqlx::{migrate::MigrateDatabase, Postgres};
use uuid::Uuid;

use fleet::{Fleet, History};
use http_load::{batch_requests, load_http, serve, single_fix_requests, RequestMaker, BATCH};
use measures::{measure_fleet_at, resident_mb, until_caught_up, with_lag};
use table::{Row, Table};

#[derive(Parser, Debug)]
#[command(about = "Fleetline's benchmark: ingest, the fleet at T, rebuild, lag, memory")]
struct Args {
    /// Vehicles in the generated fleet.
    #[arg(long, default_value_t = 1000)]
    vehicles: usize,
    /// Fixes loaded before the measurements.
    #[arg(long, default_value_t = 1_000_000)]
    fixes: usize,
    /// Instead of `--fixes`: this many days of history ending now, each vehicle reporting every
    /// `--interval-seconds` in turn (a real fleet's shape: recent history in the index's memory,
    /// older from keyframes).
    #[arg(long)]
    days: Option<f64>,
    /// With `--days`: seconds between a vehicle's fixes (±20 %).
    #[arg(long, default_value_t = 30.0)]
    interval_seconds: f64,
    /// Minutes of recent fixes the fleet index holds (the server's `--memory-hours`, 6 hours).
    #[arg(long, default_value_t = 360)]
    memory_minutes: i64,
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
    /// Instead of the table: the soak, this many minutes of mixed load over the loaded history,
    /// one row every 10 s (see soak.rs).
    #[arg(long)]
    soak_minutes: Option<u64>,
    #[command(flatten)]
    soak: soak::SoakRates,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let name = format!("fleetline_bench_{}", Uuid::now_v7().simple());
    let url = format!("{}/{name}", args.server.trim_end_matches('/'));
    Postgres::create_database(&url).await?;
    let result = match args.soak_minutes {
        Some(minutes) => run_soak(&args, &url, minutes).await,
        None => run(&args, &url).await,
    };
    if !args.keep {
        Postgres::force_drop_database(&url).await?;
    }
    result
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let mut table = Table::default();
    let store = fleetline::server::open_store(url, 80).await?;
    let (mut fleet, fixes) = generated_fleet(&store, args).await?;

    // Its history, loaded in stages; the fleet at T is measured at each size.
    let stages = args.stages.max(1);
    let mut history = History::default();
    let mut index = None;
    let wakeups = Wakeups::listen(store.pool(), Duration::from_millis(500));
    let window = chrono::Duration::minutes(args.memory_minutes);
    for stage in 1..=stages {
        history
            .grow_to(&store, &mut fleet, fixes * stage / stages)
            .await?;
        table.push(fleet_at_t(&store, &wakeups, &fleet, history.fixes, window, &mut index).await?);
    }
    let index = index.expect("at least one stage");
    table.push(fixes_loaded(fixes, history.appending));
    let events = store.count().await? as f64;
    table.push(projections_caught_up(events, history.projecting));
    table.push(Row::new(
        "activity under the timeline, 120 buckets",
        measures::measure_activity(&store, fleet.start(), fleet.latest()).await?,
    ));
    table.push(rebuild_projections(&store, events).await?);
    table.push(storage_per_fix(&store, history.fixes).await?);

    // HTTP ingest against the API, with projections, the fleet index and the live feed running.
    let addr = serve(&store, &index).await?;
    let single = single_fix_requests(&fleet.ids);
    for connections in [16, 64] {
        table.push(single_fix_http(&addr, connections, args.seconds, &single).await);
    }
    let batch = batch_requests(&fleet.ids);
    table.push(batch_flat_out(&store, &addr, args.seconds, &batch).await);
    for &target in &args.paced_rates {
        table.push(batch_paced(&store, &addr, args.seconds, target, &batch).await);
    }
    table.push(server_memory(&index));
    table.push(Row::new(
        "purge of every whole week older than a day, while ingesting",
        purge::measure_purge(&store, &mut fleet).await?,
    ));

    println!();
    println!("{}", machine(&store, args).await?);
    println!();
    table.print_markdown();
    store.pool().close().await;
    Ok(())
}

/// The fleet to generate and how many fixes: `--fixes` from 1 November 2026, a fix every 1–10 s;
/// or `--days` ending now, every `--interval-seconds`.
async fn generated_fleet(store: &EventStore, args: &Args) -> anyhow::Result<(Fleet, usize)> {
    let Some(days) = args.days else {
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
        return Ok((
            Fleet::register(store, args.vehicles, start).await?,
            args.fixes,
        ));
    };
    let span = chrono::Duration::seconds((days * 86_400.0) as i64);
    let mut fleet = Fleet::register(store, args.vehicles, Utc::now() - span).await?;
    fleet.report_every(args.interval_seconds);
    let fixes = (days * 86_400.0 / args.interval_seconds) as usize * args.vehicles;
    Ok((fleet, fixes))
}

/// The soak over a fleet of `--vehicles` with `--fixes` of history.
async fn run_soak(args: &Args, url: &str, minutes: u64) -> anyhow::Result<()> {
    let store = fleetline::server::open_store(url, 80).await?;
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0).unwrap();
    let mut fleet = Fleet::register(&store, args.vehicles, start).await?;
    History::default()
        .grow_to(&store, &mut fleet, args.fixes)
        .await?;
    measures::catch_up(&store).await;
    println!("{}\n", machine(&store, args).await?);
    println!(
        "Soak: {minutes} minutes over {} vehicles with {} fixes of history; {:?}\n",
        args.vehicles, args.fixes, args.soak
    );
    let window = chrono::Duration::minutes(args.memory_minutes);
    let soaked = soak::soak(&store, &fleet.ids, minutes, window, &args.soak).await;
    store.close().await;
    soaked
}

/// Row: the fleet at T once `fixes` are loaded. `index` is replaced by one loaded afresh, as after
/// a restart (the one before is freed first, so the two are never in memory together).
async fn fleet_at_t(
    store: &EventStore,
    wakeups: &Wakeups,
    fleet: &Fleet,
    fixes: usize,
    window: chrono::Duration,
    index: &mut Option<FleetIndex>,
) -> anyhow::Result<Row> {
    if let Some(previous) = index.take() {
        FleetIndex::stop(&previous);
    }
    let began = Instant::now();
    let loaded = FleetIndex::start_with_window(store, wakeups.clone(), window).await?;
    let load_seconds = began.elapsed().as_secs_f64();
    let at_each = measure_fleet_at(store, &loaded, fleet.start(), fleet.latest(), fixes).await?;
    let row = Row::new(
        format!("fleet at T, {} vehicles, {fixes} fixes", fleet.ids.len()),
        format!(
            "{at_each}; index loaded in {load_seconds:.1} s, {:.0} MB of fixes ({} min of them)",
            loaded.fix_bytes() as f64 / 1e6,
            window.num_minutes()
        ),
    );
    *index = Some(loaded);
    Ok(row)
}

/// Row: the time appending the history took, over all the stages.
fn fixes_loaded(fixes: usize, appending: Duration) -> Row {
    let seconds = appending.as_secs_f64();
    Row::new(
        "fixes loaded (store append, 10,000 per call)",
        format!(
            "{fixes} in {seconds:.1} s = {:.0} fixes/s",
            fixes as f64 / seconds
        ),
    )
}

/// Row: the time catching the projections up took, after each stage of the history.
fn projections_caught_up(events: f64, projecting: Duration) -> Row {
    let seconds = projecting.as_secs_f64();
    Row::new(
        "projections caught up (all four, as the log grew)",
        format!(
            "{:.0} events/s ({events} events in {seconds:.1} s)",
            events / seconds
        ),
    )
}

/// Row: rebuilding both projections from the whole log of `events` events.
async fn rebuild_projections(store: &EventStore, events: f64) -> anyhow::Result<Row> {
    let began = Instant::now();
    rebuild(store.pool(), &projections::all(), 10_000, |_| {}).await?;
    let seconds = began.elapsed().as_secs_f64();
    Ok(Row::new(
        "rebuild of every projection (aside, then swap)",
        format!(
            "{:.0} events/s ({events} events in {seconds:.1} s)",
            events / seconds
        ),
    ))
}

/// Row: one fix per request, from `connections` connections, flat out.
async fn single_fix_http(
    addr: &http_load::Target,
    connections: usize,
    seconds: u64,
    single: &RequestMaker,
) -> Row {
    let rate = load_http(addr, connections, seconds, None, single.clone()).await;
    Row::new(
        format!("single-fix HTTP, {connections} connections"),
        format!("{rate:.0} requests/s"),
    )
}

/// Row: batches from 4 connections, flat out, and how far the projections fall behind.
async fn batch_flat_out(
    store: &EventStore,
    addr: &http_load::Target,
    seconds: u64,
    batch: &RequestMaker,
) -> Row {
    let (rate, lag) = with_lag(store, load_http(addr, 4, seconds, None, batch.clone())).await;
    Row::new(
        format!("batch HTTP (NDJSON, {BATCH} fixes per request, 4 connections), flat out"),
        format!(
            "{:.0} fixes/s; projection lag max {lag:.2} s",
            rate * BATCH as f64
        ),
    )
}

/// Row: batches from 4 connections at `target` fixes per second, and how far the projections
/// fall behind.
async fn batch_paced(
    store: &EventStore,
    addr: &http_load::Target,
    seconds: u64,
    target: usize,
    batch: &RequestMaker,
) -> Row {
    // Each paced run starts with the projections caught up.
    until_caught_up(store).await;
    let per_second = target as f64 / BATCH as f64;
    let (rate, lag) = with_lag(
        store,
        load_http(addr, 4, seconds, Some(per_second), batch.clone()),
    )
    .await;
    Row::new(
        format!("batch HTTP paced at {target} fixes/s"),
        format!(
            "{:.0} fixes/s sustained; projection lag max {lag:.2} s",
            rate * BATCH as f64
        ),
    )
}

/// Row: bytes on disk per fix after loading, every table and index a fix is stored in (the event
/// log with its indexes and TOAST, the positions read model, and the keyframes summing them up),
/// issue #15's figure (target 300).
async fn storage_per_fix(store: &EventStore, fixes: usize) -> anyhow::Result<Row> {
    let (events, events_heap, positions, keyframes): (i64, i64, i64, i64) = sqlx::query_as(
        // Partitioned tables hold nothing themselves: their partitions are summed
        // (`pg_partition_tree` lists nothing for a table that is not partitioned).
        "WITH sizes AS (
             SELECT t.name, sum(pg_total_relation_size(p.relid))::bigint AS total,
                    sum(pg_table_size(p.relid))::bigint AS heap
             FROM unnest(ARRAY['events', 'vehicle_positions']) AS t(name),
                  pg_partition_tree(t.name::regclass) AS p
             GROUP BY t.name)
         SELECT (SELECT total FROM sizes WHERE name = 'events'), (SELECT heap FROM sizes WHERE name = 'events'),
                (SELECT total FROM sizes WHERE name = 'vehicle_positions'),
                pg_total_relation_size('fleet_keyframes')",
    )
    .fetch_one(store.pool())
    .await?;
    let per_fix = |bytes: i64| bytes as f64 / fixes.max(1) as f64;
    Ok(Row::new(
        "bytes on disk per fix, all tables and indexes",
        format!(
            "{:.0} (events {:.0}: rows {:.0}, indexes {:.0}; vehicle_positions {:.0}; keyframes {:.0})",
            per_fix(events + positions + keyframes),
            per_fix(events),
            per_fix(events_heap),
            per_fix(events - events_heap),
            per_fix(positions),
            per_fix(keyframes)
        ),
    ))
}

/// Row: the server's resident memory after all the above, and the part of it the index's fixes
/// take.
fn server_memory(index: &FleetIndex) -> Row {
    Row::new(
        "server resident memory",
        format!(
            "{:.0} MB ({} fixes indexed, {:.0} MB of them)",
            resident_mb(),
            index.fixes(),
            index.fix_bytes() as f64 / 1e6
        ),
    )
}

/// The line that says what the figures were measured on.
async fn machine(store: &EventStore, args: &Args) -> anyhow::Result<String> {
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
    Ok(format!(
        "Machine: {} cores, {cpu}, PostgreSQL {version}; {} vehicles, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        args.vehicles,
        match args.days {
            Some(days) => format!("{days} days every {} s", args.interval_seconds),
            None => format!("{} fixes loaded", args.fixes),
        }
    ))
}
