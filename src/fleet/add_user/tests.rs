//! AddUser through its shell, on a real database: what is checked before anything is stored.

use crate::error::ErrorCode;
use crate::fleet::access::Role;
use crate::test_support::TestDb;

#[tokio::test]
async fn bad_input_names_its_field_and_stores_nothing() {
    let db = TestDb::new().await;
    let cases = [
        ("not-an-email", Role::Viewer, "correct horse", "email"),
        ("dana@example.com", Role::Viewer, "short", "password"),
        ("dana@example.com", Role::Ingest, "correct horse", "role"),
    ];
    for (email, role, password, field) in cases {
        let error = super::add(
            &db.store,
            email,
            role,
            password.into(),
            false,
            &[],
            &crate::fleet::access::CausedBy::cli(),
        )
        .await
        .unwrap_err();
        assert_eq!(error.field.as_deref(), Some(field), "{error:?}");
    }
    assert_eq!(db.store.count().await.unwrap(), 0);
}

#[tokio::test]
async fn an_email_has_one_account_whatever_its_case() {
    let db = TestDb::new().await;
    db.given_user("dana@example.com", Role::Viewer, "correct horse")
        .await;
    let error = super::add(
        &db.store,
        " Dana@Example.com",
        Role::Admin,
        "another horse".into(),
        false,
        &[],
        &crate::fleet::access::CausedBy::cli(),
    )
    .await
    .unwrap_err();
    assert_eq!(error.code, ErrorCode::EmailAlreadyRegistered);
    let accounts = crate::fleet::access::accounts::Accounts::all(&db.store)
        .await
        .unwrap();
    assert_eq!(accounts.users.len(), 1);
}
