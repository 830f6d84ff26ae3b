//! Subscriptions: gap-free in commit order, woken by notifications.

use super::*;

/// Remembers what it was given, in order.
#[derive(Default)]
struct Recorder(Mutex<Vec<Uuid>>);

#[async_trait]
impl Projection for Arc<Recorder> {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }
    async fn apply(&self, _: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        self.0
            .lock()
            .unwrap()
            .extend(events.iter().map(|e| e.event_id));
        Ok(())
    }
}

#[tokio::test]
async fn a_subscriber_waits_for_an_earlier_event_that_commits_late() {
    let db = TestDb::new().await;
    let recorder = Arc::new(Recorder::default());
    let runner = ProjectionRunner::new(db.pool().clone(), Arc::new(recorder.clone()));
    let (early, late) = (event(&["a"]), event(&["b"]));

    // The early writer takes its position, and keeps its transaction open...
    let mut early_writer = db.pool().begin().await.unwrap();
    let early_position = append_in(&mut early_writer, std::slice::from_ref(&early), None)
        .await
        .unwrap()
        .positions[0];
    // ...while a later writer takes a later position and commits.
    let late_position = db
        .store
        .append(std::slice::from_ref(&late), None)
        .await
        .unwrap()
        .positions[0];
    assert!(late_position > early_position);

    // The later event is committed, yet nobody may see it before the earlier one.
    assert_eq!(runner.step().await.unwrap(), Step::Applied(0));
    assert!(db
        .store
        .read_committed(Cursor::default(), 10)
        .await
        .unwrap()
        .is_empty());
    assert!(recorder.0.lock().unwrap().is_empty());

    early_writer.commit().await.unwrap();
    runner.catch_up().await.unwrap();
    assert_eq!(
        *recorder.0.lock().unwrap(),
        vec![early.event_id, late.event_id]
    );
}

#[tokio::test]
async fn an_aborted_transaction_leaves_no_event_and_no_hole_for_readers() {
    let db = TestDb::new().await;
    let mut aborted = db.pool().begin().await.unwrap();
    append_in(&mut aborted, &[event(&["a"])], None)
        .await
        .unwrap();
    let kept = event(&["b"]);
    db.store
        .append(std::slice::from_ref(&kept), None)
        .await
        .unwrap();
    aborted.rollback().await.unwrap();

    // Readers wait for every older transaction of the cluster, including other tests' ones.
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            let read = db
                .store
                .read_committed(Cursor::default(), 10)
                .await
                .unwrap();
            if !read.is_empty() {
                return read;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the committed event becomes readable");
    assert_eq!(
        read.iter().map(|e| e.event_id).collect::<Vec<_>>(),
        vec![kept.event_id]
    );
}

#[tokio::test]
async fn notifications_wake_a_subscriber_long_before_its_poll() {
    let db = TestDb::new().await;
    let mut wakeups = Wakeups::listen(db.pool(), std::time::Duration::from_secs(60));
    // Let the listener connect before the append.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    db.store.append(&[event(&["a"])], None).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), wakeups.wait())
        .await
        .expect("woken by the notification, not by the 60 s poll");
}

/// Applies events in its transaction; an event tagged `poison` makes its statement fail (a
/// division by zero: a bug, not an outage).
#[derive(Default)]
struct Picky(Mutex<Vec<Uuid>>);

#[async_trait]
impl Projection for Arc<Picky> {
    fn name(&self) -> &'static str {
        "picky"
    }
    fn tables(&self) -> &'static [&'static str] {
        &[]
    }
    async fn apply(&self, tx: &mut PgConnection, events: &[StoredEvent]) -> sqlx::Result<()> {
        for event in events {
            if event.tags.iter().any(|t| t == "poison") {
                sqlx::query("SELECT 1 / 0").execute(&mut *tx).await?;
            }
        }
        self.0
            .lock()
            .unwrap()
            .extend(events.iter().map(|e| e.event_id));
        Ok(())
    }
}

#[tokio::test]
async fn a_projection_stops_at_the_event_it_cannot_apply_and_names_it_while_others_go_on() {
    let db = TestDb::new().await;
    let events = [
        event(&["a"]),
        event(&["b"]),
        event(&["poison"]),
        event(&["c"]),
    ];
    db.store.append(&events, None).await.unwrap();
    let picky = Arc::new(Picky::default());
    let runner = ProjectionRunner::new(db.pool().clone(), Arc::new(picky.clone()));
    let wakeups = Wakeups::listen(db.pool(), std::time::Duration::from_millis(100));

    let failure = tokio::time::timeout(std::time::Duration::from_secs(10), runner.run(wakeups))
        .await
        .expect("the runner stops rather than retrying for ever")
        .expect_err("the poison event cannot be applied");
    let named = failure.event.as_ref().map(|e| e.event_id);
    assert_eq!(named, Some(events[2].event_id), "{failure}");
    assert!(
        failure.to_string().contains("division by zero"),
        "{failure}"
    );
    // The events before it are applied (the checkpoint stands just before it).
    let applied = picky.0.lock().unwrap().clone();
    assert_eq!(applied, [events[0].event_id, events[1].event_id]);

    let recorder = Arc::new(Recorder::default());
    ProjectionRunner::new(db.pool().clone(), Arc::new(recorder.clone()))
        .catch_up()
        .await
        .unwrap();
    assert_eq!(recorder.0.lock().unwrap().len(), 4, "the others go on");
}
