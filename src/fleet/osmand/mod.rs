//! The OsmAnd protocol, as Traccar Client and other tracker apps speak it: a GPS fix per HTTP
//! request, to the server's root.
//!
//! - If `Content-Type` starts with `application/json`, the body is JSON (current Traccar Client):
//!   `{"device_id":"…","location":{"timestamp":"…Z","coords":{"latitude":…,"longitude":…,
//!   "speed":<m/s>,"heading":…,"altitude":…,"accuracy":…},"battery":{"level":0..1,
//!   "is_charging":…},"is_moving":…,"odometer":…,"event":…,"activity":{"type":…},"extras":{}}}`
//!   (`location` may also be an array of such locations). Negative speed or heading means
//!   unknown. An unknown `device_id` is answered 404.
//! - Otherwise the parameters come from the query string, or, when the URI has none, from a
//!   url-encoded body (the old Android client, OsmAnd, most trackers):
//!   `id`/`deviceid`, `timestamp`, `lat`+`lon` or `location=lat,lon`, `speed` (knots),
//!   `bearing`/`heading`, `altitude`, `accuracy`, `hdop`, `batt` (%), `charge`, `valid`; any
//!   other key is kept as an attribute. An unknown device is answered 400.
//!
//! `timestamp` is an integer (seconds below 2147483647, milliseconds from there), ISO 8601 with
//! a zone, `yyyy-MM-dd HH:mm:ss` (taken as UTC: the server's zone is UTC by convention), or absent
//! (the time the server received the fix).
//!
//! Success is `200` with an empty body; bad input is `400` with a plain-text reason, and nothing
//! is stored. A fix sent again (same device, time and coordinates) is stored once: its event id
//! is derived from those (see [`fix_id`]).
//!
//! Parsing is plain functions here; [`record`] is the use case; `http` is the thin handler.

pub mod http;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::AppError;
use crate::event_store::EventStore;
use crate::fleet::assign_device::{device_vehicle, parse_device_id};
use crate::fleet::track_location::{located, validate, Fix, FixExtras, VehicleRef};

/// Largest body (and query string) accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Most fixes in one JSON request (`"location": [...]`).
pub const MAX_FIXES: usize = 1000;
/// One knot in metres per second.
pub const KNOT_MPS: f64 = 1852.0 / 3600.0;
/// Integer timestamps below this are seconds, from it milliseconds (as Traccar reads them).
const SECONDS_BELOW: i64 = 2_147_483_647;

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
    /// No vehicle has this device: 400 (parameters) or 404 (JSON). `fixes` were refused.
    UnknownDevice {
        form: Form,
        device_id: String,
        fixes: usize,
    },
    /// 500: nothing was stored, the device will retry.
    Internal,
}

impl OsmandError {
    pub fn status(&self) -> u16 {
        match self {
            OsmandError::BadRequest(_) => 400,
            OsmandError::UnknownDevice {
                form: Form::Params, ..
            } => 400,
            OsmandError::UnknownDevice {
                form: Form::Json, ..
            } => 404,
            OsmandError::Internal => 500,
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
            OsmandError::Internal => f.write_str("the server failed; nothing was stored, try again"),
        }
    }
}

fn bad(reason: impl Into<String>) -> OsmandError {
    OsmandError::BadRequest(reason.into())
}

