//! Command ChangeUserAccess: an admin gives a user another role or other vehicle groups. Their
//! sessions carry the new access from their next request (a session is checked against the
//! user's events on every request).

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod decide;
#[cfg(test)]
mod tests;

use leptos::prelude::*;

use crate::error::AppError;
use crate::fleet::access::Role;

/// The page's form: the user by email, one group by name (empty: the whole fleet).
#[server(endpoint = "change_user_access")]
pub async fn change_user_access(
    email: String,
    role: Role,
    #[server(default)] group: String,
) -> Result<(), AppError> {
    let admin = crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let groups = crate::fleet::groups::optional_group_named(&store, &group).await?;
    let me = match admin.actor {
        crate::fleet::access::Actor::User { user_id, .. } => Some(user_id),
        crate::fleet::access::Actor::Token { .. } => None,
    };
    let caused_by = crate::server::auth::caused_by();
    change(&store, &email, role, &groups, me, &caused_by).await
}

/// `me`: the admin making the change, who may not change their own access (nobody locks the
/// last admin out by a slip).
#[cfg(feature = "ssr")]
pub async fn change(
    store: &event_store::EventStore,
    email: &str,
    role: Role,
    groups: &[uuid::Uuid],
    me: Option<uuid::Uuid>,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<(), AppError> {
    use crate::fleet::access::accounts::{normalise_email, user_by_email};
    let email = normalise_email(email)?;
    let groups = crate::fleet::groups::check_account_groups(store, role, groups).await?;
    let user = user_by_email(store, &email).await?.ok_or_else(|| {
        AppError::new(
            crate::error::ErrorCode::UserNotFound,
            "no user has this email",
        )
        .on_field("email")
    })?;
    let command = decide::ChangeUserAccess {
        user_id: user.user_id,
        role,
        groups,
        me,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by).await
}
