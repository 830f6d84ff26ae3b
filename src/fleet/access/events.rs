//! The accounts' events: users added and disabled, API tokens issued and revoked. They live in
//! the same store as the fleet's, so the audit of who changed what is the log itself.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use event_store::NewEvent;

use super::Role;

pub const USER_ADDED: &str = "UserAdded";
pub const USER_DISABLED: &str = "UserDisabled";
pub const USER_ACCESS_CHANGED: &str = "UserAccessChanged";
pub const TOKEN_ISSUED: &str = "TokenIssued";
pub const TOKEN_REVOKED: &str = "TokenRevoked";

/// Every account event carries it: the admin's list and audit read it, and the first-run
/// decision ("no user yet") is a condition on it.
pub const ACCOUNTS_TAG: &str = "accounts";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAdded {
    pub user_id: Uuid,
    /// Lower case: one account per address, however it is typed.
    pub email: String,
    pub role: Role,
    /// Argon2id in PHC form (`$argon2id$v=19$…`): the salt and parameters travel with it.
    pub password_hash: String,
    pub added_at: DateTime<Utc>,
    /// The vehicle groups the user is limited to; none: the whole fleet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserDisabled {
    pub user_id: Uuid,
    pub disabled_at: DateTime<Utc>,
}

/// A user's role and groups from now on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserAccessChanged {
    pub user_id: Uuid,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Uuid>,
    pub changed_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenIssued {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
    /// SHA-256 of the token's secret, hex. The secret is 256 random bits, so a fast hash is
    /// enough (no dictionary to guess from), and checking a token costs microseconds.
    pub secret_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
    /// The vehicle groups the token is limited to; none: the whole fleet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRevoked {
    pub token_id: Uuid,
    pub revoked_at: DateTime<Utc>,
}

/// The id of a token's revocation, derived from the token's: whether a token is revoked is then
/// one probe of the events' primary key, which stays fast under any write load (a tag search
/// must scan the GIN index's pending list, tens of milliseconds while fixes pour in). Revoking
/// twice stores one event.
pub fn revocation_id(token_id: Uuid) -> Uuid {
    Uuid::new_v5(&token_id, TOKEN_REVOKED.as_bytes())
}

/// The id of a user's disablement, derived likewise (a session is checked on every request).
pub fn disablement_id(user_id: Uuid) -> Uuid {
    Uuid::new_v5(&user_id, USER_DISABLED.as_bytes())
}

pub fn user_tag(user_id: Uuid) -> String {
    format!("user:{user_id}")
}

pub fn email_tag(email: &str) -> String {
    format!("email:{email}")
}

pub fn token_tag(token_id: Uuid) -> String {
    format!("token:{token_id}")
}

fn event(
    event_id: Uuid,
    event_type: &str,
    tags: Vec<String>,
    payload: &impl Serialize,
) -> NewEvent {
    NewEvent {
        event_id,
        event_type: event_type.into(),
        tags,
        payload: serde_json::value::to_raw_value(payload).expect("plain struct serialises"),
        metadata: None,
    }
}

impl UserAdded {
    pub fn to_event(&self) -> NewEvent {
        let tags = vec![
            user_tag(self.user_id),
            email_tag(&self.email),
            ACCOUNTS_TAG.into(),
        ];
        event(self.user_id, USER_ADDED, tags, self)
    }
}

impl UserDisabled {
    pub fn to_event(&self) -> NewEvent {
        let tags = vec![user_tag(self.user_id), ACCOUNTS_TAG.into()];
        event(disablement_id(self.user_id), USER_DISABLED, tags, self)
    }
}

impl UserAccessChanged {
    pub fn to_event(&self) -> NewEvent {
        let tags = vec![user_tag(self.user_id), ACCOUNTS_TAG.into()];
        event(Uuid::now_v7(), USER_ACCESS_CHANGED, tags, self)
    }
}

impl TokenIssued {
    pub fn to_event(&self) -> NewEvent {
        let tags = vec![token_tag(self.token_id), ACCOUNTS_TAG.into()];
        event(self.token_id, TOKEN_ISSUED, tags, self)
    }
}

impl TokenRevoked {
    pub fn to_event(&self) -> NewEvent {
        let tags = vec![token_tag(self.token_id), ACCOUNTS_TAG.into()];
        event(revocation_id(self.token_id), TOKEN_REVOKED, tags, self)
    }
}
