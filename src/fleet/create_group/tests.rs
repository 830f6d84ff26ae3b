use serde_json::json;

use crate::fleet::access::Role;
use crate::test_support::{assert_error, TestDb};

#[tokio::test]
async fn an_admin_creates_groups_with_names_unique_however_typed() {
    let db = TestDb::new().await;
    let (status, created) = db.post("/groups", json!({ "name": " Depot North " })).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["name"], "Depot North");
    assert_error(
        &db.post("/groups", json!({ "name": "depot NORTH" })).await,
        409,
        "group_name_taken",
        Some("name"),
    );
    assert_error(
        &db.post("/groups", json!({ "name": "" })).await,
        400,
        "invalid_field",
        Some("name"),
    );
    // Placing: a bad group id, an unknown group, a missing vehicle id.
    let vehicle = db.register("GRP-1").await;
    let placed = json!({ "vehicleRegisteredId": vehicle });
    let bad_id = db.post("/groups/nope/vehicles", placed.clone()).await;
    assert_error(&bad_id, 400, "invalid_field", Some("groupId"));
    let unknown = format!("/groups/{}/vehicles", uuid::Uuid::now_v7());
    assert_error(
        &db.post(&unknown, placed).await,
        404,
        "group_not_found",
        Some("groupId"),
    );
    let group = created["groupId"].as_str().unwrap();
    let missing = db
        .post(&format!("/groups/{group}/vehicles"), json!({}))
        .await;
    assert_eq!(missing.0, 400, "{:?}", missing.1);
    db.catch_up().await;
    let (_, groups) = db.get("/groups").await;
    assert_eq!(groups.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn accounts_are_limited_to_groups_that_exist_and_never_an_admin() {
    use crate::fleet::groups::check_account_groups;
    let db = TestDb::new().await;
    let north = db.given_group("North").await;
    let error = check_account_groups(&db.store, Role::Admin, &[north])
        .await
        .unwrap_err();
    assert_eq!(error.field.as_deref(), Some("groups"));
    let error = check_account_groups(&db.store, Role::Viewer, &[north, uuid::Uuid::now_v7()])
        .await
        .unwrap_err();
    assert_eq!(error.code, crate::error::ErrorCode::GroupNotFound);
    let checked = check_account_groups(&db.store, Role::Viewer, &[north, north]).await;
    assert_eq!(checked.unwrap(), vec![north]);
}
