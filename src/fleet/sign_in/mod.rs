//! Signing in and out of the web app, and what the page shows a visitor: the first-run page
//! while no user exists, the login page to anyone signed out, the fleet to a signed-in user.

use leptos::prelude::*;

use crate::error::AppError;
use crate::fleet::access::Visitor;

/// What the page shows the caller (API tokens are treated as signed out: they are for programs).
#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Visitor, AppError> {
    Ok(crate::server::auth::visitor())
}

/// Email and password; a wrong pair answers 401 `invalid_credentials`, whichever was wrong.
/// After 5 failures for the account or from the address within 15 minutes: 429
/// `too_many_attempts` with `Retry-After`, whether or not the account exists.
#[server(endpoint = "log_in")]
pub async fn log_in(email: String, password: String) -> Result<(), AppError> {
    use crate::error::ErrorCode;
    use crate::server::auth::{backend::Credentials, login_limit, AuthSession};
    use std::time::Instant;

    let limit = expect_context::<login_limit::LoginLimit>();
    let response = expect_context::<leptos_axum::ResponseOptions>();
    let address = use_context::<axum::http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0.ip())
    });
    let keys = login_limit::keys(&email, address);
    // Counted before the password is checked: attempts sent in parallel count too.
    let attempted_at = Instant::now();
    if let Err(wait) = limit.attempt(&keys, attempted_at) {
        let seconds = wait.as_secs().max(1);
        response.set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
        response.insert_header(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(seconds),
        );
        return Err(AppError::new(
            ErrorCode::TooManyAttempts,
            format!(
                "too many failed logins: try again in {} minutes",
                seconds.div_ceil(60)
            ),
        ));
    }
    let mut session: AuthSession = leptos_axum::extract()
        .await
        .map_err(|error| AppError::internal(format_args!("no session layer: {error}")))?;
    let user = session
        .authenticate(Credentials { email, password })
        .await
        .map_err(|error| AppError::internal(format_args!("login: {error}")))?;
    let Some(user) = user else {
        return Err(AppError::new(
            ErrorCode::InvalidCredentials,
            "wrong email or password",
        ));
    };
    limit.succeeded(&keys, attempted_at);
    crate::server::auth::start_session(&mut session, &user).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "log_out")]
pub async fn log_out() -> Result<(), AppError> {
    let mut session: crate::server::auth::AuthSession = leptos_axum::extract()
        .await
        .map_err(|error| AppError::internal(format_args!("no session layer: {error}")))?;
    session
        .logout()
        .await
        .map_err(|error| AppError::internal(format_args!("session: {error}")))?;
    leptos_axum::redirect("/");
    Ok(())
}
