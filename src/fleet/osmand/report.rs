//! What a request reports (one device, its fixes), how the protocol refuses, and the checks both
//! forms share, naming the parameters as the device sent them.

use std::fmt;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use chrono::{DateTime, Utc};

use crate::fleet::devices::device_id;
use crate::fleet::fix::{out_of_range, FixExtras, Reading};

/// Which form a request came in; it decides how an unknown device is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Query string or url-encoded body: unknown device → 400.
    Params,
    /// JSON body: unknown device → 404.
    Json,
}

/// One fix as the device reported it, parsed and range-checked.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceFix {
    /// `None`: the device sent no time; the server's receiving time stands in.
    pub timestamp: Option<DateTime<Utc>>,
    pub latitude: f64,
    pub longitude: f64,
    pub extras: FixExtras,
}

/// A parsed request: one device, one or more fixes.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub form: Form,
    pub device_id: String,
    pub fixes: Vec<DeviceFix>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OsmandError {
    /// 400 with this reason.
    BadRequest(String),
    /// No vehicle has this device: `fixes` were not stored. Answered as a success all the same
    /// (see `unknown_devices`), logged and counted.
    UnknownDevice {
        form: Form,
        device_id: String,
        fixes: usize,
    },
    /// 503 with `Retry-After`: the database does not answer; nothing was stored, the device
    /// will retry.
    Unavailable {
        /// What failed underneath, for the server's log only.
        cause: String,
    },
    /// 500: nothing was stored, the device will retry.
    Internal {
        /// What failed underneath, for the server's log only.
        cause: String,
    },
}

impl OsmandError {
    pub fn status(&self) -> u16 {
        match self {
            OsmandError::BadRequest(_) => 400,
            OsmandError::UnknownDevice { .. } => 200,
            OsmandError::Unavailable { .. } => 503,
            OsmandError::Internal { .. } => 500,
        }
    }
}

impl fmt::Display for OsmandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsmandError::BadRequest(reason) => f.write_str(reason),
            OsmandError::UnknownDevice { device_id, .. } => write!(
                f,
                "unknown device {device_id:?}: assign it to a vehicle first (deviceId at registration, or POST /vehicles/{{id}}/device)"
            ),
            OsmandError::Unavailable { .. } => f.write_str(
                "the database does not answer; nothing was stored, try again in a few seconds",
            ),
            OsmandError::Internal { .. } => f.write_str("the server failed; nothing was stored, try again"),
        }
    }
}

/// Counters of this instance (in memory, reset on restart; each instance counts its own).
#[derive(Clone, Debug, Default)]
pub struct OsmandStats {
    unknown_device_fixes: Arc<AtomicU64>,
    /// Addresses that send unknown device ids, to slow down.
    pub unknown_devices: super::unknown_devices::UnknownDevices,
}

impl OsmandStats {
    pub fn count_unknown_device_fixes(&self, fixes: u64) {
        self.unknown_device_fixes
            .fetch_add(fixes, Ordering::Relaxed);
    }

    /// Fixes refused because no vehicle has their device, since this instance started.
    pub fn unknown_device_fixes(&self) -> u64 {
        self.unknown_device_fixes.load(Ordering::Relaxed)
    }
}

/// 400 with this reason.
pub(super) fn bad(reason: impl Into<String>) -> OsmandError {
    OsmandError::BadRequest(reason.into())
}

/// What a form calls the readings whose names differ between the forms.
pub(super) struct Names {
    pub latitude: &'static str,
    pub longitude: &'static str,
    pub heading: &'static str,
    pub battery: &'static str,
}

impl Names {
    fn of(&self, reading: Reading) -> &'static str {
        match reading {
            Reading::Latitude => self.latitude,
            Reading::Longitude => self.longitude,
            Reading::Heading => self.heading,
            Reading::Battery => self.battery,
            Reading::Speed => "speed",
            Reading::Altitude => "altitude",
            Reading::Accuracy => "accuracy",
        }
    }
}

/// The fleet's one table of value ranges, in the device's own words.
pub(super) fn checked(fix: DeviceFix, names: &Names) -> Result<DeviceFix, OsmandError> {
    match out_of_range(fix.latitude, fix.longitude, &fix.extras) {
        None => Ok(fix),
        Some(out) => Err(bad(format!(
            "{} must be from {} to {}, got {}",
            names.of(out.range.reading),
            out.range.min,
            out.range.max,
            out.value
        ))),
    }
}

/// The device identifier, or why not, under the form's name for it.
pub(super) fn device(raw: Option<&str>, name: &str) -> Result<String, OsmandError> {
    let raw = raw.ok_or_else(|| bad(format!("{name} (the device identifier) is required")))?;
    device_id(raw)
        .map_err(|problem| bad(format!("{name} (the device identifier) {}", problem.rule())))
}
