//! Metadata stored once and read back on every event (`event_metadata`).

use super::*;

fn with_metadata(tags: &[&str], metadata: &str) -> NewEvent {
    NewEvent {
        metadata: Some(serde_json::value::RawValue::from_string(metadata.into()).unwrap()),
        ..event(tags)
    }
}

/// (inline, numbered) metadata of the events tagged `tag`.
async fn stored_as(db: &TestDb, tag: &str) -> Vec<(Option<String>, Option<i32>)> {
    sqlx::query_as(
        "SELECT metadata::text, metadata_id FROM events WHERE tags @> ARRAY[$1] ORDER BY position",
    )
    .bind(tag)
    .fetch_all(db.pool())
    .await
    .unwrap()
}

const DEVICE: &str = r#"{"causedBy":{"via":"device"}}"#;
const TOKEN: &str = r#"{"causedBy":{"actor":{"kind":"token","name":"gateway"},"via":"api"}}"#;

#[tokio::test]
async fn repeated_metadata_is_stored_once_and_every_event_reads_it_back() {
    let db = TestDb::new().await;
    let long = format!(r#"{{"note":"{}"}}"#, "x".repeat(2_000));
    // Given events appended every way an append goes, most of them with one of two metadata
    let batch: Vec<NewEvent> = (0..300)
        .map(|n| with_metadata(&["m"], if n % 3 == 0 { TOKEN } else { DEVICE }))
        .collect();
    db.store.append(&batch, None).await.unwrap();
    db.store
        .append_grouped(vec![with_metadata(&["m"], DEVICE)])
        .await
        .unwrap();
    let condition = AppendCondition {
        query: Query::default().tagged("decided"),
        after: None,
    };
    db.store
        .append(&[with_metadata(&["m", "decided"], TOKEN)], Some(&condition))
        .await
        .unwrap();
    db.store
        .append(&[with_metadata(&["m"], &long), event(&["m"])], None)
        .await
        .unwrap();

    // Then the two are stored once each, and the events keep their numbers
    let numbered: i64 = sqlx::query_scalar("SELECT count(*) FROM event_metadata")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(numbered, 2);
    let stored = stored_as(&db, "m").await;
    assert_eq!(stored.len(), 304);
    assert!(stored[..302]
        .iter()
        .all(|(inline, id)| inline.is_none() && id.is_some()));
    // But metadata too long to number, or none, is stored as before
    assert_eq!(stored[302], (Some(long.clone()), None));
    assert_eq!(stored[303], (None, None));

    // And every reader gets each event's own metadata back
    let expected: Vec<Option<String>> = batch
        .iter()
        .map(|e| e.metadata.as_ref().map(|m| m.get().to_string()))
        .chain([Some(DEVICE.into()), Some(TOKEN.into()), Some(long), None])
        .collect();
    let metadata = |events: Vec<StoredEvent>| -> Vec<Option<String>> {
        events
            .iter()
            .map(|e| e.metadata.as_ref().map(|m| m.get().to_string()))
            .collect()
    };
    let by_tag = db.store.read(&Query::default().tagged("m"), 0, 1000).await;
    assert_eq!(metadata(by_tag.unwrap()), expected);
    // (Not `read_committed`: its horizon is the cluster's, which other tests' transactions hold.)
    let every = db
        .store
        .read_all(&Query::default().tagged("m"))
        .await
        .unwrap();
    let positions: Vec<i64> = every.iter().map(|e| e.position).collect();
    assert_eq!(metadata(every), expected);
    let by_position = db.store.read_positions(&positions).await;
    assert_eq!(metadata(by_position.unwrap()), expected);
    let ids: Vec<Uuid> = batch.iter().map(|e| e.event_id).collect();
    let by_id = metadata(db.store.read_ids(&ids).await.unwrap());
    assert_eq!(by_id, expected[..300]);
}

#[tokio::test]
async fn an_append_in_the_callers_transaction_keeps_metadata_it_has_no_number_for() {
    let db = TestDb::new().await;
    let mut tx = db.pool().begin().await.unwrap();
    append_in(&mut tx, &[with_metadata(&["t"], DEVICE)], None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(stored_as(&db, "t").await, [(Some(DEVICE.into()), None)]);
    let read = db.store.read(&Query::default().tagged("t"), 0, 10).await;
    assert_eq!(read.unwrap()[0].metadata.as_ref().unwrap().get(), DEVICE);
}

/// Two instances meeting the same new metadata at once (say, a new API token's first batches on
/// two servers): both append, and it is numbered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_numbering_the_same_new_metadata_at_once_share_one_number() {
    let db = TestDb::new().await;
    let stores = [db.store.clone(), EventStore::new(db.pool().clone())];
    let start = Arc::new(Barrier::new(8));
    let appends = (0..8).map(|n| {
        let (store, start) = (stores[n % 2].clone(), start.clone());
        tokio::spawn(async move {
            let events: Vec<NewEvent> = (0..50).map(|_| with_metadata(&["race"], TOKEN)).collect();
            start.wait().await;
            store.append(&events, None).await.unwrap();
        })
    });
    for append in appends.collect::<Vec<_>>() {
        append.await.unwrap();
    }
    let numbers: Vec<i32> = sqlx::query_scalar("SELECT metadata_id FROM event_metadata")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(numbers.len(), 1);
    let stored = stored_as(&db, "race").await;
    assert_eq!(stored.len(), 400);
    assert!(stored.iter().all(|row| *row == (None, Some(numbers[0]))));
}

#[tokio::test]
async fn numbered_metadata_cannot_be_changed_or_removed() {
    let db = TestDb::new().await;
    db.store
        .append(&[with_metadata(&["a"], DEVICE)], None)
        .await
        .unwrap();
    for statement in [
        "UPDATE event_metadata SET metadata = '{\"causedBy\":{\"via\":\"web\"}}'",
        "DELETE FROM event_metadata",
        "TRUNCATE event_metadata",
    ] {
        let error = sqlx::query(statement).execute(db.pool()).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    let read = db.store.read(&Query::default().tagged("a"), 0, 10).await;
    assert_eq!(read.unwrap()[0].metadata.as_ref().unwrap().get(), DEVICE);
}
