//! A database of its own per test, dropped when the test ends (even when it fails), on the
//! PostgreSQL at `TEST_DATABASE_URL`. The caller applies the migrations it needs.

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};
use uuid::Uuid;

/// Where tests create their databases: `TEST_DATABASE_URL`, or the local server as `postgres`.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A new, empty database; dropped with this value.
pub struct TestDatabase {
    pub pool: PgPool,
    name: String,
}

impl TestDatabase {
    pub async fn create(max_connections: u32) -> Self {
        let name = format!("fleetline_test_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url())
            .await
            .expect("tests need PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        let options: PgConnectOptions = admin_url()
            .parse::<PgConnectOptions>()
            .expect("TEST_DATABASE_URL is a PostgreSQL URL")
            .database(&name);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await
            .expect("connect to the test database");
        Self { pool, name }
    }
}

impl TestDatabase {
    /// Its URL, for programs of its own (pg_dump, a server process).
    pub fn url(&self) -> String {
        let admin = admin_url();
        let server = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(server, _)| server);
        format!("{server}/{}", self.name)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop cannot await: drop the database from a thread with a runtime of its own.
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

mod cluster;
pub use cluster::{run, PrivateCluster};
