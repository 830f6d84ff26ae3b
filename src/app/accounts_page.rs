//! The administrator's page: users, API tokens and the audit of their changes. A token is shown
//! once, when issued; afterwards only its name, role and use.

use chrono::{DateTime, Utc};
use leptos::{form::ActionForm, prelude::*};

use super::groups_panel::GroupsPanel;
use crate::fleet::access::Role;
use crate::fleet::add_user::AddUser;
use crate::fleet::change_user_access::ChangeUserAccess;
use crate::fleet::create_group::CreateGroup;
use crate::fleet::disable_user::DisableUser;
use crate::fleet::issue_token::IssueToken;
use crate::fleet::list_accounts::{list_accounts, AccountsView};
use crate::fleet::list_groups::list_groups;
use crate::fleet::place_in_group::PlaceInGroup;
use crate::fleet::revoke_token::RevokeToken;

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// What an account sees: the whole fleet, or its groups by name.
fn sees(groups: Vec<String>) -> String {
    if groups.is_empty() {
        "whole fleet".into()
    } else {
        groups.join(", ")
    }
}

const PEOPLES_ROLES: &[Role] = &[Role::Viewer, Role::Manager, Role::Admin];

/// An account's role (one of `roles`) and the group it is limited to, as form fields named
/// `role` and `group` with ids `{prefix}-role` and `{prefix}-group`.
fn access_fields(prefix: &'static str, roles: &'static [Role]) -> impl IntoView {
    let (role_id, group_id) = (format!("{prefix}-role"), format!("{prefix}-group"));
    let options = roles
        .iter()
        .map(|role| view! { <option value=role.as_str()>{role.as_str()}</option> })
        .collect_view();
    view! {
        <label for=role_id.clone()>"Role"</label>
        <select id=role_id name="role">{options}</select>
        <label for=group_id.clone()>"Limited to group (name; empty: the whole fleet; admins see all)"</label>
        <input id=group_id name="group" type="text" placeholder="whole fleet"/>
    }
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let add_user = ServerAction::<AddUser>::new();
    let disable_user = ServerAction::<DisableUser>::new();
    let change_access = ServerAction::<ChangeUserAccess>::new();
    let issue_token = ServerAction::<IssueToken>::new();
    let revoke_token = ServerAction::<RevokeToken>::new();
    let create_group = ServerAction::<CreateGroup>::new();
    let place_in_group = ServerAction::<PlaceInGroup>::new();
    let groups = Resource::new(
        move || (create_group.version().get(), place_in_group.version().get()),
        |_| list_groups(),
    );
    let accounts = Resource::new(
        move || {
            (
                add_user.version().get(),
                disable_user.version().get(),
                change_access.version().get(),
                issue_token.version().get(),
                revoke_token.version().get(),
            )
        },
        |_| list_accounts(),
    );
    let error_of = |message: Option<String>| {
        message.map(|m| view! { <p class="field-error" role="alert">{m}</p> })
    };
    view! {
        <header class="topbar">
            <h1>"Fleetline: accounts"</h1>
            <div class="topbar-tools">
                <a class="topbar-link" href="/" rel="external">"Back to the map"</a>
                <super::UserMenu/>
            </div>
        </header>
        <main class="accounts">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match accounts.await {
                        Ok(view) => accounts_tables(view, disable_user, revoke_token).into_any(),
                        Err(error) => view! { <p class="field-error" role="alert">{error.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <GroupsPanel groups create_group place_in_group/>
            <section class="panel" aria-labelledby="add-user-title">
                <h2 id="add-user-title">"Add a user"</h2>
                <ActionForm action=add_user>
                    <label for="user-email">"Email"</label>
                    <input id="user-email" name="email" type="email" required/>
                    <label for="user-password">"First password (at least 8 characters; tell it to them)"</label>
                    <input id="user-password" name="password" type="password" autocomplete="new-password" minlength="8" required/>
                    {access_fields("user", PEOPLES_ROLES)}
                    {move || error_of(add_user.value().get().and_then(Result::err).map(|e| e.message))}
                    <button type="submit">"Add user"</button>
                </ActionForm>
            </section>
            <section class="panel" aria-labelledby="change-access-title">
                <h2 id="change-access-title">"Change a user's role or group"</h2>
                <ActionForm action=change_access>
                    <label for="change-email">"Email of the user"</label>
                    <input id="change-email" name="email" type="email" required/>
                    {access_fields("change", PEOPLES_ROLES)}
                    {move || error_of(change_access.value().get().and_then(Result::err).map(|e| e.message))}
                    <button type="submit">"Change access"</button>
                </ActionForm>
            </section>
            <section class="panel" aria-labelledby="issue-token-title">
                <h2 id="issue-token-title">"Issue an API token"</h2>
                <ActionForm action=issue_token>
                    <label for="token-name">"Name (what it is for)"</label>
                    <input id="token-name" name="name" type="text" required placeholder="depot gateway"/>
                    <label for="token-days">"Expires after (days; empty for never)"</label>
                    <input id="token-days" name="expires_in_days" type="number" min="1" max="3650"/>
                    {access_fields("token", &[Role::Ingest, Role::Viewer, Role::Manager, Role::Admin])}
                    {move || error_of(issue_token.value().get().and_then(Result::err).map(|e| e.message))}
                    <button type="submit">"Issue token"</button>
                </ActionForm>
                {move || issue_token.value().get().and_then(Result::ok).map(|issued| view! {
                    <div class="new-token" role="status">
                        <p>"Token “" {issued.name} "” (" {issued.role.as_str()} "). Copy it now: it is shown only once."</p>
                        <code id="new-token">{issued.token}</code>
                    </div>
                })}
            </section>
        </main>
    }
}

fn accounts_tables(
    view: AccountsView,
    disable_user: ServerAction<DisableUser>,
    revoke_token: ServerAction<RevokeToken>,
) -> impl IntoView {
    let users = view
        .users
        .into_iter()
        .map(|user| {
            let id = user.user_id;
            view! {
                <tr>
                    <td>{user.email}</td>
                    <td>{user.role.as_str()}</td>
                    <td>{sees(user.groups)}</td>
                    <td>{if user.disabled { "disabled" } else { "active" }}</td>
                    <td>{when(user.added_at)}</td>
                    <td>{(!user.disabled).then(|| view! {
                        <button type="button" class="secondary"
                            on:click=move |_| { disable_user.dispatch(DisableUser { user_id: id }); }>
                            "Disable"
                        </button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    let tokens = view
        .tokens
        .into_iter()
        .map(|token| {
            let id = token.token_id;
            let name = token.name.clone();
            let status = match (token.revoked_at, token.expires_at) {
                (Some(at), _) => format!("revoked {}", when(at)),
                (None, Some(at)) if at <= Utc::now() => format!("expired {}", when(at)),
                (None, Some(at)) => format!("expires {}", when(at)),
                (None, None) => "active".to_string(),
            };
            view! {
                <tr data-token=name>
                    <td>{token.name}</td>
                    <td>{token.role.as_str()}</td>
                    <td>{sees(token.groups)}</td>
                    <td>{when(token.issued_at)}</td>
                    <td>{token.last_used_at.map(when).unwrap_or_else(|| "never".into())}</td>
                    <td>{status}</td>
                    <td>{token.revoked_at.is_none().then(|| view! {
                        <button type="button" class="secondary"
                            on:click=move |_| { revoke_token.dispatch(RevokeToken { token_id: id }); }>
                            "Revoke"
                        </button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    let audit = view
        .audit
        .into_iter()
        .map(|row| {
            let by = row.by.map(|by| format!(", by {by}"));
            view! { <li><time>{when(row.at)}</time> " " {row.what} {by}</li> }
        })
        .collect_view();
    view! {
        <section class="panel" aria-labelledby="users-title">
            <h2 id="users-title">"Users"</h2>
            <table class="accounts-table">
                <thead><tr><th>"Email"</th><th>"Role"</th><th>"Sees"</th><th>"Status"</th><th>"Added"</th><th></th></tr></thead>
                <tbody>{users}</tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <table class="accounts-table">
                <thead><tr><th>"Name"</th><th>"Role"</th><th>"Sees"</th><th>"Issued"</th><th>"Last used"</th><th>"Status"</th><th></th></tr></thead>
                <tbody>{tokens}</tbody>
            </table>
        </section>
        <section class="panel" aria-labelledby="audit-title">
            <h2 id="audit-title">"Changes to accounts"</h2>
            <ul class="audit">{audit}</ul>
        </section>
    }
}
