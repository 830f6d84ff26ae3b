//! History: events that a retention limit may remove, stored in a partition per week of their
//! ids' time (UUID v7) so that a purge drops whole tables (see the migration
//! `20261207000003_events_history_partitions.sql`). Which event types are history is the
//! writer's choice, made when it migrates ([`crate::migrate_on`]).

use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::{EventStore, NewEvent};

/// 7 days in milliseconds.
const WEEK_MS: i64 = 7 * 86_400_000;
/// 1 January 1970 was a Thursday: weeks from Monday start 3 days before the epoch's.
const MONDAY_OFFSET_MS: i64 = 3 * 86_400_000;

/// The start (Unix milliseconds, Monday 00:00 UTC) of the week of a UUID v7's time; `None` for
/// ids of other versions, which never go to a history partition.
pub(crate) fn week_of(id: &Uuid) -> Option<i64> {
    if id.get_version_num() != 7 {
        return None;
    }
    let bytes = id.as_bytes();
    let ms = bytes[..6]
        .iter()
        .fold(0_i64, |ms, byte| (ms << 8) | i64::from(*byte));
    Some((ms + MONDAY_OFFSET_MS).div_euclid(WEEK_MS) * WEEK_MS - MONDAY_OFFSET_MS)
}

/// The weeks that have a partition, as far as this store has seen, and the event types that are
/// history: an append creates the partitions its history events need before inserting them (one
/// more statement the first time a week appears, none afterwards). Forgotten after a purge, or
/// when an insert found a week missing (another instance purged it).
#[derive(Debug, Default)]
pub(crate) struct Weeks {
    known: Mutex<HashSet<i64>>,
    history_types: Mutex<Option<Arc<HashSet<String>>>>,
}

impl Weeks {
    /// Creates the partitions that the history events among `events` need and this store has
    /// not seen yet, on a connection of its own: in a longer transaction, the creation would
    /// hold back every other week's creator (an advisory lock) until it ends.
    pub(crate) async fn ensure(&self, pool: &PgPool, events: &[NewEvent]) -> sqlx::Result<()> {
        let history_types = self.history_types(pool).await?;
        let missing = self.missing(
            events
                .iter()
                .filter(|e| history_types.contains(&e.event_type))
                .map(|e| e.event_id),
        );
        if missing.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "SELECT event_log_history_partition(to_timestamp(week / 1000.0))
             FROM unnest($1::bigint[]) AS week",
        )
        .bind(&missing)
        .execute(pool)
        .await?;
        self.known.lock().expect("weeks lock").extend(missing);
        Ok(())
    }

    async fn history_types(&self, pool: &PgPool) -> sqlx::Result<Arc<HashSet<String>>> {
        if let Some(types) = &*self.history_types.lock().expect("types lock") {
            return Ok(types.clone());
        }
        let types: Vec<String> = sqlx::query_scalar("SELECT event_type FROM event_history_types")
            .fetch_all(pool)
            .await?;
        let types = Arc::new(types.into_iter().collect::<HashSet<_>>());
        *self.history_types.lock().expect("types lock") = Some(types.clone());
        Ok(types)
    }

    /// The weeks of `ids` that this store has not seen yet.
    fn missing(&self, ids: impl Iterator<Item = Uuid>) -> Vec<i64> {
        let known = self.known.lock().expect("weeks lock");
        let missing: BTreeSet<i64> = ids
            .filter_map(|id| week_of(&id))
            .filter(|week| !known.contains(week))
            .collect();
        missing.into_iter().collect()
    }

    pub(crate) fn forget(&self) {
        self.known.lock().expect("weeks lock").clear();
        *self.history_types.lock().expect("types lock") = None;
    }
}

/// An insert that found no partition for one of its events: the week was purged since this
/// store created it (by another instance, or by hand) or is being detached right now; or, in
/// the moment between a detach and the rename that follows it, the week's name still taken.
pub(crate) fn is_missing_partition(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| {
        let message = e.message();
        (e.code().as_deref() == Some("23514") && message.starts_with("no partition of relation"))
            || (e.code().as_deref() == Some("42P07") && message.contains("events_history_"))
    })
}

/// A week of history as stored: its partition and the time its ids cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryWeek {
    pub partition: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

/// Weeks of history taken out of the log by [`EventStore::detach_history_before`], not yet
/// dropped: how many events each held.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detached {
    pub weeks: Vec<HistoryWeek>,
    pub events: i64,
}

impl EventStore {
    /// The weeks of history stored, oldest first.
    pub async fn history_weeks(&self) -> sqlx::Result<Vec<HistoryWeek>> {
        let partitions: Vec<String> = sqlx::query_scalar(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'events_history'::regclass ORDER BY c.relname",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(partitions
            .into_iter()
            .filter_map(week_of_partition)
            .collect())
    }

