//! `fleetline user change --email E --role R [--group G]…`: another role or other groups.

use event_store::EventStore;

use crate::fleet::access::CausedBy;
use crate::fleet::groups::groups_named;
use crate::server::config::UserAccess;

pub async fn run(store: &EventStore, user: &UserAccess) -> anyhow::Result<()> {
    let groups = groups_named(store, &user.groups).await?;
    let cli = CausedBy::cli();
    super::change(store, &user.email, user.role, &groups, None, &cli)
        .await
        .map_err(|error| error.on_command_line("user"))?;
    eprintln!("{} is now {}", user.email, user.role);
    Ok(())
}