/// Counters of this instance (in memory, reset on restart; each instance counts its own).
#[derive(Clone, Debug, Default)]
pub struct OsmandStats {
    unknown_device_fixes: Arc<AtomicU64>,
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

// ---------------------------------------------------------------------------------------------
// Parsing

/// Parses a request: JSON when `content_type` says so, else the query string, else the body as
/// url-encoded parameters.
pub fn parse(
    content_type: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Result<Report, OsmandError> {
    let is_json = content_type.is_some_and(|t| {
        t.trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
    });
    if is_json {
        return parse_json(body);
    }
    match query.filter(|q| !q.is_empty()) {
        Some(query) => {
            if query.len() > BODY_LIMIT {
                return Err(bad(format!(
                    "the query string is longer than {} KiB",
                    BODY_LIMIT / 1024
                )));
            }
            parse_params(query.as_bytes())
        }
        None => parse_params(body),
    }
}

/// The query-string form (also a url-encoded body).
pub fn parse_params(params: &[u8]) -> Result<Report, OsmandError> {
    let mut device_id = None;
    let mut timestamp = None;
    let (mut latitude, mut longitude) = (None, None);
    let mut extras = FixExtras::default();
    for (key, value) in url::form_urlencoded::parse(params) {
        let value = value.trim();
        match key.as_ref() {
            "id" | "deviceid" => device_id = Some(value.to_string()),
            "timestamp" => timestamp = Some(parse_timestamp(value).map_err(bad)?),
            "lat" => latitude = Some(number("lat", value)?),
            "lon" => longitude = Some(number("lon", value)?),
            "location" => {
                let (lat, lon) = value
                    .split_once(',')
                    .ok_or_else(|| bad(format!("location must be \"lat,lon\", got {value:?}")))?;
                latitude = Some(number("location", lat.trim())?);
                longitude = Some(number("location", lon.trim())?);
            }
            "speed" => {
                extras.speed_mps =
                    unknown_if_negative(number("speed", value)?).map(|knots| knots * KNOT_MPS)
            }
            "bearing" | "heading" => extras.heading = unknown_if_negative(number(&key, value)?),
            "altitude" => extras.altitude = Some(number("altitude", value)?),
            "accuracy" => extras.accuracy = Some(number("accuracy", value)?),
            "hdop" => {
                let hdop = within("hdop", number("hdop", value)?, 0.0, 1000.0)?;
                extras.attributes.insert("hdop".into(), hdop.into());
            }
            "batt" => extras.battery_percent = Some(number("batt", value)?),
            "charge" => extras.charging = Some(boolean("charge", value)?),
            "valid" => {
                extras
                    .attributes
                    .insert("valid".into(), boolean("valid", value)?.into());
            }
            "" => {}
            other => {
                extras
                    .attributes
                    .insert(other.to_string(), attribute(value));
            }
        }
    }
    let device_id = device(device_id.as_deref(), "id")?;
    let (latitude, longitude) = match (latitude, longitude) {
        (Some(lat), Some(lon)) => (lat, lon),
        _ => return Err(bad("lat and lon (or location=lat,lon) are required")),
    };
    let fix = checked(
        DeviceFix {
            timestamp,
            latitude,
            longitude,
            extras,
        },
        "lat",
        "lon",
        "bearing",
        "batt",
    )?;
    Ok(Report {
        form: Form::Params,
        device_id,
        fixes: vec![fix],
    })
}

/// A device fix's time: integer seconds or milliseconds, ISO 8601 with a zone, or
/// `yyyy-MM-dd HH:mm:ss` (UTC).
pub fn parse_timestamp(raw: &str) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    let out_of_range = || format!("timestamp {raw:?} is out of range");
    if let Ok(number) = raw.parse::<i64>() {
        if number < 0 {
            return Err(out_of_range());
        }
        let millis = if number < SECONDS_BELOW {
            number * 1000
        } else {
            number
        };
        return DateTime::from_timestamp_millis(millis).ok_or_else(out_of_range);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    // An unescaped `+` of the zone arrives as a space: `2025-06-15T15:45:12 02:00`.
    let restored = match raw.rsplit_once(' ') {
        Some((head, zone))
            if head.contains('T') && zone.chars().all(|c| c.is_ascii_digit() || c == ':') =>
        {
            Some(format!("{head}+{zone}"))
        }
        _ => None,
    };
    let candidate = restored.as_deref().unwrap_or(raw);
    if let Ok(at) = DateTime::parse_from_rfc3339(candidate) {
        return Ok(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z"] {
        if let Ok(at) = DateTime::parse_from_str(candidate, format) {
            return Ok(at.with_timezone(&Utc));
        }
    }
    // Without a zone: the server's time zone, which is UTC here.
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(at) = NaiveDateTime::parse_from_str(raw, format) {
            return Ok(at.and_utc());
        }
    }
    Err(format!(
        "timestamp {raw:?} is not seconds, milliseconds, ISO 8601 with a zone or yyyy-MM-dd HH:mm:ss"
    ))
}

fn number(name: &str, raw: &str) -> Result<f64, OsmandError> {
    match raw.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(bad(format!("{name} must be a number, got {raw:?}"))),
    }
}

fn boolean(name: &str, raw: &str) -> Result<bool, OsmandError> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(bad(format!("{name} must be true or false, got {raw:?}"))),
    }
}

fn within(name: &str, value: f64, min: f64, max: f64) -> Result<f64, OsmandError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(bad(format!(
            "{name} must be from {min} to {max}, got {value}"
        )))
    }
}

