//! History: a partition per week, append-only each, idempotent retries across them, purges of
//! whole weeks only.

use chrono::{DateTime, Utc};

use super::*;

/// A history event whose UUID v7 says `at`.
fn tracked_at(at: &str) -> NewEvent {
    let ms = DateTime::parse_from_rfc3339(at).unwrap().timestamp_millis();
    let mut id = *Uuid::now_v7().as_bytes();
    id[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    NewEvent {
        event_id: Uuid::from_bytes(id),
        event_type: HISTORY_TYPE.into(),
        ..event(&["vehicle:1"])
    }
}

async fn partitions(db: &TestDb) -> Vec<String> {
    db.store
        .history_weeks()
        .await
        .unwrap()
        .into_iter()
        .map(|week| week.partition)
        .collect()
}

async fn count_in(db: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// The ids of every stored event, in position order. (Not `read_committed`: other tests' open
/// transactions on the cluster may hold it back.)
async fn stored_ids(db: &TestDb) -> Vec<Uuid> {
    let events = db.store.read_all(&Query::default()).await.unwrap();
    events.iter().map(|e| e.event_id).collect()
}

/// The Mondays of the weeks a purge took.
fn mondays(detached: &Detached) -> Vec<String> {
    let weeks = detached.weeks.iter();
    weeks
        .map(|w| w.starts.format("%Y-%m-%d").to_string())
        .collect()
}

/// Both halves of a purge.
async fn purge(store: &EventStore, before: &str) -> Detached {
    let detached = store.detach_history_before(instant(before)).await.unwrap();
    store.drop_detached(&detached).await.unwrap();
    detached
}

fn instant(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at).unwrap().to_utc()
}

#[tokio::test]
async fn history_goes_to_the_partition_of_its_week_and_the_rest_is_kept() {
    let db = TestDb::new().await;
    let events = [
        tracked_at("2026-11-30T00:00:00Z"),
        tracked_at("2026-12-06T23:59:59.999Z"),
        tracked_at("2026-12-07T08:00:00Z"),
        // History by type, but an id that says no time: kept.
        NewEvent {
            event_id: Uuid::new_v4(),
            ..tracked_at("2026-12-07T08:00:00Z")
        },
        event(&["account:1"]),
    ];
    db.store.append(&events, None).await.unwrap();

    assert_eq!(
        partitions(&db).await,
        ["events_history_20261130", "events_history_20261207"]
    );
    assert_eq!(count_in(&db, "events_history_20261130").await, 2);
    assert_eq!(count_in(&db, "events_history_20261207").await, 1);
    assert_eq!(count_in(&db, "events_kept").await, 2);
    // Readers see one log, in the order of the appends.
    let appended: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(stored_ids(&db).await, appended);
}

#[tokio::test]
async fn every_partition_refuses_update_delete_and_truncate() {
    let db = TestDb::new().await;
    let events = [
        tracked_at("2026-11-30T12:00:00Z"),
        tracked_at("2026-12-08T12:00:00Z"),
        event(&["account:1"]),
    ];
    db.store.append(&events, None).await.unwrap();

    let mut tables = vec![
        "events".to_string(),
        "events_kept".into(),
        "events_history".into(),
    ];
    tables.extend(partitions(&db).await);
    assert_eq!(tables.len(), 5);
    for table in &tables {
        for statement in [
            format!("UPDATE {table} SET payload = '{{}}'"),
            format!("DELETE FROM {table}"),
            format!("DELETE FROM {table} WHERE false"),
            format!("TRUNCATE {table}"),
        ] {
            let error = sqlx::query(&statement)
                .execute(db.pool())
                .await
                .unwrap_err();
            assert!(
                error.to_string().contains("append-only"),
                "{statement}: {error}"
            );
        }
    }
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test]
async fn a_retry_after_its_week_was_created_is_stored_once_by_every_path() {
    let db = TestDb::new().await;
    let fix = tracked_at("2026-12-08T12:00:00Z");
    let first = db
        .store
        .append(std::slice::from_ref(&fix), None)
        .await
        .unwrap();
    assert!(!first.is_retry());

    // The same store, grouped or not, and a store that has not seen the week yet (another
    // instance, or this one after a restart).
    let again = db
        .store
        .append(std::slice::from_ref(&fix), None)
        .await
        .unwrap();
    let grouped = db.store.append_grouped(vec![fix.clone()]).await.unwrap();
    let restarted = EventStore::new(db.pool().clone());
    let after_restart = restarted
        .append(std::slice::from_ref(&fix), None)
        .await
        .unwrap();
    let condition = AppendCondition {
        query: Query::of_types(&[HISTORY_TYPE]).tagged("vehicle:1"),
        after: None,
    };
    let conditional = restarted
        .append(std::slice::from_ref(&fix), Some(&condition))
        .await
        .unwrap();

    for appended in [again, grouped, after_restart, conditional] {
        assert!(appended.is_retry(), "{appended:?}");
    }
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_racing_into_a_new_week_all_land() {
    let db = TestDb::new().await;
    let start = Arc::new(Barrier::new(8));
    let writers: Vec<_> = (0..8)
        .map(|n| {
            // A store each, so that each finds the week missing and creates it.
            let store = EventStore::new(db.pool().clone());
            let start = start.clone();
            tokio::spawn(async move {
                let events: Vec<NewEvent> = (0..50)
                    .map(|m| tracked_at(&format!("2026-12-{:02}T10:{:02}:00Z", 7 + n % 3, m)))
                    .collect();
                start.wait().await;
                store.append_grouped(events).await
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap().unwrap();
    }
    assert_eq!(partitions(&db).await, ["events_history_20261207"]);
    assert_eq!(db.event_count().await, 400);
}

#[tokio::test]
async fn a_purge_drops_the_weeks_that_end_before_its_limit_and_nothing_else() {
    let db = TestDb::new().await;
    let kept_fix = NewEvent {
        event_id: Uuid::new_v4(),
        ..tracked_at("2026-11-20T00:00:00Z")
    };
    let events = [
        tracked_at("2026-11-16T10:00:00Z"),
        tracked_at("2026-11-22T10:00:00Z"),
        tracked_at("2026-11-23T10:00:00Z"),
        tracked_at("2026-12-01T10:00:00Z"),
        kept_fix.clone(),
        event(&["account:1"]),
    ];
    db.store.append(&events, None).await.unwrap();

    // The week of 30 November ends on 7 December: it is kept whole.
    let purged = purge(&db.store, "2026-12-03T00:00:00Z").await;

    assert_eq!(purged.events, 3);
    assert_eq!(mondays(&purged), ["2026-11-16", "2026-11-23"]);
    assert_eq!(partitions(&db).await, ["events_history_20261130"]);
    assert_eq!(
        stored_ids(&db).await,
        [events[3].event_id, kept_fix.event_id, events[5].event_id]
    );
    // Nothing to purge a second time.
    let again = purge(&db.store, "2026-12-03T00:00:00Z").await;
    assert_eq!(again, Detached::default());
}

#[tokio::test]
async fn a_week_purged_by_another_instance_is_created_again_by_the_next_append() {
    let db = TestDb::new().await;
    let other_instance = EventStore::new(db.pool().clone());
    db.store
        .append(&[tracked_at("2026-11-17T10:00:00Z")], None)
        .await
        .unwrap();
    purge(&other_instance, "2026-11-30T00:00:00Z").await;

    // This store saw the week's partition; it is gone, and a late event of that week lands.
    let late = tracked_at("2026-11-18T10:00:00Z");
    db.store
        .append(std::slice::from_ref(&late), None)
        .await
        .unwrap();
    db.store
        .append_grouped(vec![tracked_at("2026-11-19T10:00:00Z")])
        .await
        .unwrap();

    assert_eq!(partitions(&db).await, ["events_history_20261116"]);
    assert_eq!(db.event_count().await, 2);
}

#[tokio::test]
async fn weeks_detached_by_a_purge_that_stopped_are_counted_and_dropped_by_the_next() {
    let db = TestDb::new().await;
    let events = [
        tracked_at("2026-11-16T10:00:00Z"),
        tracked_at("2026-11-23T10:00:00Z"),
        tracked_at("2026-11-24T10:00:00Z"),
    ];
    db.store.append(&events, None).await.unwrap();
    // Stopped after detaching the first week: out of the log, not dropped, not recorded.
    let stopped = db
        .store
        .detach_history_before(instant("2026-11-23T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(stopped.events, 1);
    assert_eq!(db.event_count().await, 2);

    let next = purge(&db.store, "2026-11-30T00:00:00Z").await;

    assert_eq!(next.events, 3);
    assert_eq!(mondays(&next), ["2026-11-16", "2026-11-23"]);
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class WHERE relname ~ '^events_(history|purged)_2026'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(left, 0);
}

/// Late events of a week keep arriving while the week is purged, from another instance of the
/// store: each is acknowledged, and either among the events the purge counted (and records) or
/// still in the log, in the week created again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_appended_into_a_week_while_it_is_purged_are_counted_or_kept() {
    let db = TestDb::new().await;
    let week: Vec<NewEvent> = (0..100)
        .map(|m| tracked_at(&format!("2026-11-17T10:{:02}:00Z", m % 60)))
        .collect();
    db.store.append(&week, None).await.unwrap();
    let other_instance = EventStore::new(db.pool().clone());
    // The purge starts once the writer is under way, and the writer goes on through it.
    let (under_way, started) = tokio::sync::oneshot::channel();
    let writer = tokio::spawn(async move {
        let mut under_way = Some(under_way);
        let mut acknowledged = 0_i64;
        for n in 0..300 {
            let late = tracked_at(&format!("2026-11-18T11:{:02}:00Z", n % 60));
            if other_instance.append(&[late], None).await.is_ok() {
                acknowledged += 1;
            }
            if n == 20 {
                let _ = under_way.take().map(|signal| signal.send(()));
            }
        }
        acknowledged
    });
    started.await.unwrap();
    let detached = db
        .store
        .detach_history_before(instant("2026-11-30T00:00:00Z"))
        .await
        .unwrap();
    db.store.drop_detached(&detached).await.unwrap();
    let acknowledged = writer.await.unwrap();

    assert!(acknowledged > 0);
    eprintln!(
        "SPLIT detached {} log {} ack {}",
        detached.events,
        db.event_count().await,
        acknowledged
    );
    assert_eq!(detached.events + db.event_count().await, 100 + acknowledged);
}
