//! `fleetline token create --name N --role R [--group G]… [--expires-in-days D]`: prints the token alone on
//! standard output (`TOKEN=$(fleetline token create …)`); what it is goes to standard error.

use chrono::Utc;
use event_store::EventStore;

use super::command::issue;
use crate::fleet::access::{CausedBy, Role};
use crate::fleet::groups::groups_named;

pub async fn run(
    store: &EventStore,
    name: &str,
    role: Role,
    expires_in_days: Option<u32>,
    group_names: &[String],
) -> anyhow::Result<()> {
    let groups = groups_named(store, group_names).await?;
    let issued = issue(
        store,
        name,
        role,
        expires_in_days,
        &groups,
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