/// Android and the JSON client say "unknown" with a negative value (-1).
fn unknown_if_negative(value: f64) -> Option<f64> {
    (value >= 0.0).then_some(value)
}

/// An attribute as Traccar keeps it: a number or a boolean when it reads as one, else text.
fn attribute(raw: &str) -> Value {
    if let Ok(number) = raw.parse::<f64>() {
        if number.is_finite() {
            return number.into();
        }
    }
    match raw {
        "true" => true.into(),
        "false" => false.into(),
        _ => raw.into(),
    }
}

fn device(raw: Option<&str>, name: &str) -> Result<String, OsmandError> {
    match raw {
        None => Err(bad(format!("{name} (the device identifier) is required"))),
        Some(raw) => parse_device_id(raw).map_err(|error| {
            bad(error
                .message
                .replace("deviceId", &format!("{name} (the device identifier)")))
        }),
    }
}

/// Range checks, naming the parameters as the device sent them.
fn checked(
    fix: DeviceFix,
    lat: &str,
    lon: &str,
    heading: &str,
    battery: &str,
) -> Result<DeviceFix, OsmandError> {
    within(lat, fix.latitude, -90.0, 90.0)?;
    within(lon, fix.longitude, -180.0, 180.0)?;
    let e = &fix.extras;
    if let Some(speed) = e.speed_mps {
        within("speed", speed, 0.0, 1000.0)?;
    }
    if let Some(value) = e.heading {
        within(heading, value, 0.0, 360.0)?;
    }
    if let Some(value) = e.altitude {
        within("altitude", value, -12_000.0, 100_000.0)?;
    }
    if let Some(value) = e.accuracy {
        within("accuracy", value, 0.0, 1e7)?;
    }
    if let Some(value) = e.battery_percent {
        within(battery, value, 0.0, 100.0)?;
    }
    Ok(fix)
}

// The JSON form.

#[derive(Deserialize)]
struct JsonRequest {
    device_id: Value,
    location: Locations,
}

struct Locations(Vec<JsonLocation>);

/// One location object, or an array of them (a client sending what it buffered offline).
impl<'de> Deserialize<'de> for Locations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> Visitor<'de> for OneOrMany {
            type Value = Locations;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a location object or an array of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Locations, A::Error> {
                let one = JsonLocation::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Locations(vec![one]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Locations, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Locations)
            }
        }
        deserializer.deserialize_any(OneOrMany)
    }
}

#[derive(Deserialize)]
struct JsonLocation {
    #[serde(default)]
    timestamp: Option<Value>,
    coords: JsonCoords,
    #[serde(default)]
    battery: Option<JsonBattery>,
    #[serde(default)]
    is_moving: Option<bool>,
    #[serde(default)]
    odometer: Option<f64>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    activity: Option<JsonActivity>,
    #[serde(default)]
    extras: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
struct JsonCoords {
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    speed: Option<f64>,
    #[serde(default)]
    heading: Option<f64>,
    #[serde(default)]
    altitude: Option<f64>,
    #[serde(default)]
    accuracy: Option<f64>,
}

#[derive(Deserialize)]
struct JsonBattery {
    #[serde(default)]
    level: Option<f64>,
    #[serde(default)]
    is_charging: Option<bool>,
}

#[derive(Deserialize)]
struct JsonActivity {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

/// The JSON form (current Traccar Client).
pub fn parse_json(body: &[u8]) -> Result<Report, OsmandError> {
    let request: JsonRequest =
        crate::http::parse_json(body).map_err(|error: AppError| bad(error.message))?;
    let raw_device = match &request.device_id {
        Value::String(id) => Some(id.clone()),
        Value::Number(id) => Some(id.to_string()),
        _ => None,
    };
    let device_id = device(raw_device.as_deref(), "device_id")?;
    let locations = request.location.0;
    if locations.is_empty() {
        return Err(bad("location must hold at least one location"));
    }
    if locations.len() > MAX_FIXES {
        return Err(bad(format!("at most {MAX_FIXES} locations per request")));
    }
    let fixes = locations
        .into_iter()
        .map(json_fix)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        form: Form::Json,
        device_id,
        fixes,
    })
}

