//! Query ListAccounts: the admin's page — users, API tokens (never their secrets) with their
//! last use, and the audit of account changes, newest first.

#[cfg(feature = "ssr")]
mod query;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::access::Role;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRow {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub added_at: DateTime<Utc>,
    /// The vehicle groups it is limited to, by name; empty: the whole fleet.
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRow {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
    pub issued_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Up to a minute early (written at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// The vehicle groups it is limited to, by name; empty: the whole fleet.
    pub groups: Vec<String>,
}

/// One account change: when, what, and who did it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    pub what: String,
    /// "dana@example.com", "the command line"; `None` when not recorded.
    pub by: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountsView {
    pub users: Vec<UserRow>,
    pub tokens: Vec<TokenRow>,
    pub audit: Vec<AuditRow>,
}

#[server(endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<AccountsView, AppError> {
    crate::server::auth::require(crate::fleet::access::Access::Administer)?;
    let store = expect_context::<event_store::EventStore>();
    let uses = expect_context::<crate::server::auth::token_uses::TokenUses>();
    query::list(&store, &uses).await
}
