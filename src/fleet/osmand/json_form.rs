//! The JSON form (current Traccar Client): one location or an array of them.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::params::{unknown_if_negative, within};
use super::report::{bad, checked, device, DeviceFix, Form, Names, OsmandError, Report};
use super::{parse_timestamp, MAX_FIXES};
use crate::error::AppError;
use crate::fleet::fix::FixExtras;

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
        crate::json::parse_json(body).map_err(|error: AppError| bad(error.message))?;
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
        &Names {
            latitude: "coords.latitude",
            longitude: "coords.longitude",
            heading: "coords.heading",
            battery: "battery.level",
        },
    )
}