fn json_fix(location: JsonLocation) -> Result<DeviceFix, OsmandError> {
    let timestamp = match &location.timestamp {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) => Some(parse_timestamp(raw).map_err(bad)?),
        Some(Value::Number(number)) => Some(parse_timestamp(&number.to_string()).map_err(bad)?),
        Some(other) => return Err(bad(format!("timestamp must be a string, got {other}"))),
    };
    let coords = &location.coords;
    let battery_percent = match location.battery.as_ref().and_then(|b| b.level) {
        Some(level) if level >= 0.0 => Some(within("battery.level", level, 0.0, 1.0)? * 100.0),
        _ => None,
    };
    let mut attributes = BTreeMap::new();
    if let Some(moving) = location.is_moving {
        attributes.insert("is_moving".to_string(), moving.into());
    }
    if let Some(odometer) = location.odometer {
        attributes.insert("odometer".to_string(), odometer.into());
    }
    if let Some(event) = location.event {
        attributes.insert("event".to_string(), event.into());
    }
    if let Some(kind) = location.activity.and_then(|a| a.kind) {
        attributes.insert("activity".to_string(), kind.into());
    }
    if let Some(extras) = location.extras.filter(|e| !e.is_empty()) {
        attributes.insert("extras".to_string(), Value::Object(extras));
    }
    let fix = DeviceFix {
        timestamp,
        latitude: coords.latitude,
        longitude: coords.longitude,
        extras: FixExtras {
            speed_mps: coords.speed.and_then(unknown_if_negative),
            heading: coords.heading.and_then(unknown_if_negative),
            altitude: coords.altitude,
            accuracy: coords.accuracy,
            battery_percent,
            charging: location.battery.and_then(|b| b.is_charging),
            device_id: None,
            attributes,
        },
    };
    checked(
        fix,
        "coords.latitude",
        "coords.longitude",
        "coords.heading",
        "battery.level",
    )
}

// ---------------------------------------------------------------------------------------------
// The use case

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

/// Stores a device's fixes as the fixes of the vehicle it is assigned to, all or none. Answers
/// how many were new (a retry stores none).
pub async fn record(
    store: &EventStore,
    report: Report,
    now: DateTime<Utc>,
) -> Result<usize, OsmandError> {
    let vehicle_id = device_vehicle(store, &report.device_id)
        .await
        .map_err(|_| OsmandError::Internal)?
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
        validate(&fix, now)
            .map_err(|error| bad(error.message.replace("trackedAt", "timestamp")))?;
        // The same fix twice in one request is one fix.
        if seen.insert(id) {
            events.push(located(&fix, vehicle_id, now).to_event());
        }
    }
    let appended = store
        .append(&events, None)
        .await
        .map_err(|_| OsmandError::Internal)?;
    Ok(appended.positions.iter().flatten().count())
}

