//! `fleetline group create --name N`: prints the group's id on standard output.

use event_store::EventStore;

use crate::fleet::access::CausedBy;

pub async fn run(store: &EventStore, name: &str) -> anyhow::Result<()> {
    let group = super::create(store, name, None, &CausedBy::cli())
        .await
        .map_err(|error| anyhow::anyhow!("{}", error.message))?;
    eprintln!("created group {:?}", group.name);
    println!("{}", group.group_id);
    Ok(())
}
