//! Command IssueToken: an API token for the old system's clients and integrations
//! (`Authorization: Bearer <token>`), shown once; only its secret's SHA-256 is stored.

#[cfg(feature = "ssr")]
pub mod cli;
#[cfg(feature = "ssr")]
mod command;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::access::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedToken {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
    /// The token itself: shown this once, never stored.
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// An admin issues a token in the web app; `expires_in_days` empty or 0: no expiry; limited to
/// one vehicle group when `group` names one (by name; the command line takes several).
#[server(endpoint = "issue_token")]
pub async fn issue_token(
    name: String,
    role: Role,
    #[server(default)] expires_in_days: Option<u32>,
    #[server(default)] group: String,
) -> Result<IssuedToken, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let expires_in_days = expires_in_days.filter(|days| *days > 0);
    let caused_by = crate::server::auth::caused_by();
    let groups = crate::fleet::groups::optional_group_named(&store, &group).await?;
    let groups = groups.as_slice();
    command::issue(
        &store,
        &name,
        role,
        expires_in_days,
        groups,
        Utc::now(),
        &caused_by,
    )
    .await
}

#[cfg(feature = "ssr")]
pub use command::issue;
