//! Group commit: unconditional appends from many concurrent callers share transactions. While
//! one transaction commits, the appends that arrive queue up and go together in the next one, so
//! the commits per second, not the callers, stop being the limit.

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::append::{append_in_one_statement, Insert};
use super::history::Weeks;
use super::metadata::MetadataIds;
use super::{AppendError, Appended, NewEvent};

/// Transactions in flight at once.
const WORKERS: usize = 4;
/// Events in one shared transaction at most.
const MAX_EVENTS: usize = 5000;

pub(super) struct Request {
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<Appended, AppendError>>,
}

/// Starts the workers; they end when the last sender is dropped.
pub(super) fn start(
    pool: PgPool,
    weeks: Arc<Weeks>,
    metadata: Arc<MetadataIds>,
    announce: impl Fn() + Send + Sync + 'static,
) -> mpsc::Sender<Request> {
    let (sender, receiver) = mpsc::channel::<Request>(4096);
    let receiver = Arc::new(Mutex::new(receiver));
    let announce = Arc::new(announce);
    for _ in 0..WORKERS {
        let (pool, receiver, announce) = (pool.clone(), receiver.clone(), announce.clone());
        let (weeks, metadata) = (weeks.clone(), metadata.clone());
        tokio::spawn(async move {
            while let Some(group) = next_group(&receiver).await {
                let appended = append_group(&pool, &weeks, &metadata, &group).await;
                if appended.is_ok() {
                    announce();
                }
                reply(group, appended);
            }
        });
    }
    sender
}

pub(super) async fn submit(
    sender: &mpsc::Sender<Request>,
    events: Vec<NewEvent>,
) -> Result<Appended, AppendError> {
    let (reply, answer) = oneshot::channel();
    sender
        .send(Request { events, reply })
        .await
        .map_err(|_| AppendError::Database(sqlx::Error::PoolClosed))?;
    answer
        .await
        .map_err(|_| AppendError::Database(sqlx::Error::PoolClosed))?
}

/// Waits for one request, then takes whatever else is already waiting.
async fn next_group(receiver: &Mutex<mpsc::Receiver<Request>>) -> Option<Vec<Request>> {
    let mut receiver = receiver.lock().await;
    let first = receiver.recv().await?;
    let mut events = first.events.len();
    let mut group = vec![first];
    while events < MAX_EVENTS {
        match receiver.try_recv() {
            Ok(request) => {
                events += request.events.len();
                group.push(request);
            }
            Err(_) => break,
        }
    }
    Some(group)
}

async fn append_group(
    pool: &PgPool,
    weeks: &Weeks,
    metadata: &MetadataIds,
    group: &[Request],
) -> Result<Vec<Option<i64>>, Arc<sqlx::Error>> {
    let events: Vec<NewEvent> = group
        .iter()
        .flat_map(|r| r.events.iter().cloned())
        .collect();
    append_in_one_statement(pool, weeks, metadata, &events, Insert::SkippingStored)
        .await
        .map(|a| a.positions)
        .map_err(|error| match error {
            AppendError::Database(error) => Arc::new(error),
            AppendError::Grouped(error) => error,
            // Unconditional: nothing to conflict with.
            AppendError::Conflict { .. } => Arc::new(sqlx::Error::Protocol(error.to_string())),
        })
}

/// Hands each caller its part of the shared answer.
fn reply(group: Vec<Request>, appended: Result<Vec<Option<i64>>, Arc<sqlx::Error>>) {
    let mut offset = 0;
    for request in group {
        let count = request.events.len();
        let answer = match &appended {
            Ok(positions) => Ok(Appended {
                positions: positions[offset..offset + count].to_vec(),
            }),
            Err(error) => Err(AppendError::Grouped(error.clone())),
        };
        offset += count;
        // A caller that gave up no longer listens.
        let _ = request.reply.send(answer);
    }
}
