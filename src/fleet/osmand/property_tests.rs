//! Properties of the device protocol's parsers over generated input (proptest): whatever a
//! device or an attacker sends, parsing never panics, and a report it accepts holds only
//! positions and readings in range.

use proptest::prelude::*;

use super::timestamp::parse_timestamp;
use super::*;

/// Every fix of an accepted report is a place on Earth with readings in range.
fn in_range(report: &Report) -> Result<(), TestCaseError> {
    prop_assert!(!report.device_id.trim().is_empty());
    for fix in &report.fixes {
        prop_assert!(fix.latitude.is_finite() && (-90.0..=90.0).contains(&fix.latitude));
        prop_assert!(fix.longitude.is_finite() && (-180.0..=180.0).contains(&fix.longitude));
        let extras = &fix.extras;
        if let Some(speed) = extras.speed_mps {
            prop_assert!(speed.is_finite() && speed >= 0.0, "speed {speed}");
        }
        if let Some(heading) = extras.heading {
            prop_assert!((0.0..360.0).contains(&heading), "heading {heading}");
        }
        if let Some(battery) = extras.battery_percent {
            prop_assert!((0.0..=100.0).contains(&battery), "battery {battery}");
        }
        for reading in [extras.altitude, extras.accuracy].into_iter().flatten() {
            prop_assert!(reading.is_finite());
        }
    }
    Ok(())
}

/// Values as devices send them, and as they should not: numbers of every size and form, words,
/// empty, escapes.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<f64>().prop_map(|v| v.to_string()),
        (-200.0f64..200.0).prop_map(|v| format!("{v:.6}")),
        any::<i64>().prop_map(|v| v.to_string()),
        Just(String::new()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-0".to_string()),
        "[ -~]{0,12}",
        "%[0-9A-Fa-f]{2}",
    ]
}

/// A query string of the OsmAnd protocol's keys (and some others) with generated values.
fn query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("id"),
        Just("deviceid"),
        Just("lat"),
        Just("lon"),
        Just("timestamp"),
        Just("speed"),
        Just("bearing"),
        Just("heading"),
        Just("altitude"),
        Just("accuracy"),
        Just("hdop"),
        Just("batt"),
        Just("location"),
        Just("x"),
    ];
    prop::collection::vec((key, value()), 0..10).prop_map(|pairs| {
        pairs
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

/// A JSON body of the protocol's shape with generated values of any JSON type.
fn json_body() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        any::<f64>().prop_map(|v| serde_json::json!(v)),
        any::<i64>().prop_map(|v| serde_json::json!(v)),
        value().prop_map(|v| serde_json::json!(v)),
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(|v| serde_json::json!(v)),
    ];
    let location = (
        scalar.clone(),
        scalar.clone(),
        scalar.clone(),
        scalar.clone(),
    )
        .prop_map(|(latitude, longitude, timestamp, speed)| {
            serde_json::json!({
                "timestamp": timestamp,
                "coords": { "latitude": latitude, "longitude": longitude, "speed": speed },
            })
        });
    (scalar, prop::collection::vec(location, 0..4), any::<bool>()).prop_map(
        |(device_id, locations, as_array)| {
            let location = if as_array {
                serde_json::json!(locations)
            } else {
                locations.into_iter().next().unwrap_or_default()
            };
            serde_json::json!({ "device_id": device_id, "location": location }).to_string()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_bytes_in_any_form_parse_without_panic_and_accepted_fixes_are_in_range(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        as_json in any::<bool>(),
    ) {
        let content_type = as_json.then_some("application/json");
        if let Ok(report) = parse(content_type, None, &bytes) {
            in_range(&report)?;
        }
        if let Ok(query) = std::str::from_utf8(&bytes) {
            if let Ok(report) = parse(None, Some(query), b"") {
                in_range(&report)?;
            }
        }
    }

    #[test]
    fn query_strings_of_the_protocols_keys_parse_without_panic_and_accepted_fixes_are_in_range(
        query in query(),
    ) {
        if let Ok(report) = parse(None, Some(&query), b"") {
            in_range(&report)?;
        }
        if let Ok(report) = parse(Some("application/x-www-form-urlencoded"), None, query.as_bytes()) {
            in_range(&report)?;
        }
    }

    #[test]
    fn json_bodies_of_the_protocols_shape_parse_without_panic_and_accepted_fixes_are_in_range(
        body in json_body(),
    ) {
        if let Ok(report) = parse(Some("application/json"), None, body.as_bytes()) {
            in_range(&report)?;
        }
    }

    #[test]
    fn timestamps_parse_without_panic_in_every_form(
        raw in prop_oneof![
            any::<i64>().prop_map(|v| v.to_string()),
            "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2}| [0-9]{2}:[0-9]{2})?",
            "[ -~]{0,40}",
        ],
    ) {
        let _ = parse_timestamp(&raw);
    }
}
