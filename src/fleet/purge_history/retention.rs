//! The retention setting: the server purges the history older than so many days, every hour.

use std::time::Duration;

use chrono::Utc;
use event_store::EventStore;

use crate::fleet::access::CausedBy;

/// Hourly: a week's history becomes old enough once a week, and an hour late costs nothing.
const EVERY: Duration = Duration::from_secs(3600);

/// Purges, at start and then every hour, the fixes older than `days` (whole weeks, see
/// [`super::plan::horizon`]). Runs until the server stops; a failed purge is logged and tried
/// again the next hour.
pub async fn keep(store: EventStore, days: u32) {
    let mut every = tokio::time::interval(EVERY);
    loop {
        every.tick().await;
        let before = Utc::now() - chrono::Duration::days(i64::from(days));
        if let Err(error) = super::purge(&store, before, &CausedBy::retention()).await {
            tracing::warn!(%error.message, "the retention setting's purge failed; trying again in an hour");
        }
    }
}
