//! The locks: a decision waits for writers of its types and tags, and only for them; plain
//! appends and huge batches do not wait for each other or overflow PostgreSQL's lock table.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_waits_for_uncommitted_events_of_its_tags_and_plain_appends_do_not_wait() {
    let db = TestDb::new().await;
    let mut open = db.pool().begin().await.unwrap();
    append_in(&mut open, &[event(&["plate:X", "fleet:1"])], None)
        .await
        .unwrap();

    // Another plain append of a tag in common goes through while the first is still open.
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        db.store.append(&[event(&["fleet:1"])], None),
    )
    .await
    .expect("plain appends do not wait for each other")
    .unwrap();

    // A decision about a tag of the open transaction's event ("append only if no event has it")
    // waits for that transaction, then sees its event.
    let decided = decide_after(
        open,
        &db.store,
        Query::default().tagged("plate:X"),
        event(&["plate:X"]),
    )
    .await;
    assert!(
        matches!(decided, Err(AppendError::Conflict { .. })),
        "{decided:?}"
    );
    assert_eq!(db.event_count().await, 2);
}

/// Spawns the decision "append `decided` only if no event matches `query`", asserts that it
/// waits while `open` is open, commits `open`, and answers what the decision got.
async fn decide_after(
    open: sqlx::Transaction<'static, sqlx::Postgres>,
    store: &EventStore,
    query: Query,
    decided: NewEvent,
) -> Result<Appended, AppendError> {
    let deciding = {
        let store = store.clone();
        tokio::spawn(async move {
            let condition = AppendCondition { query, after: None };
            store.append(&[decided], Some(&condition)).await
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!deciding.is_finished(), "the decision waits");
    open.commit().await.unwrap();
    deciding.await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grouped_append_waits_for_an_open_decision_about_its_tags() {
    let db = TestDb::new().await;
    let mut deciding = db.pool().begin().await.unwrap();
    let condition = AppendCondition {
        query: Query::default().tagged("plate:Y"),
        after: None,
    };
    append_in(&mut deciding, &[event(&["plate:Y"])], Some(&condition))
        .await
        .unwrap();

    let grouped = {
        let store = db.store.clone();
        tokio::spawn(async move { store.append_grouped(vec![event(&["plate:Y"])]).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!grouped.is_finished(), "the grouped append waits");
    deciding.commit().await.unwrap();
    let appended = grouped.await.unwrap().unwrap();
    let decided = db.store.read(&Query::default(), 0, 10).await.unwrap();
    assert_eq!(decided.len(), 2);
    // It went in after the decision, as if it had come later.
    assert_eq!(appended.positions, vec![Some(decided[1].position)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_about_one_type_waits_for_its_type_and_not_for_others_of_the_same_tag() {
    let db = TestDb::new().await;
    let registered = |tag: &str| NewEvent {
        event_type: "Registered".into(),
        ..event(&[tag])
    };
    let condition = AppendCondition {
        query: Query::of_types(&["Registered"]).tagged("plate:Z"),
        after: None,
    };

    // An open append of another type with the tag (a fix of the vehicle, say): the decision does
    // not wait for it.
    let mut other_type = db.pool().begin().await.unwrap();
    append_in(&mut other_type, &[event(&["plate:Z"])], None)
        .await
        .unwrap();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        db.store.append(&[registered("plate:Z")], Some(&condition)),
    )
    .await
    .expect("a decision does not wait for appends of other types")
    .expect("nothing of its type had the tag");
    other_type.commit().await.unwrap();

    // An open append of its type with the tag: the decision waits, then sees it.
    let mut same_type = db.pool().begin().await.unwrap();
    append_in(&mut same_type, &[registered("plate:W")], None)
        .await
        .unwrap();
    let decided = decide_after(
        same_type,
        &db.store,
        Query::of_types(&["Registered"]).tagged("plate:W"),
        registered("plate:W"),
    )
    .await;
    assert!(
        matches!(decided, Err(AppendError::Conflict { .. })),
        "{decided:?}"
    );
    assert_eq!(db.event_count().await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batches_of_thousands_of_tags_do_not_overflow_the_lock_table() {
    let db = TestDb::with_connections(8).await;
    let barrier = Arc::new(Barrier::new(8));
    let tasks: Vec<_> = (0..8)
        .map(|b| {
            let (store, barrier) = (db.store.clone(), barrier.clone());
            tokio::spawn(async move {
                let tags: Vec<String> = (0..5000).map(|n| format!("vehicle:{b}-{n}")).collect();
                let batch: Vec<NewEvent> = tags.iter().map(|t| event(&[t])).collect();
                barrier.wait().await;
                if b % 2 == 0 {
                    store.append(&batch, None).await
                } else {
                    store.append_grouped(batch).await
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("stored");
    }
    assert_eq!(db.event_count().await, 40_000);
}
