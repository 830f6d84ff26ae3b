//! When each API token was last used, for the admin's list. Written behind: at most once a
//! minute per token (an ingest token may send hundreds of requests a second), so the shown
//! time is up to a minute early.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

const WRITE_EVERY: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct TokenUses {
    pool: PgPool,
    written: Arc<Mutex<HashMap<Uuid, Instant>>>,
}

impl TokenUses {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            written: Default::default(),
        }
    }

    pub fn touch(&self, token_id: Uuid) {
        let now = Instant::now();
        {
            let mut written = self.written.lock().expect("token uses lock");
            if written
                .get(&token_id)
                .is_some_and(|at| now.duration_since(*at) < WRITE_EVERY)
            {
                return;
            }
            written.insert(token_id, now);
        }
        let pool = self.pool.clone();
        tokio::spawn(async move {
            let written = sqlx::query(
                "INSERT INTO api_token_uses (token_id, last_used_at) VALUES ($1, now())
                 ON CONFLICT (token_id) DO UPDATE SET last_used_at = now()",
            )
            .bind(token_id)
            .execute(&pool)
            .await;
            if let Err(error) = written {
                tracing::warn!(%token_id, %error, "cannot record the token's last use");
            }
        });
    }

    pub async fn last_used(&self) -> sqlx::Result<HashMap<Uuid, chrono::DateTime<chrono::Utc>>> {
        let rows: Vec<(Uuid, chrono::DateTime<chrono::Utc>)> =
            sqlx::query_as("SELECT token_id, last_used_at FROM api_token_uses")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }
}
