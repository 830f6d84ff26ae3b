use crate::fleet::access::{CausedBy, Role};
use crate::test_support::{send, sign_in, TestDb};

/// A signed-in viewer made a manager of a group can register from their next request on, and
/// sees that group only; made a viewer again, they cannot.
#[tokio::test]
async fn a_users_new_role_and_groups_hold_from_their_next_request() {
    let db = TestDb::new().await;
    let app = db.app().await;
    db.given_user("admin@example.com", Role::Admin, "correct horse")
        .await;
    db.given_user("dana@example.com", Role::Viewer, "battery staple")
        .await;
    let (_, cookie) = sign_in(&app, "dana@example.com", "battery staple").await;
    let cookie = cookie.expect("signed in");
    let register = |plate: &'static str| {
        let (app, cookie) = (app.clone(), cookie.clone());
        async move {
            let headers = [
                ("cookie", cookie.as_str()),
                ("content-type", "application/x-www-form-urlencoded"),
            ];
            let body = format!("vehicle_license_plate={plate}");
            send(&app, "POST", "/api/register_vehicle", &headers, body).await
        }
    };
    assert_eq!(register("DANA-1").await.0, 403, "a viewer");

    let north = db.given_group("North").await;
    let cli = CausedBy::cli();
    super::change(
        &db.store,
        "Dana@example.com",
        Role::Manager,
        &[north],
        None,
        &cli,
    )
    .await
    .unwrap();
    let (status, body) = register("DANA-2").await;
    assert_eq!(status, 200, "{body}");
    db.catch_up().await;
    let (_, vehicles) = send(&app, "GET", "/vehicles", &[("cookie", &cookie)], "").await;
    assert!(vehicles.contains("DANA-2"), "{vehicles}");
    let (_, all) = db.get("/vehicles").await;
    assert_eq!(
        all[0]["groupId"],
        serde_json::json!(north),
        "placed in North"
    );

    super::change(&db.store, "dana@example.com", Role::Viewer, &[], None, &cli)
        .await
        .unwrap();
    assert_eq!(register("DANA-3").await.0, 403, "a viewer again");
    let error = super::change(
        &db.store,
        "nobody@example.com",
        Role::Viewer,
        &[],
        None,
        &cli,
    )
    .await
    .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("email"));
}
