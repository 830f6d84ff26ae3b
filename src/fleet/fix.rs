//! A GPS fix and its readings, as every way in reports one (the JSON API, its batches, the OsmAnd
//! protocol), and the one table of the values a fix may hold. Each caller names the fields its
//! clients sent: the checks here say which reading is wrong, not what it was called.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::fleet::ids::require_v7;
use crate::fleet::vehicle_ref::VehicleRef;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// A GPS fix as reported, before it is checked.
pub struct Fix {
    pub vehicle: VehicleRef,
    pub latitude: f64,
    pub longitude: f64,
    /// The device's fix time; now when absent.
    pub tracked_at: Option<DateTime<Utc>>,
    /// Chosen by the client (UUID v7) so that a retry is stored once.
    pub location_tracked_id: Option<Uuid>,
    /// What a GPS device reports beside its position; all optional.
    pub extras: FixExtras,
}

/// A fix's optional readings, stored as optional camelCase fields of `LocationTracked` (absent
/// when unknown), so events without them stay valid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FixExtras {
    /// Ground speed in metres per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// Course over ground in degrees clockwise from north, `[0, 360)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<f64>,
    /// Metres above sea level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<f64>,
    /// Horizontal accuracy in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Battery level in percent, 0 to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub battery_percent: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charging: Option<bool>,
    /// The device that reported the fix, when a device did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Anything else the device sent, under the device's own names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// How far ahead of the server's clock a device's fix time may be, by default: phones' clocks
/// drift by seconds, not minutes, so a fix 2 minutes ahead is a wrong clock, a wrong time zone or
/// a forgery — a fix far in the future would pin the vehicle's current position until then.
pub const MAX_CLOCK_SKEW_SECONDS: i64 = 2 * 60;

/// The limit in force (`--max-fix-ahead-seconds`), set once at start-up.
static MAX_AHEAD_SECONDS: std::sync::atomic::AtomicI64 =
    std::sync::atomic::AtomicI64::new(MAX_CLOCK_SKEW_SECONDS);

/// Sets how far ahead of the server's clock a fix time may be (the server's configuration).
pub fn set_max_ahead_seconds(seconds: i64) {
    MAX_AHEAD_SECONDS.store(seconds.max(0), std::sync::atomic::Ordering::Relaxed);
}

pub fn max_ahead_seconds() -> i64 {
    MAX_AHEAD_SECONDS.load(std::sync::atomic::Ordering::Relaxed)
}

/// A number a fix holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Latitude,
    Longitude,
    Speed,
    Heading,
    Altitude,
    Accuracy,
    Battery,
}

/// The values a reading may take, and how a message says so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    pub reading: Reading,
    pub min: f64,
    pub max: f64,
    /// `from -90 to 90`, `from 0 to 1000 m/s`…
    pub described: &'static str,
}

/// The one table of value ranges. Speed: 1,000 m/s is far above any vehicle, yet below what a
/// broken receiver sends. Altitude: the Dead Sea shore's -430 m and mines go down to about
/// -4,000 m; -12,000 leaves room, and 100 km is the edge of space. Accuracy: 10,000 km says "no
/// idea" and is still a number.
pub const RANGES: [Range; 7] = [
    Range::of(Reading::Latitude, -90.0, 90.0, "from -90 to 90"),
    Range::of(Reading::Longitude, -180.0, 180.0, "from -180 to 180"),
    Range::of(Reading::Speed, 0.0, 1_000.0, "from 0 to 1000 m/s"),
    Range::of(Reading::Heading, 0.0, 360.0, "from 0 to 360 degrees"),
    Range::of(
        Reading::Altitude,
        -12_000.0,
        100_000.0,
        "from -12000 to 100000 metres",
    ),
    Range::of(Reading::Accuracy, 0.0, 1e7, "from 0 to 10000000 metres"),
    Range::of(Reading::Battery, 0.0, 100.0, "from 0 to 100"),
];

impl Range {
    const fn of(reading: Reading, min: f64, max: f64, described: &'static str) -> Self {
        Self {
            reading,
            min,
            max,
            described,
        }
    }

    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && (self.min..=self.max).contains(&value)
    }
}

impl Reading {
    /// The field's name in the JSON API and the stored event.
    pub fn api_name(self) -> &'static str {
        match self {
            Reading::Latitude => "latitude",
            Reading::Longitude => "longitude",
            Reading::Speed => "speedMps",
            Reading::Heading => "heading",
            Reading::Altitude => "altitude",
            Reading::Accuracy => "accuracy",
            Reading::Battery => "batteryPercent",
        }
    }
}

