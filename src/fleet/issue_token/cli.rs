//! `fleetline token create --name N --role R [--expires-in-days D]`: prints the token alone on
//! standard output (`TOKEN=$(fleetline token create …)`); what it is goes to standard error.

use chrono::Utc;
use event_store::EventStore;

use super::command::issue;
use crate::fleet::access::{CausedBy, Role};

pub async fn run(
    store: &EventStore,
    name: &str,
    role: Role,
    expires_in_days: Option<u32>,
) -> anyhow::Result<()> {
    let issued = issue(
        store,
        name,
        role,
        expires_in_days,
        Utc::now(),
        &CausedBy::cli(),
    )
    .await
    .map_err(|error| anyhow::anyhow!("{}", error.message))?;
    eprintln!(
        "issued {} token {:?} (id {}){}; it is shown only now",
        issued.role,
        issued.name,
        issued.token_id,
        issued
            .expires_at
            .map(|at| format!(", expires {}", at.to_rfc3339()))
            .unwrap_or_default()
    );
    println!("{}", issued.token);
    Ok(())
}
