//! The keyframes a database upgraded to them starts with (computed by the migration in SQL) are
//! those the projection writes fix by fix.

use super::tests::{seed, snapshot};
use crate::test_support::TestDb;

const MIGRATION: &str = include_str!("../../../migrations/20261207000001_fleet_keyframes.sql");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_computes_the_keyframes_the_projection_writes() {
    // Given fixes of 12 vehicles, one in five ten minutes late, projected
    let db = TestDb::new().await;
    seed(&db, 12, 3000).await;
    db.catch_up().await;
    let (_, _, projected, _) = snapshot(&db).await;
    assert!(
        projected.len() > 30,
        "a keyframe a minute: {}",
        projected.len()
    );

    // When the migration's statement computes them afresh from the fixes
    let insert = &MIGRATION[MIGRATION.find("INSERT INTO fleet_keyframes").unwrap()..];
    sqlx::raw_sql(&format!("TRUNCATE fleet_keyframes; {insert}"))
        .execute(db.pool())
        .await
        .unwrap();

    // Then they are the same, and the migration's go on to the last fixes' minute (those the
    // projection writes once the fixes are 15 minutes past them)
    let (_, _, migrated, _) = snapshot(&db).await;
    assert_eq!(migrated[..projected.len()], projected[..]);
    assert!(migrated.len() > projected.len());
}
