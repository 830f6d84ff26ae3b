//! The server's long-running work, each task under supervision (`supervisor`): one runner per
//! projection, the fleet index, and the clean-up of ended sessions. (The live feed starts with
//! the state: `AppState::new`.)

use std::time::Duration;

use event_store::{ProjectionRunner, Wakeups};

use super::supervisor::supervise;
use super::AppState;
use crate::fleet::projections;

/// Starts every background task of `state`'s server, woken by `wakeups`.
pub fn start(state: &AppState, wakeups: &Wakeups) {
    start_projections(state, wakeups);
    start_fleet_index(state, wakeups);
    start_sessions_clean_up(state);
}

/// One runner per projection. A runner stopped at an event it cannot apply shows in `/health`
/// with the event and why; the other projections go on.
pub fn start_projections(state: &AppState, wakeups: &Wakeups) {
    let (components, shutdown) = (&state.components, &state.shutdown);
    for projection in projections::all() {
        let name = format!("projection {}", projection.name());
        let (pool, wakeups) = (state.store.pool().clone(), wakeups.clone());
        supervise(&name, components, shutdown, move |reporter| {
            let runner = ProjectionRunner::new(pool.clone(), projection.clone());
            let wakeups = wakeups.clone();
            async move {
                reporter.running(None);
                runner.run(wakeups).await?;
                Ok(())
            }
        });
    }
}

/// The fleet index: loads the log (the fleet at T comes from PostgreSQL meanwhile), then
/// follows it.
pub fn start_fleet_index(state: &AppState, wakeups: &Wakeups) {
    let (components, shutdown) = (&state.components, &state.shutdown);
    let (index, store, index_wakeups) = (
        state.fleet_index.clone(),
        state.store.clone(),
        wakeups.clone(),
    );
    supervise("fleet index", components, shutdown, move |reporter| {
        let (index, store, wakeups) = (index.clone(), store.clone(), index_wakeups.clone());
        async move {
            reporter.set(
                super::supervisor::ComponentState::Starting,
                Some("loading recent fixes; the fleet at T comes from PostgreSQL meanwhile".into()),
            );
            let started = std::time::Instant::now();
            index
                .load_and_follow(&store, wakeups, |index| {
                    let (fixes, seconds) = (index.fixes(), started.elapsed().as_secs_f64());
                    tracing::info!(fixes, seconds, "fleet index ready");
                    reporter.running(Some(format!("loaded: {fixes} fixes in {seconds:.1} s")));
                })
                .await?;
            Ok(())
        }
    });
}

/// Ended sessions are deleted hourly: a row each, and nothing reads an expired one.
fn start_sessions_clean_up(state: &AppState) {
    let (components, shutdown) = (&state.components, &state.shutdown);
    let pool = state.store.pool().clone();
    supervise("sessions clean-up", components, shutdown, move |reporter| {
        let sessions = tower_sessions_sqlx_store::PostgresStore::new(pool.clone());
        async move {
            reporter.running(None);
            tower_sessions::session_store::ExpiredDeletion::continuously_delete_expired(
                sessions,
                Duration::from_secs(3600),
            )
            .await?;
            Ok(())
        }
    });
}
