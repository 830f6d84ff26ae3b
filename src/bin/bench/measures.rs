//! The measuring: percentiles, the process's resident memory, catching the projections up, their
//! lag (sampled while a load runs) and the fleet at T three ways.

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use event_store::{EventStore, ProjectionRunner};
use fleetline::fleet::{fleet_at::fleet_at, fleet_index::FleetIndex, projections};
use fleetline::random::Lcg;

/// Percentiles of durations, in milliseconds: p50, p95, p99.
/// (p50, p95, p99) in milliseconds; NaN for no samples.
pub fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    if samples.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    samples.sort();
    let at =
        |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1000.0;
    (at(0.50), at(0.95), at(0.99))
}

/// This process's resident memory, in MB (0 where /proc is not there to tell). The server runs in
/// this process, so this is the server's memory, plus the little the load's client and its
/// request bodies take.
pub fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|kb| kb.split_whitespace().next())
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// The allocator's view of the heap, in MB: bytes in live allocations, and bytes it keeps
/// resident (live ones, freed ones not yet returned to the system, its own metadata). A resident
/// size that grows while the first stays flat is the allocator holding memory, not a leak.
pub fn heap_mb() -> (f64, f64) {
    use tikv_jemalloc_ctl::{epoch, stats};
    // The statistics are a snapshot, refreshed when the epoch advances.
    let _ = epoch::advance();
    let mb = |bytes: Result<usize, _>| bytes.unwrap_or(0) as f64 / 1e6;
    (mb(stats::allocated::read()), mb(stats::resident::read()))
}

/// Catches every projection up with the log, 5,000 events per batch.
pub async fn catch_up(store: &EventStore) {
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
pub async fn lag_seconds(store: &EventStore) -> f64 {
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

/// Waits until every projection has caught up with the log.
pub async fn until_caught_up(store: &EventStore) {
    while lag_seconds(store).await > 0.0 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `load` while sampling the projections' lag; answers its result and the largest lag seen.
pub async fn with_lag<T>(store: &EventStore, load: impl Future<Output = T>) -> (T, f64) {
    let samples = Arc::new(Mutex::new(Vec::new()));
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

/// The fleet at random moments of the history: the fleet index (from memory within its window,
/// from keyframes before it), the SQL query (checked to agree) and, up to 10 M fixes, folding the
/// log (beyond, one fold takes minutes). One line for the table.
pub async fn measure_fleet_at(
    store: &EventStore,
    index: &FleetIndex,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    fixes: usize,
) -> anyhow::Result<String> {
    let seed = fixes as u64;
    let span = (end - start).num_milliseconds().max(1) as f64;
    let mut random = Lcg::new(seed);
    let mut moments = |samples: usize| {
        (0..samples)
            .map(|_| start + chrono::Duration::milliseconds((random.unit() * span) as i64))
            .collect::<Vec<_>>()
    };
    let (mut timed, mut from_keyframes) = (Vec::new(), Vec::new());
    for at in moments(300) {
        let in_memory = index.fleet_in_memory_at(at).is_some();
        let t = Instant::now();
        std::hint::black_box(index.fleet_at(store.pool(), at).await?);
        timed.push(t.elapsed());
        if !in_memory {
            from_keyframes.push(t.elapsed());
        }
    }
    let keyframes = from_keyframes.len();
    let (p50, p95, p99) = percentiles(timed);
    let (k50, k95, _) = percentiles(from_keyframes);
    let mut sql = Vec::new();
    for at in moments(30) {
        let t = Instant::now();
        let answer = fleet_at(
            store.pool(),
            at,
            &fleetline::fleet::access::Scope::WholeFleet,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        sql.push(t.elapsed());
        assert_eq!(
            answer,
            index.fleet_at(store.pool(), at).await?,
            "index and SQL agree at {at}"
        );
    }
    let (s50, s95, _) = percentiles(sql);
    let mut fold = Vec::new();
    for at in moments(if fixes <= 10_000_000 { 3 } else { 0 }) {
        let t = Instant::now();
        // The benchmark's fixes are stored compactly (fleet::fix_payload): the vehicle is the
        // tag, the device time microseconds in `t`.
        sqlx::query(
            "SELECT DISTINCT ON (tags[1]) payload FROM events
                     WHERE event_type = 'LocationTracked' AND (payload->>'t')::bigint <= $1
                     ORDER BY tags[1], (payload->>'t')::bigint DESC, position DESC",
        )
        .bind(at.timestamp_micros())
        .fetch_all(store.pool())
        .await?;
        fold.push(t.elapsed());
    }
    let (f50, _, _) = percentiles(fold);
    let folding = if f50.is_nan() {
        "folding the log not measured (minutes)".to_string()
    } else {
        format!(
            "folding the log p50 {f50:.0} ms (index {:.0}× faster)",
            f50 / p50
        )
    };
    Ok(format!(
        "index p50 {p50:.2} / p95 {p95:.2} / p99 {p99:.2} ms ({keyframes} of 300 moments before \
         the window, from keyframes: p50 {k50:.2} / p95 {k95:.2} ms); SQL p50 {s50:.1} / p95 \
         {s95:.1} ms; {folding}"
    ))
}

/// The timeline's activity (fixes per bucket, 120 buckets) over the whole history, and over a day
/// at random places in it, as the whole fleet sees it: 30 of each. One line for the table.
pub async fn measure_activity(
    store: &EventStore,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> anyhow::Result<String> {
    use fleetline::fleet::{access::Scope, fleet_activity::activity};
    let whole = Scope::WholeFleet;
    let (mut everything, mut days, mut counted) = (Vec::new(), Vec::new(), 0);
    let mut random = Lcg::new(7);
    let span = (end - start).num_milliseconds().max(1) as f64;
    for _ in 0..30 {
        let t = Instant::now();
        let answer = activity(store.pool(), start, end, 120, &whole)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        everything.push(t.elapsed());
        counted = answer.fixes.iter().sum::<i64>();
        let from = start + chrono::Duration::milliseconds((random.unit() * span) as i64);
        let t = Instant::now();
        std::hint::black_box(
            activity(
                store.pool(),
                from,
                from + chrono::Duration::days(1),
                120,
                &whole,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        );
        days.push(t.elapsed());
    }
    let (a50, a95, _) = percentiles(everything);
    let (d50, d95, _) = percentiles(days);
    let minutes = (end - start).num_minutes();
    Ok(format!(
        "whole history ({minutes} minutes, {counted} fixes counted) p50 {a50:.1} / p95 {a95:.1} ms; \
         a day p50 {d50:.1} / p95 {d95:.1} ms"
    ))
}
