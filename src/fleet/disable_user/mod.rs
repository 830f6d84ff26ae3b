//! Command DisableUser: the user can no longer sign in, and their open sessions end at their
//! next request (a session is checked against the user's events on every request).

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod decide;

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;

#[server(endpoint = "disable_user")]
pub async fn disable_user(user_id: Uuid) -> Result<(), AppError> {
    let admin = crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    if matches!(admin.actor, crate::fleet::access::Actor::User { user_id: me, .. } if me == user_id)
    {
        return Err(AppError::forbidden(
            "you cannot disable yourself: ask another admin",
        ));
    }
    let store = expect_context::<event_store::EventStore>();
    disable(&store, user_id, &crate::server::auth::caused_by()).await
}

#[cfg(feature = "ssr")]
pub async fn disable(
    store: &event_store::EventStore,
    user_id: Uuid,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<(), AppError> {
    let command = decide::DisableUser {
        user_id,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by).await
}
