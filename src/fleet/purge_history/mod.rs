//! Command PurgeHistory: removes the fixes tracked before a moment, in whole weeks, from the log
//! (its history partitions) and from the fixes' read model (its partitions by device time), and
//! records who did it, up to when, and how many fixes went. What summarises them stays: the
//! keyframes (so the fleet at an earlier moment is still answered, to the minute, marked
//! coarse) and the timeline's activity. By `fleetline history purge --before DATE`, or by the
//! server every hour under the retention setting (`--retention-days`).

pub mod cli;
mod plan;
pub mod retention;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use event_store::EventStore;
use sqlx::PgPool;

use crate::error::AppError;
use crate::fleet::access::CausedBy;
use crate::fleet::events::HistoryPurged;

/// Removes the weeks of fixes that end at or before `before`'s week (see [`plan::horizon`]) and
/// records the purge; `None` when there was nothing to remove. The log's weeks are taken out
/// first, then the purge is recorded, then they are dropped: a purge that stops half-way leaves
/// them detached, and the next one counts, records and drops them.
pub async fn purge(
    store: &EventStore,
    before: DateTime<Utc>,
    caused_by: &CausedBy,
) -> Result<Option<HistoryPurged>, AppError> {
    let now = Utc::now();
    let horizon = plan::horizon(before, now)?;
    let detached = store.detach_history_before(horizon).await?;
    let positions = drop_position_weeks(store.pool(), horizon).await?;
    if detached.weeks.is_empty() && positions == 0 {
        return Ok(None);
    }
    let purged = HistoryPurged {
        history_purged_id: uuid::Uuid::now_v7(),
        before: horizon,
        requested_before: before,
        fixes: detached.events,
        weeks: detached.weeks.iter().map(|week| week.starts).collect(),
        purged_at: now,
    };
    let mut recorded = [purged.to_event()];
    caused_by.stamp(&mut recorded);
    store.append(&recorded, None).await?;
    store.drop_detached(&detached).await?;
    tracing::info!(
        before = %horizon, fixes = detached.events, weeks = detached.weeks.len(),
        "purged the history before {horizon}"
    );
    Ok(Some(purged))
}

/// Drops the fixes' read model's weeks that end at or before `horizon` (and any left detached
/// by a purge that stopped): each detached concurrently, so the projection and readers go on.
/// Answers how many weeks went.
async fn drop_position_weeks(pool: &PgPool, horizon: DateTime<Utc>) -> sqlx::Result<usize> {
    let weeks: Vec<(String, bool)> = sqlx::query_as(
        "SELECT relname::text, relispartition FROM pg_class
         WHERE relname LIKE 'vehicle\\_positions\\_%' AND relkind = 'r'
           AND relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'vehicle_positions'::regclass)",
    )
    .fetch_all(pool)
    .await?;
    let mut dropped = 0;
    for (table, attached) in weeks {
        let Some(starts) = plan::week_of_table(&table, "vehicle_positions_") else {
            continue;
        };
        if attached && starts + plan::WEEK > horizon {
            continue;
        }
        if attached {
            sqlx::raw_sql(&format!(
                "ALTER TABLE vehicle_positions DETACH PARTITION \"{table}\" CONCURRENTLY"
            ))
            .execute(pool)
            .await?;
        }
        sqlx::raw_sql(&format!("DROP TABLE \"{table}\""))
            .execute(pool)
            .await?;
        dropped += 1;
    }
    Ok(dropped)
}
