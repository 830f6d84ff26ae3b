//! Users and tokens as they stand: the events of one account, read by its tag and folded.

use chrono::{DateTime, Utc};
use event_store::{EventStore, Query, StoredEvent};
use uuid::Uuid;

use super::events::{
    disablement_id, email_tag, revocation_id, user_tag, TokenIssued, TokenRevoked,
    UserAccessChanged, UserAdded, UserDisabled, ACCOUNTS_TAG, TOKEN_ISSUED, TOKEN_REVOKED,
    USER_ACCESS_CHANGED, USER_ADDED, USER_DISABLED,
};
use super::Role;
use crate::error::AppError;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub disabled: bool,
    pub added_at: DateTime<Utc>,
    pub groups: Vec<Uuid>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub token_id: Uuid,
    pub name: String,
    pub role: Role,
    pub secret_sha256: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub groups: Vec<Uuid>,
}

impl Token {
    /// Neither revoked nor expired at `now`.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| now < expires)
    }
}

/// Users and tokens folded from account events, in the order they were issued.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accounts {
    pub users: Vec<User>,
    pub tokens: Vec<Token>,
}

impl Accounts {
    pub fn evolve(&mut self, event: &StoredEvent) -> Result<(), AppError> {
        match event.event_type.as_str() {
            USER_ADDED => {
                let added: UserAdded = event.decode()?;
                self.users.push(User {
                    user_id: added.user_id,
                    email: added.email,
                    role: added.role,
                    password_hash: added.password_hash,
                    disabled: false,
                    added_at: added.added_at,
                    groups: added.groups,
                });
            }
            USER_DISABLED => {
                let disabled: UserDisabled = event.decode()?;
                for user in self.users.iter_mut() {
                    if user.user_id == disabled.user_id {
                        user.disabled = true;
                    }
                }
            }
            USER_ACCESS_CHANGED => {
                let changed: UserAccessChanged = event.decode()?;
                for user in self.users.iter_mut() {
                    if user.user_id == changed.user_id {
                        user.role = changed.role;
                        user.groups = changed.groups.clone();
                    }
                }
            }
            TOKEN_ISSUED => {
                let issued: TokenIssued = event.decode()?;
                self.tokens.push(Token {
                    token_id: issued.token_id,
                    name: issued.name,
                    role: issued.role,
                    secret_sha256: issued.secret_sha256,
                    expires_at: issued.expires_at,
                    issued_at: issued.issued_at,
                    revoked_at: None,
                    groups: issued.groups,
                });
            }
            TOKEN_REVOKED => {
                let revoked: TokenRevoked = event.decode()?;
                for token in self.tokens.iter_mut() {
                    if token.token_id == revoked.token_id {
                        token.revoked_at.get_or_insert(revoked.revoked_at);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The accounts of the events carrying `tag` (all of them: `ACCOUNTS_TAG`). Accounts are
    /// few and small: read whole, by the tag's index (a token check runs on every request).
    pub async fn read(store: &EventStore, tag: String) -> Result<Self, AppError> {
        let mut accounts = Accounts::default();
        for event in store.read_all(&Query::default().tagged(tag)).await? {
            accounts.evolve(&event)?;
        }
        Ok(accounts)
    }

    pub async fn all(store: &EventStore) -> Result<Self, AppError> {
        Self::read(store, ACCOUNTS_TAG.into()).await
    }
}

/// A user as they stand (a session is checked on every request): two primary-key probes, and
/// their role changes, a type rare enough that its index finds them without the tag's.
pub async fn user(store: &EventStore, user_id: Uuid) -> Result<Option<User>, AppError> {
    let mut accounts = Accounts::default();
    for event in store.read_ids(&[user_id, disablement_id(user_id)]).await? {
        accounts.evolve(&event)?;
    }
    if accounts.users.is_empty() {
        return Ok(None);
    }
    let changes = Query::of_types(&[USER_ACCESS_CHANGED]).tagged(user_tag(user_id));
    for event in store.read_all(&changes).await? {
        accounts.evolve(&event)?;
    }
    Ok(accounts.users.pop())
}

/// The user registered with `email` (lower case).
pub async fn user_by_email(store: &EventStore, email: &str) -> Result<Option<User>, AppError> {
    let added = Accounts::read(store, email_tag(email)).await?.users.pop();
    match added {
        Some(added) => user(store, added.user_id).await,
        None => Ok(None),
    }
}

/// A token as it stands, for the check of a request that sends it: one round trip of two
/// primary-key probes, or none within a second of the last (see [`recent_tokens`]).
pub async fn token(store: &EventStore, token_id: Uuid) -> Result<Option<Token>, AppError> {
    if let Some(checked) = recent_tokens::get(token_id) {
        return Ok(checked);
    }
    let mut accounts = Accounts::default();
    for event in store.read_ids(&[token_id, revocation_id(token_id)]).await? {
        accounts.evolve(&event)?;
    }
    let token = accounts.tokens.pop();
    if let Some(token) = &token {
        recent_tokens::remember(token);
    }
    Ok(token)
}

/// Tokens checked within the last second, in this process. A token is checked on every request
/// that sends it, and for a gateway sending single fixes that read was a second database round
/// trip per fix: 2,421 fixes/s from 16 connections instead of about 7,000 (docs/benchmarks.md).
/// A revocation in this process forgets the token at once, so its next request is refused; one
/// made elsewhere (the command line, another instance) holds within [`recent_tokens::FOR`].
/// Only tokens that exist are kept: random ids cannot fill it.
pub mod recent_tokens {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    use std::time::{Duration, Instant};

    use uuid::Uuid;

    use super::Token;

    /// How long a check is reused: at most this long may a revocation made in another process
    /// take to reach this one.
    pub const FOR: Duration = Duration::from_secs(1);

    /// Tokens are a few per integration: more entries than this are stale ones, dropped at once.
    const MAX_ENTRIES: usize = 10_000;

    enum Checked {
        Token(Token),
        /// Revoked here: not taken back into the cache by a check that read it just before.
        Revoked,
    }

    static RECENT: LazyLock<Mutex<HashMap<Uuid, (Checked, Instant)>>> =
        LazyLock::new(Default::default);

    /// `Some(None)` for a token revoked here within [`FOR`].
    pub fn get(token_id: Uuid) -> Option<Option<Token>> {
        let recent = RECENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match recent.get(&token_id) {
            Some((checked, at)) if at.elapsed() < FOR => Some(match checked {
                Checked::Token(token) => Some(token.clone()),
                Checked::Revoked => None,
            }),
            _ => None,
        }
    }

    pub fn remember(token: &Token) {
        let mut recent = RECENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if recent.len() >= MAX_ENTRIES {
            recent.retain(|_, (_, at)| at.elapsed() < FOR);
        }
        let revoked_here = matches!(
            recent.get(&token.token_id),
            Some((Checked::Revoked, at)) if at.elapsed() < FOR
        );
        if !revoked_here {
            recent.insert(
                token.token_id,
                (Checked::Token(token.clone()), Instant::now()),
            );
        }
    }

    /// The token was revoked in this process: its next request reads it again (and is refused).
    pub fn forget(token_id: Uuid) {
        let mut recent = RECENT
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        recent.insert(token_id, (Checked::Revoked, Instant::now()));
    }
}

/// Whether any user was ever added (users are disabled, never removed).
pub async fn any_user(store: &EventStore) -> Result<bool, AppError> {
    let query = Query::of_types(&[USER_ADDED]).tagged(ACCOUNTS_TAG);
    Ok(!store.read_all(&query).await?.is_empty())
}

/// An email as accounts keep it: trimmed, lower case, and plausibly an address.
pub fn normalise_email(email: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible {
        Ok(email)
    } else {
        Err(AppError::bad_request(
            "email",
            "an email address like dana@example.com",
        ))
    }
}
