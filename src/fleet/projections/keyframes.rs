//! The keyframes of `fleet_keyframes`, kept in the `vehicle_positions` projection's transaction:
//! a keyframe always agrees with the fixes stored with it, and a rebuild makes both afresh.

use crate::fleet::fleet_index::keyframe::{
    boundary_of, settle, settled_through, Entry, EntryRow, Keyframe, KeyframeRow, Walk,
    SETTLE_MICROS,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Keyframes read per query while a batch walks through them: a batch in time order needs one
/// or two; a parked vehicle's late fix walks every keyframe after it, 16 (768 KB for 1,000
/// vehicles) at a time.
const PAGE: i64 = 16;

/// Applies a batch's fixes (stored in `vehicle_positions` already) to the keyframes: a fix
/// older than the last keyframe changes the keyframes it belongs to; then the keyframes of the
/// minutes the fixes have gone [`SETTLE_MICROS`] past are written, from the last one and the
/// fixes after it.
pub(super) async fn apply(tx: &mut PgConnection, fixes: &[Entry]) -> sqlx::Result<()> {
    let Some(latest) = fixes.iter().map(|f| f.at).max() else {
        return Ok(());
    };
    let last: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT max(at) FROM fleet_keyframes")
        .fetch_one(&mut *tx)
        .await?;
    let last = last.map(|at| at.timestamp_micros());
    let late: Vec<Entry> = fixes
        .iter()
        .filter(|f| last.is_some_and(|l| boundary_of(f.at) <= l))
        .copied()
        .collect();
    if !late.is_empty() {
        change_for_late(tx, &late).await?;
    }
    let through = settled_through(latest, SETTLE_MICROS);
    if last.is_some_and(|l| through <= l) {
        return Ok(());
    }
    let previous = match last {
        Some(at) => read_at(tx, at).await?,
        None => None,
    };
    let after: Vec<EntryRow> = sqlx::query_as(
        "SELECT vehicle_id, tracked_at, position, latitude, longitude FROM vehicle_positions
         WHERE ($1::timestamptz IS NULL OR tracked_at > $1) AND tracked_at <= $2
         ORDER BY tracked_at, position",
    )
    .bind(last.map(time))
    .bind(time(through))
    .persistent(false)
    .fetch_all(&mut *tx)
    .await?;
    let after: Vec<Entry> = after.into_iter().map(Entry::from).collect();
    for keyframe in settle(previous, &after) {
        write(tx, &keyframe, true).await?;
    }
    Ok(())
}

/// Late fixes walk through the keyframes written since their time, a page at a time.
async fn change_for_late(tx: &mut PgConnection, fixes: &[Entry]) -> sqlx::Result<()> {
    let mut walk = Walk::new(fixes);
    while let Some(from) = walk.resume_at() {
        let page = read_page(tx, from).await?;
        let complete = page.iter().filter(|k| k.at >= from).count() < PAGE as usize;
        walk.walk(page, complete);
    }
    for keyframe in &walk.changes.created {
        write(tx, keyframe, true).await?;
    }
    for keyframe in &walk.changes.changed {
        write(tx, keyframe, false).await?;
    }
    Ok(())
}

async fn read_at(tx: &mut PgConnection, at: i64) -> sqlx::Result<Option<Keyframe>> {
    let row: Option<KeyframeRow> = sqlx::query_as(
        "SELECT at, vehicle_ids, tracked_at, positions, latitudes, longitudes
         FROM fleet_keyframes WHERE at = $1",
    )
    .bind(time(at))
    .fetch_optional(&mut *tx)
    .await?;
    Ok(row.map(KeyframeRow::into_keyframe))
}

/// The latest keyframe before `from`, then up to [`PAGE`] from it on.
async fn read_page(tx: &mut PgConnection, from: i64) -> sqlx::Result<Vec<Keyframe>> {
    let rows: Vec<KeyframeRow> = sqlx::query_as(
        "(SELECT at, vehicle_ids, tracked_at, positions, latitudes, longitudes
          FROM fleet_keyframes WHERE at < $1 ORDER BY at DESC LIMIT 1)
         UNION ALL
         (SELECT at, vehicle_ids, tracked_at, positions, latitudes, longitudes
          FROM fleet_keyframes WHERE at >= $1 ORDER BY at LIMIT $2)
         ORDER BY at",
    )
    .bind(time(from))
    .bind(PAGE)
    .fetch_all(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(KeyframeRow::into_keyframe).collect())
}

async fn write(tx: &mut PgConnection, keyframe: &Keyframe, new: bool) -> sqlx::Result<()> {
    // No ON CONFLICT: a rebuild fills copies of the tables without their keys.
    let sql = if new {
        "INSERT INTO fleet_keyframes (at, vehicle_ids, tracked_at, positions, latitudes, longitudes)
         VALUES ($1, $2, $3, $4, $5, $6)"
    } else {
        "UPDATE fleet_keyframes
         SET vehicle_ids = $2, tracked_at = $3, positions = $4, latitudes = $5, longitudes = $6
         WHERE at = $1"
    };
    let entries = &keyframe.entries;
    sqlx::query(sql)
        .bind(time(keyframe.at))
        .bind(entries.iter().map(|e| e.vehicle).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| time(e.at)).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| e.position).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| e.latitude).collect::<Vec<_>>())
        .bind(entries.iter().map(|e| e.longitude).collect::<Vec<_>>())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).expect("a fix's time is in PostgreSQL's range")
}
