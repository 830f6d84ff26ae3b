//! The store's guarantees, against a real PostgreSQL (a database per test): appends and their
//! conditions, the locks that make them race-free, subscriptions.

mod appends;
mod history;
mod locks;
mod metadata;
mod subscriptions;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::append::append_in;
use crate::subscription::Step;
use crate::testing::TestDatabase;
use crate::*;

/// The event type these tests store as history (in a partition per week).
const HISTORY_TYPE: &str = "Tracked";

/// A store on a database of its own.
struct TestDb {
    store: EventStore,
    _database: TestDatabase,
}

impl TestDb {
    async fn new() -> Self {
        Self::with_connections(8).await
    }

    async fn with_connections(max_connections: u32) -> Self {
        let database = TestDatabase::create(max_connections).await;
        let store = EventStore::new(database.pool.clone());
        store
            .migrate(&[HISTORY_TYPE])
            .await
            .expect("the store's migrations apply");
        Self {
            store,
            _database: database,
        }
    }

    fn pool(&self) -> &PgPool {
        self.store.pool()
    }

    async fn event_count(&self) -> i64 {
        self.store.count().await.unwrap()
    }
}

fn event(tags: &[&str]) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "Happened".into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        payload: serde_json::value::to_raw_value(&json!({ "n": 1 })).unwrap(),
        metadata: None,
    }
}