    /// The first half of a purge: takes every week of history that ends at or before `before`
    /// out of the log, one partition at a time, detached concurrently (appends and reads go on;
    /// the detach waits for the transactions that may still read it), and counts its events.
    /// Weeks detached by an earlier purge that stopped before dropping them are among them.
    /// A week that ends after `before` stays whole. The writer records the purge, then calls
    /// [`Self::drop_detached`]: nothing leaves the database unrecorded.
    pub async fn detach_history_before(&self, before: DateTime<Utc>) -> sqlx::Result<Detached> {
        for week in self.history_weeks().await? {
            if week.ends <= before {
                // Not in a transaction block: `CONCURRENTLY` refuses one. The simple protocol
                // sends it as a statement of its own.
                sqlx::raw_sql(&format!(
                    "ALTER TABLE events_history DETACH PARTITION {} CONCURRENTLY",
                    quoted(&week.partition)
                ))
                .execute(&self.writes)
                .await?;
            }
        }
        self.weeks.forget();
        // Renamed once detached (also those a purge stopped at before renaming): a late event of
        // the week, arriving before the drop, finds the name free and creates the week again.
        let detached: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT relname::text FROM pg_class
             WHERE relname LIKE 'events\\_history\\_%' AND relkind = 'r' AND NOT relispartition
               AND {IN_THE_LOGS_SCHEMA}"
        ))
        .fetch_all(&self.pool)
        .await?;
        for table in detached {
            let Some(week) = week_of_partition(table) else {
                continue;
            };
            let purged = format!(
                "{PURGED}{}_{}",
                week.starts.format("%Y%m%d"),
                Utc::now().timestamp_micros()
            );
            sqlx::raw_sql(&format!(
                "ALTER TABLE {} RENAME TO {}",
                quoted(&week.partition),
                quoted(&purged)
            ))
            .execute(&self.writes)
            .await?;
        }
        let purged: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT relname::text FROM pg_class
             WHERE relname LIKE 'events\\_purged\\_%' AND relkind = 'r' AND {IN_THE_LOGS_SCHEMA}
             ORDER BY relname"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut taken = Detached::default();
        for week in purged.into_iter().filter_map(week_of_partition) {
            let events: i64 =
                sqlx::query_scalar(&format!("SELECT count(*) FROM {}", quoted(&week.partition)))
                    .fetch_one(&self.pool)
                    .await?;
            taken.events += events;
            taken.weeks.push(week);
        }
        Ok(taken)
    }

    /// The second half of a purge: drops the weeks [`Self::detach_history_before`] took out.
    pub async fn drop_detached(&self, detached: &Detached) -> sqlx::Result<()> {
        for week in &detached.weeks {
            sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {}", quoted(&week.partition)))
                .execute(&self.writes)
                .await?;
        }
        Ok(())
    }
}

/// Detached weeks waiting to be dropped: `events_purged_<Monday>_<when detached>`.
const PURGED: &str = "events_purged_";

const IN_THE_LOGS_SCHEMA: &str =
    "relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = 'events'::regclass)";

/// `events_history_20261130` (or, detached, `events_purged_20261130_…`): the week from Monday
/// 30 November 2026.
fn week_of_partition(partition: String) -> Option<HistoryWeek> {
    let day = partition
        .strip_prefix("events_history_")
        .or_else(|| partition.strip_prefix(PURGED))?;
    let starts = chrono::NaiveDate::parse_from_str(day.get(..8)?, "%Y%m%d")
        .ok()?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    Some(HistoryWeek {
        partition,
        starts,
        ends: starts + chrono::Duration::days(7),
    })
}

fn quoted(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v7_at(ms: i64) -> Uuid {
        let mut bytes = *Uuid::now_v7().as_bytes();
        bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        Uuid::from_bytes(bytes)
    }

    fn ms(at: &str) -> i64 {
        DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis()
    }

    #[test]
    fn a_v7_id_falls_in_the_week_from_monday_of_its_time() {
        let monday = ms("2026-12-07T00:00:00Z");
        assert_eq!(week_of(&v7_at(monday)), Some(monday));
        assert_eq!(week_of(&v7_at(ms("2026-12-09T13:45:00Z"))), Some(monday));
        assert_eq!(
            week_of(&v7_at(ms("2026-12-13T23:59:59.999Z"))),
            Some(monday)
        );
        assert_eq!(
            week_of(&v7_at(ms("2026-12-14T00:00:00Z"))),
            Some(ms("2026-12-14T00:00:00Z"))
        );
        assert_eq!(
            week_of(&v7_at(ms("1970-01-01T00:00:00Z"))),
            Some(ms("1969-12-29T00:00:00Z"))
        );
    }

    #[test]
    fn ids_of_other_versions_have_no_week() {
        assert_eq!(week_of(&Uuid::new_v4()), None);
        assert_eq!(week_of(&Uuid::nil()), None);
    }
}
