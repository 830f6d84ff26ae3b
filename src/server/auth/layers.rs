//! The access-control layers around the whole app.

use axum::{
    body::Body,
    middleware::from_fn_with_state,
    response::{IntoResponse, Response},
    Router,
};
use axum_login::AuthManagerLayerBuilder;
use tower_http::csrf::CsrfLayer;
use tower_sessions::{
    cookie::{time, SameSite},
    Expiry, SessionManagerLayer,
};
use tower_sessions_sqlx_store::PostgresStore;

use super::{gate::gate, Backend};
use crate::error::AppError;
use crate::server::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fleetline_session";

/// Wraps `app` in CSRF protection, sessions with axum-login, and the gate.
pub fn protect(app: Router<AppState>, state: &AppState) -> Router<AppState> {
    let idle = i64::try_from(state.sessions.idle.as_secs()).unwrap_or(i64::MAX);
    let sessions = SessionManagerLayer::new(PostgresStore::new(state.store.pool().clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        // Lax, not Strict: a link to the app from mail or chat opens it signed in. Cross-site
        // posts are refused by the CSRF layer, not by the cookie.
        .with_same_site(SameSite::Lax)
        .with_secure(state.sessions.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(idle)));
    let auth = AuthManagerLayerBuilder::new(
        Backend {
            store: state.store.clone(),
        },
        sessions,
    )
    .build();
    app.layer(from_fn_with_state(state.clone(), gate))
        .layer(auth)
        .layer(CsrfLayer::new().with_rejection_response(|_| cross_origin_refused()))
}

fn cross_origin_refused() -> Response<Body> {
    AppError::forbidden("a request that changes state must come from this site's own pages")
        .into_response()
}
