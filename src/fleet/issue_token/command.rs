//! The shell of IssueToken. Nothing to decide against: a token is new by construction (a fresh
//! id and secret), so it is appended unconditionally.

use chrono::{DateTime, Duration, Utc};
use event_store::EventStore;
use uuid::Uuid;

use super::IssuedToken;
use crate::error::AppError;
use crate::fleet::access::events::TokenIssued;
use crate::fleet::access::secrets::new_token;
use crate::fleet::access::{CausedBy, Role};
use crate::fleet::groups::check_account_groups;

/// A name says what the token is for ("depot gateway"): shown in lists, so kept short.
const MAX_NAME_CHARS: usize = 80;
/// Ten years: longer is "never", which is no expiry.
const MAX_EXPIRY_DAYS: u32 = 3650;

pub async fn issue(
    store: &EventStore,
    name: &str,
    role: Role,
    expires_in_days: Option<u32>,
    groups: &[Uuid],
    now: DateTime<Utc>,
    caused_by: &CausedBy,
) -> Result<IssuedToken, AppError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AppError::bad_request(
            "name",
            format!("a token's name is 1 to {MAX_NAME_CHARS} characters, saying what it is for"),
        ));
    }
    if expires_in_days.is_some_and(|days| days > MAX_EXPIRY_DAYS) {
        return Err(AppError::unprocessable(
            "expiresInDays",
            format!("at most {MAX_EXPIRY_DAYS} days; leave it empty for no expiry"),
        ));
    }
    let groups = check_account_groups(store, role, groups).await?;
    let token_id = Uuid::now_v7();
    let (token, secret_sha256) = new_token(token_id);
    let issued = TokenIssued {
        token_id,
        name: name.to_string(),
        role,
        secret_sha256,
        expires_at: expires_in_days.map(|days| now + Duration::days(i64::from(days))),
        issued_at: now,
        groups,
    };
    let mut event = [issued.to_event()];
    caused_by.stamp(&mut event);
    store.append(&event, None).await?;
    Ok(IssuedToken {
        token_id,
        name: issued.name,
        role,
        token,
        expires_at: issued.expires_at,
    })
}
