//! Row: the purge of old history (issue #15: "seconds, not minutes; ingest goes on meanwhile"):
//! every whole week of fixes older than the last day, purged while batches keep arriving.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use event_store::{EventStore, NewEvent};
use fleetline::fleet::access::CausedBy;
use fleetline::fleet::purge_history::purge;

use crate::fleet::Fleet;

/// Batches appended while the purge runs, 1,000 fixes each (as `POST /track-locations` sends).
const BATCH: usize = 1000;

pub async fn measure_purge(store: &EventStore, fleet: &mut Fleet) -> anyhow::Result<String> {
    let batches: Vec<Vec<NewEvent>> = (0..2000)
        .map(|_| {
            fleet
                .next_fixes(BATCH)
                .iter()
                .map(|f| f.to_event())
                .collect()
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let appended = Arc::new(AtomicUsize::new(0));
    let ingest = tokio::spawn({
        let (store, stop, appended) = (store.clone(), stop.clone(), appended.clone());
        async move {
            for batch in batches {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                store.append(&batch, None).await?;
                appended.fetch_add(batch.len(), Ordering::Relaxed);
            }
            anyhow::Ok(())
        }
    });
    let started = Instant::now();
    let purged = purge(
        store,
        Utc::now() - chrono::Duration::days(1),
        &CausedBy::cli(),
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.message))?;
    let took = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    ingest.await??;
    let ingested = appended.load(Ordering::Relaxed) as f64 / took;
    Ok(match purged {
        Some(purged) => format!(
            "{took:.1} s for {} fixes in {} weeks; ingest meanwhile {ingested:.0} fixes/s",
            purged.fixes,
            purged.weeks.len()
        ),
        None => {
            "nothing to purge: no whole week older than a day (run with --days 8 or more)".into()
        }
    })
}
