//! A fix as the log stores it: compactly. Fixes are nearly the whole log (2.9 M a day for 1,000
//! vehicles reporting every 30 s), and issue #15 allows 300 bytes a fix for all its tables and
//! indexes, so a fix's payload holds only what no column or tag holds, under short names: the
//! event id is its `locationTrackedId`, the tag `vehicle:<id>` its vehicle, and its device time
//! is a number of microseconds. The old system's shape took 267 bytes of JSON for a fix with
//! speed and heading; this one about 90.
//!
//! Readers get the old shape back ([`location_tracked`], what the API and the audit trail show)
//! or the few fields read models keep ([`TrackedPosition::of`]); fixes stored in the old shape
//! (before this change, or imported from the old system) are read as they are.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use event_store::{NewEvent, StoredEvent};

use crate::fleet::events::{
    vehicle_tag, LocationTracked, VehicleScope, LOCATION_TRACKED, VEHICLE_TAG_PREFIX,
};
use crate::fleet::fix::FixExtras;

/// A fix's payload as stored. `la` comes first: a payload that starts with it is in this shape
/// (the old shape starts with `locationTrackedId` and has no `la`).
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct StoredFix {
    la: f64,
    lo: f64,
    /// Device time, microseconds since 1970 (PostgreSQL's precision, and the read models').
    t: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    h: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    al: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ac: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    b: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    d: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    a: BTreeMap<String, serde_json::Value>,
}

const COMPACT_START: &str = r#"{"la":"#;

fn is_compact(event: &StoredEvent) -> bool {
    event.payload.get().starts_with(COMPACT_START)
}

impl LocationTracked {
    /// The event of this fix: its id is the event's, its vehicle the event's tag.
    pub fn to_event(&self) -> NewEvent {
        NewEvent {
            event_id: self.location_tracked_id,
            event_type: LOCATION_TRACKED.into(),
            tags: vec![vehicle_tag(self.scope.vehicle_registered_id)],
            payload: stored_payload(self),
            metadata: None,
        }
    }
}

/// The payload stored for `fix`. A fix without a device time (as the old system's were) gets the
/// time it is written, which is when it is recorded: what readers used for it before.
fn stored_payload(fix: &LocationTracked) -> Box<serde_json::value::RawValue> {
    let extras = &fix.extras;
    let stored = StoredFix {
        la: fix.latitude,
        lo: fix.longitude,
        t: fix.tracked_at.unwrap_or_else(Utc::now).timestamp_micros(),
        s: extras.speed_mps,
        h: extras.heading,
        al: extras.altitude,
        ac: extras.accuracy,
        b: extras.battery_percent,
        c: extras.charging,
        d: extras.device_id.clone(),
        a: extras.attributes.clone(),
    };
    serde_json::value::to_raw_value(&stored).expect("plain struct serialises")
}

/// The vehicle a fix event belongs to, from its tag.
fn vehicle_of(event: &StoredEvent) -> serde_json::Result<Uuid> {
    event
        .tags
        .iter()
        .find_map(|tag| tag.strip_prefix(VEHICLE_TAG_PREFIX)?.parse().ok())
        .ok_or_else(|| serde::de::Error::custom("a fix event without its vehicle's tag"))
}

fn micros(t: i64) -> serde_json::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(t)
        .ok_or_else(|| serde::de::Error::custom(format_args!("a fix time out of range: {t}")))
}

/// A `LocationTracked` event in the old system's shape, whichever shape it is stored in.
pub fn location_tracked(event: &StoredEvent) -> serde_json::Result<LocationTracked> {
    if !is_compact(event) {
        return event.decode();
    }
    let stored: StoredFix = event.decode()?;
    Ok(LocationTracked {
        location_tracked_id: event.event_id,
        latitude: stored.la,
        longitude: stored.lo,
        tracked_at: Some(micros(stored.t)?),
        extras: FixExtras {
            speed_mps: stored.s,
            heading: stored.h,
            altitude: stored.al,
            accuracy: stored.ac,
            battery_percent: stored.b,
            charging: stored.c,
            device_id: stored.d,
            attributes: stored.a,
        },
        scope: VehicleScope {
            vehicle_registered_id: vehicle_of(event)?,
        },
    })
}

/// An event's payload as the API and the audit trail show it: a fix in the old system's shape,
/// any other event as stored.
pub fn shown_payload(event: &StoredEvent) -> serde_json::Result<serde_json::Value> {
    if event.event_type == LOCATION_TRACKED && is_compact(event) {
        serde_json::to_value(location_tracked(event)?)
    } else {
        event.decode()
    }
}

/// What read models keep of a fix. Decoding only this is several times cheaper than the whole
/// event: every projection decodes every fix.
#[derive(Clone, Debug, PartialEq)]
pub struct TrackedPosition {
    pub vehicle_id: Uuid,
    pub latitude: f64,
    pub longitude: f64,
    /// The device's time; for fixes of the old system that lack it, when it was recorded.
    pub tracked_at: DateTime<Utc>,
    pub speed_mps: Option<f64>,
    pub heading: Option<f64>,
    pub battery_percent: Option<f64>,
}

/// [`TrackedPosition`] of a compact payload (fields not named here are skipped unread).
#[derive(Deserialize)]
struct StoredPosition {
    la: f64,
    lo: f64,
    t: i64,
    #[serde(default)]
    s: Option<f64>,
    #[serde(default)]
    h: Option<f64>,
    #[serde(default)]
    b: Option<f64>,
}

/// [`TrackedPosition`] of a payload in the old system's shape.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OldPosition {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    tracked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    speed_mps: Option<f64>,
    #[serde(default)]
    heading: Option<f64>,
    #[serde(default)]
    battery_percent: Option<f64>,
    scope: VehicleScope,
}

impl TrackedPosition {
    pub fn of(event: &StoredEvent) -> serde_json::Result<Self> {
        if is_compact(event) {
            let fix: StoredPosition = event.decode()?;
            return Ok(Self {
                vehicle_id: vehicle_of(event)?,
                latitude: fix.la,
                longitude: fix.lo,
                tracked_at: micros(fix.t)?,
                speed_mps: fix.s,
                heading: fix.h,
                battery_percent: fix.b,
            });
        }
        let fix: OldPosition = event.decode()?;
        Ok(Self {
            vehicle_id: fix.scope.vehicle_registered_id,
            latitude: fix.latitude,
            longitude: fix.longitude,
            tracked_at: fix.tracked_at.unwrap_or(event.recorded_at),
            speed_mps: fix.speed_mps,
            heading: fix.heading,
            battery_percent: fix.battery_percent,
        })
    }
}

#[cfg(test)]
#[path = "fix_payload_tests.rs"]
mod tests;
