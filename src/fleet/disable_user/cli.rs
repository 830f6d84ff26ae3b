//! `fleetline user disable --email E`.

use event_store::EventStore;

use super::disable;
use crate::fleet::access::accounts::{normalise_email, user_by_email};

pub async fn run(store: &EventStore, email: &str) -> anyhow::Result<()> {
    let email = normalise_email(email).map_err(|error| anyhow::anyhow!("{}", error.message))?;
    let user = user_by_email(store, &email)
        .await
        .map_err(|error| anyhow::anyhow!("{}", error.message))?
        .ok_or_else(|| anyhow::anyhow!("no user has the email {email}"))?;
    disable(store, user.user_id, &crate::fleet::access::CausedBy::cli())
        .await
        .map_err(|error| anyhow::anyhow!("{}", error.message))?;
    eprintln!("disabled {email}");
    Ok(())
}
