//! Command RevokeToken: the token is refused from the next request on (this process forgets its
//! recent check of the token at once; other processes within a second).

#[cfg(feature = "ssr")]
mod decide;

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(token_id: Uuid) -> Result<(), AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    revoke(&store, token_id, &crate::server::auth::caused_by()).await
}

#[cfg(feature = "ssr")]
pub async fn revoke(
    store: &event_store::EventStore,
    token_id: Uuid,
    caused_by: &crate::fleet::access::CausedBy,
) -> Result<(), AppError> {
    let command = decide::RevokeToken {
        token_id,
        at: chrono::Utc::now(),
    };
    crate::fleet::decision::execute(store, &command, caused_by).await?;
    crate::fleet::access::accounts::recent_tokens::forget(token_id);
    Ok(())
}
