//! Command AddUser: an admin adds a user; on the first run, the first administrator adds
//! themself (the only thing served while no user exists).

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod command;
#[cfg(feature = "ssr")]
mod decide;
#[cfg(test)]
mod tests;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::access::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddedUser {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
}

/// The first-run page: creates the first administrator and signs them in. Refused (403
/// `already_set_up`) once any user exists.
#[server(endpoint = "create_first_admin")]
pub async fn create_first_admin(email: String, password: String) -> Result<AddedUser, AppError> {
    let store = expect_context::<event_store::EventStore>();
    let added = command::add_user(
        &store,
        &email,
        Role::Admin,
        password,
        true,
        &[],
        &crate::server::auth::caused_by(),
    )
    .await?;
    crate::server::auth::sign_in_as(added.user_id).await?;
    leptos_axum::redirect("/");
    Ok(added)
}

/// An admin adds a user, limited to one vehicle group when `group` names one (by name; the
/// command line takes several).
#[server(endpoint = "add_user")]
pub async fn add_user(
    email: String,
    role: Role,
    password: String,
    #[server(default)] group: String,
) -> Result<AddedUser, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let groups = crate::fleet::groups::optional_group_named(&store, &group).await?;
    command::add_user(
        &store,
        &email,
        role,
        password,
        false,
        groups.as_slice(),
        &crate::server::auth::caused_by(),
    )
    .await
}

#[cfg(feature = "ssr")]
pub use command::add_user as add;