#[cfg(test)]
mod parse_tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn params(query: &str) -> Result<Report, OsmandError> {
        parse(None, Some(query), b"")
    }

    fn reason(result: Result<Report, OsmandError>) -> String {
        match result {
            Err(OsmandError::BadRequest(reason)) => reason,
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn timestamps_in_every_form_the_clients_send() {
        let expected = at(2024, 6, 15, 13, 45, 12);
        for raw in [
            "1718459112",
            "1718459112000",
            "2024-06-15T13:45:12Z",
            "2024-06-15T15:45:12+02:00",
            // The `+` of an unescaped zone, decoded as a space.
            "2024-06-15T15:45:12 02:00",
            "2024-06-15T15:45:12+0200",
            "2024-06-15 13:45:12",
            "2024-06-15T13:45:12",
        ] {
            assert_eq!(parse_timestamp(raw), Ok(expected), "{raw}");
        }
        assert_eq!(
            parse_timestamp("2025-06-15T13:45:12.862Z").unwrap(),
            at(2025, 6, 15, 13, 45, 12) + chrono::Duration::milliseconds(862)
        );
        // 2147483646 is still seconds (2038); from 2147483647 on, milliseconds (1970).
        assert_eq!(
            parse_timestamp("2147483646").unwrap(),
            DateTime::from_timestamp(2_147_483_646, 0).unwrap()
        );
        assert_eq!(
            parse_timestamp("2147483647").unwrap(),
            DateTime::from_timestamp_millis(2_147_483_647).unwrap()
        );
        for bad in [
            "yesterday",
            "",
            "-5",
            "2024-13-45 10:00:00",
            "1.5e9",
            "99999999999999999999",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_old_android_clients_query() {
        let report = params(
            "id=123456&timestamp=1718459112&lat=52.520008&lon=13.404954&speed=10.0&bearing=90.0&altitude=34.5&accuracy=5.0&batt=87.0",
        )
        .unwrap();
        assert_eq!(report.form, Form::Params);
        assert_eq!(report.device_id, "123456");
        let fix = &report.fixes[0];
        assert_eq!(fix.timestamp, Some(at(2024, 6, 15, 13, 45, 12)));
        assert_eq!((fix.latitude, fix.longitude), (52.520008, 13.404954));
        let e = &fix.extras;
        assert!((e.speed_mps.unwrap() - 5.144_444).abs() < 1e-5, "10 knots");
        assert_eq!(e.heading, Some(90.0));
        assert_eq!(e.altitude, Some(34.5));
        assert_eq!(e.accuracy, Some(5.0));
        assert_eq!(e.battery_percent, Some(87.0));
        assert!(e.attributes.is_empty());
    }

    #[test]
    fn every_other_parameter() {
        let report = params(
            "deviceid=abc&location=-33.86%2C151.21&heading=-1&speed=-1&hdop=1.2&charge=true&valid=false&driverUniqueId=42&cell=262,1,2,3&note=hello+world",
        )
        .unwrap();
        assert_eq!(report.device_id, "abc");
        let fix = &report.fixes[0];
        assert_eq!(fix.timestamp, None, "absent: the server's time stands in");
        assert_eq!((fix.latitude, fix.longitude), (-33.86, 151.21));
        let e = &fix.extras;
        assert_eq!((e.speed_mps, e.heading), (None, None), "negative: unknown");
        assert_eq!(e.charging, Some(true));
        let attributes = serde_json::to_value(&e.attributes).unwrap();
        assert_eq!(
            attributes,
            json!({ "hdop": 1.2, "valid": false, "driverUniqueId": 42.0, "cell": "262,1,2,3", "note": "hello world" })
        );
    }

    #[test]
    fn a_url_encoded_body_when_the_uri_has_no_query() {
        let body = b"id=7&lat=1.5&lon=2.5";
        for query in [None, Some("")] {
            let report = parse(Some("application/x-www-form-urlencoded"), query, body).unwrap();
            assert_eq!(
                (report.device_id.as_str(), report.fixes[0].latitude),
                ("7", 1.5)
            );
        }
        // The query string wins over the body.
        let report = parse(None, Some("id=8&lat=3&lon=4"), body).unwrap();
        assert_eq!(report.device_id, "8");
    }

    #[test]
    fn the_json_of_the_current_traccar_client() {
        let body = br#"{"location":{"timestamp":"2025-06-15T13:45:12.862Z","coords":{"latitude":37.42,"longitude":-122.08,"accuracy":5,"speed":0,"heading":-1,"altitude":5},"is_moving":false,"odometer":0,"event":"motionchange","battery":{"level":1,"is_charging":false},"activity":{"type":"still"},"extras":{}},"device_id":"48241179"}"#;
        let report = parse(Some("application/json; charset=utf-8"), None, body).unwrap();
        assert_eq!(report.form, Form::Json);
        assert_eq!(report.device_id, "48241179");
        let fix = &report.fixes[0];
        assert_eq!(
            fix.timestamp,
            Some(at(2025, 6, 15, 13, 45, 12) + chrono::Duration::milliseconds(862))
        );
        assert_eq!((fix.latitude, fix.longitude), (37.42, -122.08));
        let e = &fix.extras;
        assert_eq!(e.speed_mps, Some(0.0), "m/s, as sent");
        assert_eq!(e.heading, None, "-1: unknown");
        assert_eq!((e.altitude, e.accuracy), (Some(5.0), Some(5.0)));
        assert_eq!((e.battery_percent, e.charging), (Some(100.0), Some(false)));
        assert_eq!(
            serde_json::to_value(&e.attributes).unwrap(),
            json!({ "is_moving": false, "odometer": 0.0, "event": "motionchange", "activity": "still" })
        );
    }

    #[test]
    fn json_with_a_batch_of_locations_and_a_numeric_device_id() {
        let body = br#"{"device_id":42,"location":[
            {"timestamp":"2025-06-15T13:45:12Z","coords":{"latitude":1,"longitude":2,"speed":3.5}},
            {"timestamp":1749995113,"coords":{"latitude":1.1,"longitude":2.1}}]}"#;
        let report = parse(Some("application/json"), Some("ignored=1"), body).unwrap();
        assert_eq!(report.device_id, "42");
        assert_eq!(report.fixes.len(), 2);
        assert_eq!(report.fixes[0].extras.speed_mps, Some(3.5));
        assert_eq!(report.fixes[1].timestamp, Some(at(2025, 6, 15, 13, 45, 13)));
    }

    #[test]
    fn bad_input_is_refused_with_a_reason_naming_the_parameter() {
        let cases = [
            ("lat=91&lon=1&id=1", "lat"),
            ("lat=1&lon=-180.5&id=1", "lon"),
            ("lat=abc&lon=1&id=1", "lat"),
            ("lat=NaN&lon=1&id=1", "lat"),
            ("lat=inf&lon=1&id=1", "lat"),
            ("lat=1&id=1", "lat and lon"),
            ("location=1&id=1", "location"),
            ("lat=1&lon=1", "id"),
            ("lat=1&lon=1&id=", "id"),
            ("lat=1&lon=1&id=a%20b", "id"),
            ("lat=1&lon=1&id=1&timestamp=yesterday", "timestamp"),
            ("lat=1&lon=1&id=1&batt=150", "batt"),
            ("lat=1&lon=1&id=1&bearing=400", "bearing"),
            ("lat=1&lon=1&id=1&speed=5000", "speed"),
            ("lat=1&lon=1&id=1&accuracy=-3", "accuracy"),
            ("lat=1&lon=1&id=1&altitude=1e9", "altitude"),
            ("lat=1&lon=1&id=1&charge=maybe", "charge"),
            ("lat=1&lon=1&id=1&hdop=x", "hdop"),
        ];
        for (query, named) in cases {
            let reason = reason(params(query));
            assert!(reason.contains(named), "{query}: {reason}");
        }
        let json_cases: [(&str, &str); 8] = [
            (
                r#"{"device_id":"1","location":{"coords":{"latitude":"37.4","longitude":1}}}"#,
                "location.coords.latitude",
            ),
            (
                r#"{"device_id":"1","location":{"coords":{"latitude":95,"longitude":1}}}"#,
                "coords.latitude",
            ),
            (
                r#"{"location":{"coords":{"latitude":1,"longitude":1}}}"#,
                "device_id",
            ),
            (
                r#"{"device_id":"1","location":{"coords":{"latitude":1}}}"#,
                "longitude",
            ),
            (
                r#"{"device_id":"1","location":{"coords":{"latitude":1,"longitude":1},"battery":{"level":2}}}"#,
                "battery.level",
            ),
            (
                r#"{"device_id":"1","location":{"timestamp":"soon","coords":{"latitude":1,"longitude":1}}}"#,
                "timestamp",
            ),
            (r#"{"device_id":"1","location":[]}"#, "location"),
            (r#"{"device_id":"1","location":{"#, "JSON"),
        ];
        for (body, named) in json_cases {
            let reason = reason(parse(Some("application/json"), None, body.as_bytes()));
            assert!(reason.contains(named), "{body}: {reason}");
        }
        assert!(reason(parse(None, Some(&"x".repeat(BODY_LIMIT + 1)), b"")).contains("KiB"));
    }

    #[test]
    fn a_fix_id_is_a_v7_of_the_device_time_and_the_same_for_the_same_fix() {
        let time = at(2025, 6, 15, 13, 45, 12);
        let id = fix_id("48241179", time, 37.42, -122.08);
        assert_eq!(id.get_version_num(), 7);
        let (seconds, nanos) = id.get_timestamp().unwrap().to_unix();
        assert_eq!((seconds as i64, nanos), (time.timestamp(), 0));
        assert_eq!(id, fix_id("48241179", time, 37.42, -122.08));
        for other in [
            fix_id("48241178", time, 37.42, -122.08),
            fix_id(
                "48241179",
                time + chrono::Duration::milliseconds(1),
                37.42,
                -122.08,
            ),
            fix_id("48241179", time, 37.42001, -122.08),
            fix_id("48241179", time, 37.42, -122.08001),
        ] {
            assert_ne!(id, other);
        }
        // Stable across builds and releases (a fixed hash, not std's): stored ids stay valid.
        assert_eq!(id.to_string(), "019773d6-4640-74ee-b666-da65a4e07a72");
        assert_eq!(
            fix_id("1", DateTime::from_timestamp(0, 0).unwrap(), 0.0, 0.0),
            fix_id("1", DateTime::from_timestamp(0, 0).unwrap(), -0.0, 0.0)
        );
    }
}
