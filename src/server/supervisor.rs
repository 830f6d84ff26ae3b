//! Background work under supervision: each long-running task (a projection, the fleet index, the
//! live feed, the sessions' clean-up) runs in a task of its own; when it fails or panics it is
//! logged, shown in `/health`, and started again after a pause that doubles up to a minute. All
//! of them stop on the one shutdown signal.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// The first pause before a restart; it doubles with each failure in a row.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause: a task failing for good (a projection stuck on an event) is tried once a
/// minute, so a fix of its cause (a restored table, a freed disk) is picked up without a restart.
const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// A task that ran this long before failing starts again after the first pause: its failure is
/// new, not one more of a series.
const HEALTHY_RUN: Duration = Duration::from_secs(120);

/// Where a component stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentState {
    /// Started, not yet serving (the fleet index loading the log).
    Starting,
    Running,
    /// Failed, waiting to start again: `/health` answers 503.
    Failed,
}

/// What `/health` shows of one component.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentHealth {
    pub state: ComponentState,
    /// Why it failed, or what it is doing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Restarts since the server started.
    pub restarts: u32,
}

/// Every supervised component by name; cheap to clone.
#[derive(Clone, Default)]
pub struct Components(Arc<Mutex<BTreeMap<String, ComponentHealth>>>);

impl Components {
    pub fn snapshot(&self) -> BTreeMap<String, ComponentHealth> {
        self.0.lock().expect("components lock").clone()
    }

    /// Whether any component is down.
    pub fn any_failed(&self) -> bool {
        self.snapshot()
            .values()
            .any(|c| c.state == ComponentState::Failed)
    }

    /// A reporter for the component `name`, registered as starting.
    pub fn register(&self, name: &str) -> Reporter {
        self.0.lock().expect("components lock").insert(
            name.to_string(),
            ComponentHealth {
                state: ComponentState::Starting,
                detail: None,
                restarts: 0,
            },
        );
        Reporter {
            name: name.to_string(),
            components: self.clone(),
        }
    }
}

/// How a task tells `/health` where it stands.
#[derive(Clone)]
pub struct Reporter {
    name: String,
    components: Components,
}

impl Reporter {
    pub fn set(&self, state: ComponentState, detail: Option<String>) {
        let mut components = self.components.0.lock().expect("components lock");
        if let Some(component) = components.get_mut(&self.name) {
            component.state = state;
            component.detail = detail;
        }
    }

    pub fn running(&self, detail: Option<String>) {
        self.set(ComponentState::Running, detail);
    }

    fn failed(&self, why: String) {
        let mut components = self.components.0.lock().expect("components lock");
        if let Some(component) = components.get_mut(&self.name) {
            component.state = ComponentState::Failed;
            component.detail = Some(why);
            component.restarts += 1;
        }
    }
}

/// Runs `task` under supervision until `shutdown`: `task` gets the component's reporter, marks
/// itself running when it serves, and returns only when it fails (`Ok` counts as a failure too:
/// these tasks are meant to run for ever).
pub fn supervise<F, Fut>(
    name: &str,
    components: &Components,
    shutdown: &CancellationToken,
    task: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(Reporter) -> Fut + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    let reporter = components.register(name);
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        let mut pause = FIRST_PAUSE;
        loop {
            let started = Instant::now();
            reporter.set(ComponentState::Starting, None);
            let mut running = tokio::spawn(task(reporter.clone()));
            let outcome = tokio::select! {
                _ = shutdown.cancelled() => {
                    running.abort();
                    return;
                }
                outcome = &mut running => outcome,
            };
            let why = match outcome {
                Ok(Ok(())) => "it ended".to_string(),
                Ok(Err(error)) => format!("{error:#}"),
                Err(error) if error.is_panic() => format!("it panicked: {}", panic_text(error)),
                Err(error) => error.to_string(),
            };
            if started.elapsed() >= HEALTHY_RUN {
                pause = FIRST_PAUSE;
            }
            tracing::error!(component = %reporter.name, %why, "background task failed; starting it again in {pause:?}");
            reporter.failed(why);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(pause) => {}
            }
            pause = (pause * 2).min(LONGEST_PAUSE);
        }
    })
}

fn panic_text(error: tokio::task::JoinError) -> String {
    let payload = error.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_is_reported_and_started_again_until_shutdown() {
        let (components, shutdown) = (Components::default(), CancellationToken::new());
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let supervisor = supervise("flaky", &components, &shutdown, move |reporter| {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                reporter.running(None);
                if run < 2 {
                    panic!("run {run} breaks");
                }
                std::future::pending::<()>().await;
                Ok(())
            }
        });
        // Runs 0 and 1 panic; after pauses of 1 s and 2 s, run 2 keeps running.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        let flaky = components.snapshot()["flaky"].clone();
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        assert_eq!(flaky.state, ComponentState::Running);
        assert_eq!(flaky.restarts, 2);
        assert!(!components.any_failed());

        shutdown.cancel();
        supervisor.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_shows_until_the_task_runs_again() {
        let (components, shutdown) = (Components::default(), CancellationToken::new());
        let _supervisor = supervise("broken", &components, &shutdown, |_| async {
            anyhow::bail!("cannot apply event 42")
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        let broken = components.snapshot()["broken"].clone();
        assert_eq!(broken.state, ComponentState::Failed);
        assert_eq!(broken.detail.as_deref(), Some("cannot apply event 42"));
        assert!(components.any_failed());
        shutdown.cancel();
    }
}
