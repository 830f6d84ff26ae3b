//! The query-string form (also a url-encoded body): the old Android client, OsmAnd, most
//! trackers.

use serde_json::Value;

use super::report::{bad, checked, device, DeviceFix, Form, Names, OsmandError, Report};
use super::{parse_timestamp, KNOT_MPS};
use crate::fleet::fix::FixExtras;

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
        &Names {
            latitude: "lat",
            longitude: "lon",
            heading: "bearing",
            battery: "batt",
        },
    )?;
    Ok(Report {
        form: Form::Params,
        device_id,
        fixes: vec![fix],
    })
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

pub(super) fn within(name: &str, value: f64, min: f64, max: f64) -> Result<f64, OsmandError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(bad(format!(
            "{name} must be from {min} to {max}, got {value}"
        )))
    }
}

/// Android and the JSON client say "unknown" with a negative value (-1).
pub(super) fn unknown_if_negative(value: f64) -> Option<f64> {
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
