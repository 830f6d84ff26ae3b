//! Signing in and staying signed in, over HTTP on a real database: the first run, the cookie,
//! wrong passwords and the login limit, idle expiry, disabled users and revoked tokens.

use std::time::Duration;

use serde_json::Value;

use crate::fleet::access::Role;
use crate::test_support::{send, session_cookie, sign_in, TestDb};

const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

async fn who_am_i(app: &axum::Router, cookie: Option<&str>) -> Value {
    let mut headers = vec![FORM];
    if let Some(cookie) = cookie {
        headers.push(("cookie", cookie));
    }
    let (status, body) = send(app, "POST", "/api/who_am_i", &headers, "").await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn the_first_administrator_is_created_once_and_signed_in() {
    let db = TestDb::new().await;
    let app = db.app().await;
    assert_eq!(who_am_i(&app, None).await["state"], "firstRun");
    // Before any user exists, nothing else is served.
    let (status, _) = send(&app, "GET", "/vehicles", &[], "").await;
    assert_eq!(status, 401);

    // Two people race through the first-run page: one administrator is created.
    let create = |email: &'static str| {
        let app = app.clone();
        async move {
            let request = axum::http::Request::post("/api/create_first_admin")
                .header(FORM.0, FORM.1)
                .body(axum::body::Body::from(format!(
                    "email={email}&password=correct+horse"
                )))
                .unwrap();
            tower::ServiceExt::oneshot(app, request).await.unwrap()
        }
    };
    let (first, second) = tokio::join!(
        tokio::spawn(create("dana%40example.com")),
        tokio::spawn(create("eve%40example.com"))
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses[1], 403, "{statuses:?}");
    assert!(statuses[0] < 400, "{statuses:?}");
    let winner = if first.status().as_u16() < 400 {
        first
    } else {
        second
    };
    let set_cookie = winner
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(
        !set_cookie.contains("Secure"),
        "not configured for HTTPS: {set_cookie}"
    );
    let cookie = session_cookie(&winner).unwrap();
    assert_eq!(who_am_i(&app, Some(&cookie)).await["role"], "admin");
    assert_eq!(who_am_i(&app, None).await["state"], "signedOut");
    let accounts = crate::fleet::access::accounts::Accounts::all(&db.store)
        .await
        .unwrap();
    assert_eq!(accounts.users.len(), 1);
}

