//! `fleetline user add --email E --role R [--group G]…`: the password from `FLEETLINE_PASSWORD` or typed at a
//! prompt (twice, not echoed), never a flag, which would stay in the shell's history and in `ps`.

use anyhow::Context;
use event_store::EventStore;

use super::command::add_user;
use crate::fleet::access::{CausedBy, Role};
use crate::fleet::groups::groups_named;

pub async fn run(
    store: &EventStore,
    email: &str,
    role: Role,
    group_names: &[String],
) -> anyhow::Result<()> {
    let groups = groups_named(store, group_names).await?;
    let password = match std::env::var("FLEETLINE_PASSWORD") {
        Ok(password) => password,
        Err(_) => {
            let first = rpassword::prompt_password(format!("Password for {email}: "))
                .context("reading the password (or set FLEETLINE_PASSWORD)")?;
            let again = rpassword::prompt_password("Again: ")?;
            anyhow::ensure!(
                first == again,
                "the two passwords differ: nothing was stored"
            );
            first
        }
    };
    let added = add_user(
        store,
        email,
        role,
        password,
        false,
        &groups,
        &CausedBy::cli(),
    )
    .await
    .map_err(|error| error.on_command_line("user"))?;
    eprintln!(
        "added {} {} (user {})",
        added.role, added.email, added.user_id
    );
    Ok(())
}
