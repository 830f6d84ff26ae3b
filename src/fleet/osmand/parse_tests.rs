//! Both forms and the timestamps, as the clients send them: plain functions, no database.

use chrono::TimeZone;
use serde_json::json;

use super::*;
use chrono::{DateTime, Utc};

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