#[tokio::test]
async fn a_session_cookie_is_secure_when_served_over_https() {
    let db = TestDb::new().await;
    let mut state = db.state().await;
    state.sessions.secure_cookies = true;
    let app = crate::server::router(state);
    db.given_user("dana@example.com", Role::Viewer, "correct horse")
        .await;
    let request = axum::http::Request::post("/api/log_in")
        .header(FORM.0, FORM.1)
        .body(axum::body::Body::from(
            "email=dana%40example.com&password=correct+horse",
        ))
        .unwrap();
    let response = tower::ServiceExt::oneshot(app, request).await.unwrap();
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(set_cookie.contains("Secure"), "{set_cookie}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_the_sixth_failure_waits_whether_or_not_the_account_exists()
{
    let db = TestDb::new().await;
    let app = db.app().await;
    db.given_user("dana@example.com", Role::Manager, "correct horse")
        .await;
    let (status, cookie) = sign_in(&app, "DANA@example.com ", "correct horse").await;
    assert!(
        status < 400 && cookie.is_some(),
        "{status}: the email is matched whatever its case"
    );

    for email in ["dana@example.com", "nobody@example.com"] {
        for attempt in 1..=5 {
            let (status, body) = send(
                &app,
                "POST",
                "/api/log_in",
                &[FORM],
                format!("email={email}&password=wrong+horse"),
            )
            .await;
            assert_eq!(status, 401, "{email} attempt {attempt}: {body}");
            assert!(body.contains("invalid_credentials"), "{body}");
        }
        let request = axum::http::Request::post("/api/log_in")
            .header(FORM.0, FORM.1)
            .body(axum::body::Body::from(format!(
                "email={email}&password=correct+horse"
            )))
            .unwrap();
        let response = tower::ServiceExt::oneshot(app.clone(), request)
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            429,
            "{email}: even the right password waits"
        );
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
    }
}

#[tokio::test]
async fn a_session_unused_for_its_idle_time_ends() {
    let db = TestDb::new().await;
    let mut state = db.state().await;
    state.sessions.idle = Duration::from_secs(2);
    let app = crate::server::router(state);
    db.given_user("dana@example.com", Role::Viewer, "correct horse")
        .await;
    let (_, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    let cookie = cookie.unwrap();
    let (status, _) = send(&app, "GET", "/vehicles", &[("cookie", &cookie)], "").await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let (status, body) = send(&app, "GET", "/vehicles", &[("cookie", &cookie)], "").await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("unauthenticated"), "{body}");
}

#[tokio::test]
async fn a_disabled_users_session_ends_and_they_cannot_sign_in_again() {
    let db = TestDb::new().await;
    let app = db.app().await;
    let user_id = db
        .given_user("dana@example.com", Role::Manager, "correct horse")
        .await;
    let (_, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    let cookie = cookie.unwrap();
    let (status, _) = send(&app, "GET", "/vehicles", &[("cookie", &cookie)], "").await;
    assert_eq!(status, 200);
    crate::fleet::disable_user::disable(&db.store, user_id, &crate::fleet::access::CausedBy::cli())
        .await
        .unwrap();
    let (status, _) = send(&app, "GET", "/vehicles", &[("cookie", &cookie)], "").await;
    assert_eq!(status, 401, "the open session ended");
    let (status, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    assert_eq!((status, cookie), (401, None));
}

#[tokio::test]
async fn a_revoked_token_is_refused_from_the_next_request_on() {
    let db = TestDb::new().await;
    let app = db.app().await;
    let token = db.token(Role::Viewer).await;
    let bearer = format!("Bearer {token}");
    let (status, _) = send(&app, "GET", "/vehicles", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 200);
    let (token_id, _) = crate::fleet::access::secrets::parse_token(&token).unwrap();
    crate::fleet::revoke_token::revoke(&db.store, token_id, &crate::fleet::access::CausedBy::cli())
        .await
        .unwrap();
    let (status, body) = send(&app, "GET", "/vehicles", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 401, "{body}");
    // A made-up secret for a real token id is refused the same way.
    let forged = format!("Bearer {}x", &token[..token.len() - 1]);
    let (status, _) = send(&app, "GET", "/vehicles", &[("authorization", &forged)], "").await;
    assert_eq!(status, 401);
}

/// Another process (the command line, a second instance) revokes by appending the revocation:
/// this one learns it when its recent check of the token runs out, within a second.
#[tokio::test]
async fn a_token_revoked_by_another_process_is_refused_within_a_second() {
    use crate::fleet::access::accounts::recent_tokens;
    use crate::fleet::access::events::TokenRevoked;
    let db = TestDb::new().await;
    let app = db.app().await;
    let token = db.token(Role::Viewer).await;
    let bearer = format!("Bearer {token}");
    let (status, _) = send(&app, "GET", "/vehicles", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 200);
    let (token_id, _) = crate::fleet::access::secrets::parse_token(&token).unwrap();
    let revoked = TokenRevoked {
        token_id,
        revoked_at: chrono::Utc::now(),
    };
    db.store.append(&[revoked.to_event()], None).await.unwrap();
    tokio::time::sleep(recent_tokens::FOR).await;
    let (status, body) = send(&app, "GET", "/vehicles", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 401, "{body}");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let db = TestDb::new().await;
    let app = db.app().await;
    let issued_long_ago = chrono::Utc::now() - chrono::Duration::days(2);
    let issued = crate::fleet::issue_token::issue(
        &db.store,
        "old",
        Role::Admin,
        Some(1),
        &[],
        issued_long_ago,
        &crate::fleet::access::CausedBy::cli(),
    )
    .await
    .unwrap();
    let bearer = format!("Bearer {}", issued.token);
    let (status, _) = send(&app, "GET", "/vehicles", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn passwords_and_token_secrets_are_never_stored_in_clear() {
    let db = TestDb::new().await;
    db.given_user("dana@example.com", Role::Admin, "correct horse battery")
        .await;
    let token = db.token(Role::Ingest).await;
    let secret = token.rsplit('_').next().unwrap().to_string();
    let everything: Vec<String> = sqlx::query_scalar("SELECT payload::text FROM events")
        .fetch_all(db.pool())
        .await
        .unwrap();
    let everything = everything.join("\n");
    assert!(everything.contains("$argon2id$"), "the hash is kept");
    assert!(!everything.contains("correct horse battery"));
    assert!(!everything.contains(&secret));
    // What reaches logs (axum-login's errors print the session's user) holds no hash either.
    let user = crate::fleet::access::accounts::user_by_email(&db.store, "dana@example.com")
        .await
        .unwrap()
        .unwrap();
    let logged = format!("{:?}", super::SessionUser::new(user));
    assert!(
        logged.contains("dana@example.com") && !logged.contains("argon2"),
        "{logged}"
    );
}

#[tokio::test]
async fn health_says_only_up_without_a_credential() {
    let db = TestDb::new().await;
    let (status, body) = send(&db.app().await, "GET", "/health", &[], "").await;
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = db.get("/health").await;
    assert_eq!(status, 200);
    assert!(body["projections"][0]["lag"].is_number(), "{body}");
    assert_eq!(
        body["components"]["live feed"]["state"], "running",
        "{body}"
    );
}

#[tokio::test]
async fn the_page_shows_a_signed_out_visitor_the_login_and_no_vehicle() {
    let db = TestDb::new().await;
    db.given_user("dana@example.com", Role::Viewer, "correct horse")
        .await;
    db.given_registered("SECRET-1", chrono::Utc::now()).await;
    db.catch_up().await;
    let app = db.app().await;
    let ingest = format!("Bearer {}", db.token(Role::Ingest).await);
    for headers in [vec![], vec![("authorization", ingest.as_str())]] {
        let (status, page) = send(&app, "GET", "/", &headers, "").await;
        assert_eq!(status, 200);
        assert!(page.contains("Sign in"), "{page}");
        assert!(!page.contains("SECRET-1"), "{page}");
    }
    let (_, cookie) = sign_in(&app, "dana@example.com", "correct horse").await;
    let (_, page) = send(&app, "GET", "/", &[("cookie", &cookie.unwrap())], "").await;
    assert!(
        page.contains("SECRET-1"),
        "signed in, the fleet is on the page: {page}"
    );
    assert!(
        !page.contains("Register a vehicle"),
        "a viewer has no registration form"
    );
}
