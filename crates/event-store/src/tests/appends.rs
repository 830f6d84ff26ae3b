//! Appends: append-only, conditions, idempotency by event id, payloads and tags as given.

use super::*;

#[tokio::test]
async fn the_database_refuses_update_delete_and_truncate() {
    let db = TestDb::new().await;
    db.store.append(&[event(&["a"])], None).await.unwrap();

    for statement in [
        "UPDATE events SET payload = '{}'",
        "DELETE FROM events",
        "DELETE FROM events WHERE false",
        "TRUNCATE events",
    ] {
        let error = sqlx::query(statement).execute(db.pool()).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test]
async fn a_condition_fails_when_a_matching_event_came_after_the_position_seen() {
    let db = TestDb::new().await;
    let query = Query::of_types(&["Happened"]).tagged("account:1");
    let first = db
        .store
        .append(&[event(&["account:1"])], None)
        .await
        .unwrap();
    let seen = first.positions[0];

    // Unrelated events do not matter.
    db.store
        .append(&[event(&["account:2"])], None)
        .await
        .unwrap();
    let condition = AppendCondition {
        query: query.clone(),
        after: seen,
    };
    db.store
        .append(&[event(&["account:1"])], Some(&condition))
        .await
        .unwrap();

    // The same position seen again is now stale.
    let stale = db
        .store
        .append(&[event(&["account:1"])], Some(&condition))
        .await;
    assert!(
        matches!(stale, Err(AppendError::Conflict { .. })),
        "{stale:?}"
    );
    let nothing_seen = AppendCondition { query, after: None };
    let stale = db
        .store
        .append(&[event(&["account:1"])], Some(&nothing_seen))
        .await;
    assert!(
        matches!(stale, Err(AppendError::Conflict { .. })),
        "{stale:?}"
    );
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test]
async fn several_conditions_must_all_hold() {
    let db = TestDb::new().await;
    let free = |tag: &str| AppendCondition {
        query: Query::default().tagged(tag),
        after: None,
    };
    let (plate, device) = (free("plate:1"), free("device:1"));
    db.store
        .append_if_all(&[event(&["plate:1", "device:1"])], &[&plate, &device])
        .await
        .unwrap();

    // Either boundary taken refuses the whole append.
    for conditions in [
        vec![&plate, &free("device:2")],
        vec![&free("plate:2"), &device],
    ] {
        let refused = db
            .store
            .append_if_all(&[event(&["plate:2", "device:2"])], &conditions)
            .await;
        assert!(
            matches!(refused, Err(AppendError::Conflict { .. })),
            "{refused:?}"
        );
    }
    db.store
        .append_if_all(
            &[event(&["plate:2"]), event(&["device:2"])],
            &[&free("plate:2"), &free("device:2")],
        )
        .await
        .unwrap();
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_appends_let_exactly_one_through() {
    let db = TestDb::with_connections(40).await;
    for round in 0..10 {
        let tag = format!("seat:{round}");
        let barrier = Arc::new(Barrier::new(40));
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let (store, barrier, tag) = (db.store.clone(), barrier.clone(), tag.clone());
                tokio::spawn(async move {
                    let condition = AppendCondition {
                        query: Query::default().tagged(tag.clone()),
                        after: None,
                    };
                    barrier.wait().await;
                    store.append(&[event(&[&tag])], Some(&condition)).await
                })
            })
            .collect();
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => won += 1,
                Err(AppendError::Conflict { .. }) => {}
                Err(error) => panic!("{error}"),
            }
        }
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(db.event_count().await, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_id_is_stored_once_however_often_it_is_appended() {
    let db = TestDb::with_connections(20).await;
    let once = event(&["device:7"]);
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, barrier, once) = (db.store.clone(), barrier.clone(), once.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.append(&[once], None).await
            })
        })
        .collect();
    let mut stored = 0;
    for task in tasks {
        let appended = task.await.unwrap().expect("a retry is not an error");
        if !appended.is_retry() {
            stored += 1;
        }
    }
    assert_eq!(stored, 1);
    assert_eq!(db.event_count().await, 1);
}

#[tokio::test]
async fn a_batch_holding_events_stored_before_stores_only_the_new_ones() {
    let db = TestDb::new().await;
    let (first, stored_before, last) = (event(&["t:1"]), event(&["t:2"]), event(&["t:3"]));
    db.store
        .append(std::slice::from_ref(&stored_before), None)
        .await
        .unwrap();
    let appended = db
        .store
        .append(&[first, stored_before, last], None)
        .await
        .unwrap();
    assert!(appended.positions[0].is_some());
    assert_eq!(appended.positions[1], None);
    assert!(appended.positions[2].is_some());
    assert!(!appended.is_retry());
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test]
async fn an_id_repeated_in_one_batch_is_stored_once_and_reported_once() {
    let db = TestDb::new().await;
    let once = event(&["t:1"]);
    let appended = db
        .store
        .append(&[once.clone(), event(&["t:2"]), once], None)
        .await
        .unwrap();
    assert!(appended.positions[0].is_some());
    assert!(appended.positions[1].is_some());
    assert_eq!(
        appended.positions[2], None,
        "the repeat is not stored again"
    );
    assert_eq!(db.event_count().await, 2);
}

