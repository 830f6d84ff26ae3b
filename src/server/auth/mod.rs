//! Access control on the server: who a request acts as (a session of the web app, or an API
//! token), and the checks that every route and every server function passes through.
//!
//! Layers, outermost first: CSRF (a state-changing request from another site is refused),
//! sessions and axum-login (the signed-in user), the gate (the caller, and closed by default:
//! a server function not in the access table is refused), then each route's own check
//! (`http::routes::Routes`).

pub mod backend;
pub mod gate;
pub mod layers;
pub mod login_limit;
pub mod server_fns;
pub mod token_uses;

#[cfg(test)]
mod route_access_tests;
#[cfg(test)]
mod session_tests;

use leptos::prelude::*;
use uuid::Uuid;

pub use backend::{AuthSession, Backend, SessionUser};

use crate::error::AppError;
use crate::fleet::access::{accounts, Access, CausedBy, Principal, Scope};

/// Who a request acts as, set by the gate on every request: `None` when anonymous.
#[derive(Clone, Debug, Default)]
pub struct Caller(pub Option<Principal>);

/// Set by the gate on anonymous requests: no user exists yet (the first run).
#[derive(Clone, Copy, Debug, Default)]
pub struct FirstRun(pub bool);

/// What the page shows this request's visitor (for pages rendered on the server).
pub fn visitor() -> crate::fleet::access::Visitor {
    use crate::fleet::access::Actor;
    use crate::fleet::access::Visitor;
    let parts = use_context::<axum::http::request::Parts>();
    let extension = |parts: &axum::http::request::Parts| {
        (
            parts.extensions.get::<Caller>().cloned(),
            parts.extensions.get::<FirstRun>().copied(),
        )
    };
    match parts.as_ref().map(extension) {
        Some((Some(Caller(Some(principal))), _)) => match principal.actor {
            // API tokens are for programs: the page treats them as signed out.
            Actor::User { email, .. } => Visitor::SignedIn {
                email,
                role: principal.role,
            },
            Actor::Token { .. } => Visitor::SignedOut,
        },
        Some((_, Some(FirstRun(true)))) => Visitor::FirstRun,
        _ => Visitor::SignedOut,
    }
}

/// May the caller do what needs `access`: 401 `unauthenticated` without a credential, 403
/// `forbidden` with one whose role may not.
pub fn check(caller: Option<&Principal>, access: Access) -> Result<(), AppError> {
    match caller {
        _ if access == Access::Anyone => Ok(()),
        None => Err(AppError::unauthenticated()),
        Some(principal) if principal.may(access) => Ok(()),
        Some(principal) => Err(AppError::forbidden(format!(
            "a {} may not do this",
            principal.role
        ))),
    }
}

/// The caller of the request a server function (or a page rendered on the server) answers.
pub fn caller() -> Option<Principal> {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>().cloned())
        .and_then(|caller| caller.0)
}

/// Who causes what a server function stores: its caller, through the web app or the API.
pub fn caused_by() -> CausedBy {
    CausedBy::of(caller().as_ref())
}

/// The caller the gate found for the request whose `parts` these are.
fn gate_caller(parts: &axum::http::request::Parts) -> Option<&Principal> {
    parts.extensions.get::<Caller>().and_then(|c| c.0.as_ref())
}

/// A handler's `CausedBy`: the gate's caller of the request.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for CausedBy {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(CausedBy::of(gate_caller(parts)))
    }
}

/// A handler's `Scope`: the vehicles the gate's caller sees (none without a caller: routes open
/// to anyone take no scope).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Scope {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(gate_caller(parts).map_or(Scope::Groups(Vec::new()), |p| p.scope.clone()))
    }
}

/// The check of a server function's body. The gate already refused HTTP calls the access table
/// does not allow; this one also covers the calls a page makes while rendered on the server.
pub fn require(access: Access) -> Result<Principal, AppError> {
    let caller = caller();
    let checked = check(caller.as_ref(), access).and_then(|()| {
        caller
            .ok_or_else(|| AppError::internal("a server function of access Anyone asked who calls"))
    });
    if let (Err(error), Some(response)) = (&checked, use_context::<leptos_axum::ResponseOptions>())
    {
        response.set_status(error.status());
    }
    checked
}

/// Signs the request's session in as `user_id` (a new session id: no fixation).
pub async fn sign_in_as(user_id: Uuid) -> Result<(), AppError> {
    let store = expect_context::<event_store::EventStore>();
    let user = accounts::user(&store, user_id)
        .await?
        .ok_or_else(|| AppError::internal("the user just stored is not found"))?;
    let mut session: AuthSession = leptos_axum::extract()
        .await
        .map_err(|error| AppError::internal(format_args!("no session layer: {error}")))?;
    start_session(&mut session, &SessionUser::new(user)).await
}

/// Puts `user` in the request's session under a new session id, whatever the cookie held before
/// (no fixation): the one way both the login and the first run sign someone in.
pub async fn start_session(session: &mut AuthSession, user: &SessionUser) -> Result<(), AppError> {
    session
        .session
        .cycle_id()
        .await
        .map_err(|error| AppError::internal(format_args!("session: {error}")))?;
    session
        .login(user)
        .await
        .map_err(|error| AppError::internal(format_args!("session: {error}")))
}
