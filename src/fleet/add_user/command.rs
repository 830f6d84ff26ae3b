//! The shell of AddUser: checks the input, hashes the password off the async threads, then
//! reads, decides, appends.

use chrono::Utc;
use event_store::EventStore;
use uuid::Uuid;

use super::decide::{already_set_up, AddUser};
use super::AddedUser;
use crate::error::AppError;
use crate::fleet::access::accounts::{self, normalise_email};
use crate::fleet::access::events::UserAdded;
use crate::fleet::access::secrets::{check_password_rules, hash_password};
use crate::fleet::access::{CausedBy, Role};
use crate::fleet::decision::execute;
use crate::fleet::groups::check_account_groups;

pub async fn add_user(
    store: &EventStore,
    email: &str,
    role: Role,
    password: String,
    first_run: bool,
    groups: &[Uuid],
    caused_by: &CausedBy,
) -> Result<AddedUser, AppError> {
    let email = normalise_email(email)?;
    if !role.is_for_people() {
        return Err(AppError::bad_request(
            "role",
            "a person is an admin, a manager or a viewer (ingest is for API tokens)",
        ));
    }
    check_password_rules(&password)?;
    let groups = check_account_groups(store, role, groups).await?;
    // Refused before the costly hash: the first-run page stays open to anyone, and the decision
    // below (which also sees a racing first run) only runs after hashing.
    if first_run && accounts::any_user(store).await? {
        return Err(already_set_up());
    }
    let command = AddUser {
        user: UserAdded {
            user_id: Uuid::now_v7(),
            email,
            role,
            password_hash: hash_password(password).await?,
            added_at: Utc::now(),
            groups,
        },
        first_run,
    };
    execute(store, &command, caused_by).await
}
