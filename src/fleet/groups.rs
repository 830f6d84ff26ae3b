//! Vehicle groups (fleets, depots, customers): found in the log itself, like registrations, so a
//! command naming a group right after its creation finds it before any projection caught up.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, ErrorCode};
#[cfg(feature = "ssr")]
use crate::fleet::access::Role;
#[cfg(feature = "ssr")]
use crate::fleet::events::{group_name_tag, GroupCreated, GROUP_CREATED};
#[cfg(feature = "ssr")]
use event_store::{EventStore, Query};

/// A vehicle group as the API and the app show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub group_id: Uuid,
    pub name: String,
}

/// Shown in lists and menus: kept short.
pub const MAX_NAME_CHARS: usize = 60;

pub fn group_not_found(field: &str) -> AppError {
    AppError::new(ErrorCode::GroupNotFound, "no such vehicle group").on_field(field)
}

/// A group's name as typed, trimmed: 1 to 60 characters, no control characters.
pub fn parse_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AppError::bad_request(
            "name",
            format!("a group's name is 1 to {MAX_NAME_CHARS} characters, like “Depot North”"),
        ));
    }
    Ok(name.to_string())
}

#[cfg(feature = "ssr")]
/// The groups an account is limited to: each must exist (a creation's event id is the group's
/// id: one primary-key probe for all), and an admin is never limited (422 naming `groups`).
pub async fn check_account_groups(
    store: &EventStore,
    role: Role,
    groups: &[Uuid],
) -> Result<Vec<Uuid>, AppError> {
    let mut groups = groups.to_vec();
    groups.sort();
    groups.dedup();
    if role == Role::Admin && !groups.is_empty() {
        return Err(AppError::unprocessable(
            "groups",
            "an admin sees the whole fleet: give groups to managers, viewers and tokens",
        ));
    }
    let found = store.read_by_ids(GROUP_CREATED, &groups).await?;
    if found.len() != groups.len() {
        return Err(group_not_found("groups"));
    }
    Ok(groups)
}

#[cfg(feature = "ssr")]
/// The group named `name` (however it is typed): the command line names groups.
pub async fn group_named(store: &EventStore, name: &str) -> Result<Uuid, AppError> {
    let query = Query::of_types(&[GROUP_CREATED]).tagged(group_name_tag(name.trim()));
    let found = store.read(&query, 0, 1).await?;
    let created: GroupCreated = found
        .first()
        .ok_or_else(|| group_not_found("group"))?
        .decode()?;
    Ok(created.group_id)
}

#[cfg(feature = "ssr")]
/// The group a form names, if any (an empty field: none, the whole fleet).
pub async fn optional_group_named(store: &EventStore, name: &str) -> Result<Vec<Uuid>, AppError> {
    if name.trim().is_empty() {
        return Ok(Vec::new());
    }
    Ok(vec![group_named(store, name).await?])
}

#[cfg(feature = "ssr")]
/// The groups named on the command line (`--group "Depot North"`), each of which must exist.
pub async fn groups_named(store: &EventStore, names: &[String]) -> anyhow::Result<Vec<Uuid>> {
    let mut groups = Vec::with_capacity(names.len());
    for name in names {
        let group = group_named(store, name)
            .await
            .map_err(|error| anyhow::anyhow!("group {name:?}: {}", error.message))?;
        groups.push(group);
    }
    Ok(groups)
}
