//! The gate every request of the web app and the API passes: it finds the caller (an API token
//! in `Authorization: Bearer`, else the session's user) and refuses server functions the
//! caller may not call.

use axum::{
    extract::{Request, State},
    http::{
        header::{AUTHORIZATION, RETRY_AFTER},
        StatusCode,
    },
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::Utc;

use super::{check, server_fns, AuthSession, Caller, FirstRun};
use crate::error::AppError;
use crate::fleet::access::secrets::{parse_token, same_digest};
use crate::fleet::access::{accounts, Actor, Principal, Scope};
use crate::server::state::AppState;

pub async fn gate(
    State(state): State<AppState>,
    session: AuthSession,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match request.headers().get(AUTHORIZATION) {
        // A credential was sent: it must be valid, wherever it goes.
        Some(header) => match bearer_principal(&state, header.to_str().unwrap_or("")).await {
            Ok(Some(principal)) => Some(principal),
            Ok(None) => return AppError::unauthenticated().into_response(),
            Err(error) => return error.into_response(),
        },
        None => session.user.as_ref().map(|user| user.principal()),
    };
    if caller.is_none() {
        let first_run = match users_exist(&state).await {
            Ok(exist) => !exist,
            Err(error) => return error.into_response(),
        };
        request.extensions_mut().insert(FirstRun(first_run));
    }
    let server_fn = server_fns::required(request.uri().path());
    if let Some(access) = server_fn {
        let checked = match access {
            Some(access) => check(caller.as_ref(), access),
            None => Err(AppError::forbidden("no such server function")),
        };
        if let Err(error) = checked {
            return error.into_response();
        }
    }
    request.extensions_mut().insert(Caller(caller));
    let response = next.run(request).await;
    if server_fn.is_some() && response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        return with_the_errors_status(response).await;
    }
    response
}

/// Whether any user exists: asked of the store until one does, remembered from then on.
async fn users_exist(state: &AppState) -> Result<bool, AppError> {
    use std::sync::atomic::Ordering;
    if state.users_exist.load(Ordering::Relaxed) {
        return Ok(true);
    }
    let exist = accounts::any_user(&state.store).await?;
    if exist {
        state.users_exist.store(true, Ordering::Relaxed);
    }
    Ok(exist)
}

/// Leptos answers every failed server function with 500; the error's kind knows better (a
/// taken plate is 409, a bad field 400), so clients and logs see the same status as the API's.
async fn with_the_errors_status(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::http::json_body::BODY_LIMIT).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
        if let Some(retry_after) = error.into_response().headers().get(RETRY_AFTER) {
            parts.headers.insert(RETRY_AFTER, retry_after.clone());
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// The principal of `Bearer <token>`: `None` when the token is malformed, unknown, revoked or
/// expired (one answer for all, so a token cannot be probed).
async fn bearer_principal(state: &AppState, header: &str) -> Result<Option<Principal>, AppError> {
    let Some((token_id, secret_sha256)) = header
        .strip_prefix("Bearer ")
        .and_then(|token| parse_token(token.trim()))
    else {
        return Ok(None);
    };
    let Some(token) = accounts::token(&state.store, token_id).await? else {
        return Ok(None);
    };
    if !same_digest(&token.secret_sha256, &secret_sha256) || !token.is_valid_at(Utc::now()) {
        return Ok(None);
    }
    state.token_uses.touch(token_id);
    Ok(Some(Principal {
        actor: Actor::Token {
            token_id,
            name: token.name,
        },
        role: token.role,
        scope: Scope::of(token.role, &token.groups),
    }))
}