/// A reading outside its range: which, and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OutOfRange {
    pub range: Range,
    pub value: f64,
}

/// What is wrong with a fix, for its caller to put in its own words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FixProblem {
    OutOfRange(OutOfRange),
    /// The fix time is more than [`max_ahead_seconds`] ahead of the server's clock.
    InTheFuture,
}

/// The first reading out of its range, in the table's order: position first.
pub fn out_of_range(latitude: f64, longitude: f64, extras: &FixExtras) -> Option<OutOfRange> {
    RANGES.into_iter().find_map(|range| {
        let value = match range.reading {
            Reading::Latitude => Some(latitude),
            Reading::Longitude => Some(longitude),
            Reading::Speed => extras.speed_mps,
            Reading::Heading => extras.heading,
            Reading::Altitude => extras.altitude,
            Reading::Accuracy => extras.accuracy,
            Reading::Battery => extras.battery_percent,
        }?;
        (!range.contains(value)).then_some(OutOfRange { range, value })
    })
}

impl Fix {
    /// The first problem, in the order a client would fix them: position, readings, time.
    pub fn problem(&self, now: DateTime<Utc>) -> Option<FixProblem> {
        if let Some(out) = out_of_range(self.latitude, self.longitude, &self.extras) {
            return Some(FixProblem::OutOfRange(out));
        }
        let skew = chrono::Duration::seconds(max_ahead_seconds());
        match self.tracked_at {
            Some(tracked_at) if tracked_at > now + skew => Some(FixProblem::InTheFuture),
            _ => None,
        }
    }
}

/// Checks a fix as the JSON API reports it: fields under their API names.
pub fn validate(fix: &Fix, now: DateTime<Utc>) -> Result<(), AppError> {
    match fix.problem(now) {
        Some(FixProblem::OutOfRange(OutOfRange { range, .. })) => {
            let field = range.reading.api_name();
            return Err(AppError::unprocessable(
                field,
                format!("{field} must be a number {}", range.described),
            ));
        }
        Some(FixProblem::InTheFuture) => {
            return Err(AppError::unprocessable(
                "trackedAt",
                format!(
                    "trackedAt is more than {} seconds in the future",
                    max_ahead_seconds()
                ),
            ))
        }
        None => {}
    }
    if let Some(id) = fix.location_tracked_id {
        require_v7("locationTrackedId", id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 8, 0, 0).unwrap()
    }

    fn fix() -> Fix {
        Fix {
            vehicle: VehicleRef::Plate("B-1".into()),
            latitude: 52.5,
            longitude: 13.4,
            tracked_at: Some(now()),
            location_tracked_id: None,
            extras: FixExtras::default(),
        }
    }

    #[test]
    fn every_reading_is_checked_at_both_ends_of_its_range() {
        for range in RANGES {
            for (value, fine) in [
                (range.min, true),
                (range.max, true),
                (range.min - 0.5, false),
                (range.max + 0.5, false),
                (f64::NAN, false),
            ] {
                let mut fix = fix();
                let e = &mut fix.extras;
                match range.reading {
                    Reading::Latitude => fix.latitude = value,
                    Reading::Longitude => fix.longitude = value,
                    Reading::Speed => e.speed_mps = Some(value),
                    Reading::Heading => e.heading = Some(value),
                    Reading::Altitude => e.altitude = Some(value),
                    Reading::Accuracy => e.accuracy = Some(value),
                    Reading::Battery => e.battery_percent = Some(value),
                }
                let problem = fix.problem(now());
                if fine {
                    assert_eq!(problem, None, "{range:?} {value}");
                } else {
                    let Some(FixProblem::OutOfRange(out)) = problem else {
                        panic!("{range:?} {value} passed");
                    };
                    assert_eq!(out.range.reading, range.reading);
                    let error = validate(&fix, now()).unwrap_err();
                    assert_eq!(error.field.as_deref(), Some(range.reading.api_name()));
                }
            }
        }
    }

    #[test]
    fn a_fix_up_to_two_minutes_ahead_is_a_drifting_clock_and_later_is_refused() {
        let mut fix = fix();
        fix.tracked_at = Some(now() + chrono::Duration::seconds(MAX_CLOCK_SKEW_SECONDS));
        assert_eq!(fix.problem(now()), None);
        fix.tracked_at = Some(now() + chrono::Duration::seconds(MAX_CLOCK_SKEW_SECONDS + 1));
        assert_eq!(fix.problem(now()), Some(FixProblem::InTheFuture));
        assert_eq!(
            validate(&fix, now()).unwrap_err().field.as_deref(),
            Some("trackedAt")
        );
    }
}