#[tokio::test]
async fn a_payload_is_read_back_as_the_text_it_was_appended_as() {
    let db = TestDb::new().await;
    // jsonb would reorder these keys and drop the spaces.
    let written = r#"{ "zebra": 1, "apple": [2, 3],  "nested": {"b": null, "a": "x"} }"#;
    let mut happened = event(&["t:1"]);
    happened.payload = serde_json::value::RawValue::from_string(written.into()).unwrap();
    db.store.append(&[happened], None).await.unwrap();
    let stored = db.store.read(&Query::default(), 0, 10).await.unwrap();
    assert_eq!(stored[0].payload.get(), written);
}

#[tokio::test]
async fn tags_are_stored_as_given_whatever_characters_they_hold() {
    let db = TestDb::new().await;
    let odd = [
        "plate:AB 123",
        r#"quote:"x""#,
        r"back\slash",
        "comma:a,b",
        "brace:{}",
        "NULL",
        "",
    ];
    db.store
        .append(&[event(&odd), event(&[])], None)
        .await
        .unwrap();
    let stored = db.store.read(&Query::default(), 0, 10).await.unwrap();
    assert_eq!(stored[0].tags, odd);
    assert!(stored[1].tags.is_empty());
    let found = db
        .store
        .read(&Query::default().tagged(r#"quote:"x""#), 0, 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_grouped_appends_each_get_their_own_answer_and_a_retry_is_stored_once() {
    let db = TestDb::with_connections(8).await;
    let retried = event(&["device:1"]);
    let barrier = Arc::new(Barrier::new(200));
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let (store, barrier, retried) = (db.store.clone(), barrier.clone(), retried.clone());
            tokio::spawn(async move {
                // Every tenth caller sends the same event: it is stored once.
                let events = if n % 10 == 0 {
                    vec![retried]
                } else {
                    vec![event(&["device:2"]), event(&["device:3"])]
                };
                let ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
                barrier.wait().await;
                (ids, store.append_grouped(events).await.unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (ids, appended) = task.await.unwrap();
        assert_eq!(
            appended.positions.len(),
            ids.len(),
            "one position per event sent"
        );
        for (id, position) in ids.iter().zip(&appended.positions) {
            let stored: Option<i64> =
                sqlx::query_scalar("SELECT position FROM events WHERE event_id = $1")
                    .bind(id)
                    .fetch_optional(db.pool())
                    .await
                    .unwrap();
            assert!(stored.is_some(), "{id} is stored");
            if let Some(position) = position {
                assert_eq!(
                    Some(*position),
                    stored,
                    "the position given is the event's own"
                );
            }
        }
    }
    assert_eq!(db.event_count().await, 180 * 2 + 1);
}

#[tokio::test]
async fn metadata_is_kept_apart_from_the_payload_as_written_and_may_be_absent() {
    let db = TestDb::new().await;
    let mut with = event(&["m"]);
    with.metadata = Some(
        serde_json::value::RawValue::from_string(r#"{"causedBy":{"via":"cli"}}"#.into()).unwrap(),
    );
    let without = event(&["m"]);
    db.store.append(&[with, without], None).await.unwrap();
    let read = db
        .store
        .read(&Query::default().tagged("m"), 0, 10)
        .await
        .unwrap();
    assert_eq!(
        read[0].metadata.as_ref().map(|m| m.get()),
        Some(r#"{"causedBy":{"via":"cli"}}"#)
    );
    assert!(read[1].metadata.is_none());
    assert!(!read[0].payload.get().contains("causedBy"));
}

/// Ingest has connections of its own: with every read connection held by slow queries, an
/// append still gets one at once (on one shared pool it would wait for a slow read to end).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appends_go_through_while_slow_reads_hold_every_read_connection() {
    let database = TestDatabase::create(2).await;
    EventStore::new(database.pool.clone())
        .migrate(&[HISTORY_TYPE])
        .await
        .unwrap();
    let pool = |size| {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(size)
            .acquire_timeout(std::time::Duration::from_secs(1))
            .connect_with(database.pool.connect_options().as_ref().clone())
    };
    let store = EventStore::with_pools(pool(2).await.unwrap(), pool(2).await.unwrap());
    let slow_reads: Vec<_> = (0..2)
        .map(|_| {
            let reads = store.pool().clone();
            tokio::spawn(async move {
                sqlx::query("SELECT pg_sleep(3)")
                    .execute(&reads)
                    .await
                    .unwrap();
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        sqlx::query("SELECT 1").execute(store.pool()).await.is_err(),
        "every read connection is busy"
    );
    // On one shared pool, these would fail: no connection within the 1 s acquire timeout.
    store.append_grouped(vec![event(&["a"])]).await.unwrap();
    store.append(&[event(&["b"])], None).await.unwrap();
    for read in slow_reads {
        read.await.unwrap();
    }
}
