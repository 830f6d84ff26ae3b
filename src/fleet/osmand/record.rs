//! The use case: a device's fixes stored as its vehicle's.

use crate::error::{AppError, ErrorKind};
use crate::fleet::access::CausedBy;
use chrono::{DateTime, Utc};
use event_store::EventStore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::report::{bad, OsmandError, Report};
use crate::fleet::devices::device_vehicle;
use crate::fleet::events::LocationTracked;
use crate::fleet::fix::{Fix, FixExtras, FixProblem};
use crate::fleet::vehicle_ref::VehicleRef;

/// The event id of a fix: a UUID v7 whose time is the fix's device time and whose other bits
/// hash (device, time, latitude, longitude). The same fix sent again gets the same id, and the
/// store keeps it once; the id still sorts by device time.
pub fn fix_id(device_id: &str, at: DateTime<Utc>, latitude: f64, longitude: f64) -> Uuid {
    let millis = at.timestamp_millis().max(0) as u64;
    let mut hash = Sha256::new();
    hash.update(b"osmand-fix\0");
    hash.update((device_id.len() as u64).to_be_bytes());
    hash.update(device_id.as_bytes());
    hash.update(millis.to_be_bytes());
    // +0.0 and -0.0 are the same place.
    hash.update((latitude + 0.0).to_bits().to_be_bytes());
    hash.update((longitude + 0.0).to_bits().to_be_bytes());
    let digest = hash.finalize();
    let mut bits = [0u8; 10];
    bits.copy_from_slice(&digest[..10]);
    uuid::Builder::from_unix_timestamp_millis(millis, &bits).into_uuid()
}

/// A failure to read or store: 503 when the database does not answer, else 500.
fn failed(error: AppError) -> OsmandError {
    let cause = error
        .cause
        .as_ref()
        .map_or(error.message.clone(), |cause| cause.text().to_string());
    if error.kind == ErrorKind::Unavailable {
        OsmandError::Unavailable { cause }
    } else {
        OsmandError::Internal { cause }
    }
}

/// Stores a device's fixes as the fixes of the vehicle it is assigned to, all or none. Answers
/// how many were new (a retry stores none).
pub async fn record(
    store: &EventStore,
    report: Report,
    now: DateTime<Utc>,
) -> Result<usize, OsmandError> {
    let vehicle_id = device_vehicle(store, &report.device_id)
        .await
        .map_err(failed)?
        .ok_or_else(|| OsmandError::UnknownDevice {
            form: report.form,
            device_id: report.device_id.clone(),
            fixes: report.fixes.len(),
        })?;
    let mut events = Vec::with_capacity(report.fixes.len());
    let mut seen = std::collections::HashSet::new();
    for device_fix in report.fixes {
        let tracked_at = device_fix.timestamp.unwrap_or(now);
        let id = fix_id(
            &report.device_id,
            tracked_at,
            device_fix.latitude,
            device_fix.longitude,
        );
        let fix = Fix {
            vehicle: VehicleRef::Id(vehicle_id),
            latitude: device_fix.latitude,
            longitude: device_fix.longitude,
            tracked_at: Some(tracked_at),
            location_tracked_id: Some(id),
            extras: FixExtras {
                device_id: Some(report.device_id.clone()),
                ..device_fix.extras
            },
        };
        // The ranges were checked as the request was parsed; the time needs the clock.
        if let Some(FixProblem::InTheFuture) = fix.problem(now) {
            return Err(bad(format!(
                "timestamp is more than {} seconds in the future",
                crate::fleet::fix::max_ahead_seconds()
            )));
        }
        // The same fix twice in one request is one fix.
        if seen.insert(id) {
            events.push(LocationTracked::of_fix(&fix, vehicle_id, now).to_event());
        }
    }
    // The device is the cause: its id is in each fix.
    CausedBy::device().stamp(&mut events);
    let appended = store
        .append(&events, None)
        .await
        .map_err(|error| failed(error.into()))?;
    Ok(appended.positions.iter().flatten().count())
}
