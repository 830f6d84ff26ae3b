//! The accounts folded from their events, and the audit written from the same events.

use event_store::{EventStore, Query};

use super::{AccountsView, AuditRow, TokenRow, UserRow};
use crate::error::AppError;
use crate::fleet::access::accounts::Accounts;
use crate::fleet::access::events::ACCOUNTS_TAG;
use crate::fleet::access::CausedBy;
use crate::fleet::decision::FleetEvent;
use crate::server::auth::token_uses::TokenUses;

pub async fn list(store: &EventStore, uses: &TokenUses) -> Result<AccountsView, AppError> {
    let query = Query::default().tagged(ACCOUNTS_TAG);
    let (mut accounts, mut audit) = (Accounts::default(), Vec::new());
    // Account events are a few per person and token: read whole, by the tag's index.
    for event in &store.read_all(&query).await? {
        accounts.evolve(event)?;
        if let Some(what) = FleetEvent::decode(event)?.and_then(|e| describe(&e, &accounts)) {
            audit.push(AuditRow {
                at: event.recorded_at,
                what,
                by: CausedBy::of_event(event).map(|caused| caused.describe()),
            });
        }
    }
    audit.reverse();
    let last_used = uses.last_used().await?;
    let names = group_names(store, &accounts).await?;
    let named = |groups: &[uuid::Uuid]| -> Vec<String> {
        groups
            .iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect()
    };
    Ok(AccountsView {
        users: accounts
            .users
            .into_iter()
            .map(|u| UserRow {
                user_id: u.user_id,
                email: u.email,
                role: u.role,
                disabled: u.disabled,
                added_at: u.added_at,
                groups: named(&u.groups),
            })
            .collect(),
        tokens: accounts
            .tokens
            .into_iter()
            .map(|t| TokenRow {
                groups: named(&t.groups),
                last_used_at: last_used.get(&t.token_id).copied(),
                token_id: t.token_id,
                name: t.name,
                role: t.role,
                issued_at: t.issued_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
        audit,
    })
}

/// The names of the groups accounts are limited to: one primary-key probe for all (a group's
/// creation has the group's id).
async fn group_names(
    store: &EventStore,
    accounts: &Accounts,
) -> Result<std::collections::HashMap<uuid::Uuid, String>, AppError> {
    use crate::fleet::events::{GroupCreated, GROUP_CREATED};
    let mut ids: Vec<uuid::Uuid> = accounts
        .users
        .iter()
        .flat_map(|u| u.groups.iter())
        .chain(accounts.tokens.iter().flat_map(|t| t.groups.iter()))
        .copied()
        .collect();
    ids.sort();
    ids.dedup();
    let mut names = std::collections::HashMap::new();
    for event in store.read_by_ids(GROUP_CREATED, &ids).await? {
        let created: GroupCreated = event.decode()?;
        names.insert(created.group_id, created.name);
    }
    Ok(names)
}

/// An account event in words, naming the account by what people know it by.
fn describe(event: &FleetEvent, accounts: &Accounts) -> Option<String> {
    let email_of = |id: uuid::Uuid| {
        accounts
            .users
            .iter()
            .find(|u| u.user_id == id)
            .map_or_else(|| id.to_string(), |u| u.email.clone())
    };
    let token_of = |id: uuid::Uuid| {
        accounts
            .tokens
            .iter()
            .find(|t| t.token_id == id)
            .map_or_else(|| id.to_string(), |t| t.name.clone())
    };
    Some(match event {
        FleetEvent::UserAdded(added) => format!("user {} added as {}", added.email, added.role),
        FleetEvent::UserDisabled(disabled) => {
            format!("user {} disabled", email_of(disabled.user_id))
        }
        FleetEvent::UserAccessChanged(changed) => {
            format!("user {} is now {}", email_of(changed.user_id), changed.role)
        }
        FleetEvent::TokenIssued(issued) => {
            format!("{} token “{}” issued", issued.role, issued.name)
        }
        FleetEvent::TokenRevoked(revoked) => {
            format!("token “{}” revoked", token_of(revoked.token_id))
        }
        _ => return None,
    })
}
