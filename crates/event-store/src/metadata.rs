//! Metadata stored once. Writers repeat the same metadata on many events (every fix of a device,
//! every fix of a batch sent with one API token: `{"causedBy":…}`, 33 to about 130 bytes), so
//! each distinct metadata is a row of `event_metadata`, and an event keeps its number, 4 bytes
//! (see the migration `20261208000001_event_metadata.sql`). Readers get the text back as before.
//!
//! Metadata longer than [`MAX_INTERNED_BYTES`], and any the store has no number for yet when an
//! append runs in a caller's transaction, is kept on the event itself, as before: a number is
//! an economy, never needed to store an event.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use sqlx::PgPool;

use super::NewEvent;

/// Longer metadata stays on its event. A unique B-tree entry holds at most about 2,700 bytes,
/// and metadata this long is unlikely to repeat.
pub(crate) const MAX_INTERNED_BYTES: usize = 1_000;

/// The numbers of the metadata this store has seen. Numbers are never reused (the table is
/// append-only), so what is known stays true.
#[derive(Debug, Default)]
pub(crate) struct MetadataIds {
    known: Mutex<HashMap<String, i32>>,
}

impl MetadataIds {
    /// Numbers the metadata of `events` that has none yet, on a connection of its own: in the
    /// append's transaction a new row would hold every other writer of the same metadata until
    /// it commits.
    pub(crate) async fn ensure(&self, pool: &PgPool, events: &[NewEvent]) -> sqlx::Result<()> {
        let missing: Vec<&str> = {
            let known = self.known.lock().expect("metadata lock");
            let missing: BTreeSet<&str> = events
                .iter()
                .filter_map(|e| e.metadata.as_deref().map(|m| m.get()))
                .filter(|m| m.len() <= MAX_INTERNED_BYTES && !known.contains_key(*m))
                .collect();
            missing.into_iter().collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        // Inserted, then read in a statement of its own: a row a concurrent writer inserted
        // first is skipped by the insert (after waiting for its commit) and found by the read.
        sqlx::query(
            "INSERT INTO event_metadata (metadata) SELECT unnest($1::text[])
             ON CONFLICT (metadata) DO NOTHING",
        )
        .bind(&missing)
        .execute(pool)
        .await?;
        let numbered: Vec<(i32, String)> = sqlx::query_as(
            "SELECT metadata_id, metadata FROM event_metadata WHERE metadata = ANY($1)",
        )
        .bind(&missing)
        .fetch_all(pool)
        .await?;
        let mut known = self.known.lock().expect("metadata lock");
        known.extend(numbered.into_iter().map(|(id, metadata)| (metadata, id)));
        Ok(())
    }

    /// The number of each event's metadata, where it has one.
    pub(crate) fn of(&self, events: &[NewEvent]) -> Vec<Option<i32>> {
        let known = self.known.lock().expect("metadata lock");
        events
            .iter()
            .map(|e| known.get(e.metadata.as_deref()?.get()).copied())
            .collect()
    }
}
