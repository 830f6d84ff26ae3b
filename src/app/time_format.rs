//! How times and places read on the page.

use chrono::{DateTime, Utc};

/// "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago".
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0);
    match seconds {
        0..=4 => "just now".into(),
        5..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86399 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86400),
    }
}

pub fn utc(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// In the browser's time zone, with the zone's short name ("1 Dec 2026, 15:00:00 CET"); the
/// server, which does not know it, writes UTC.
pub fn local(time: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        // One formatter for the page: `toLocaleString` with options builds a new one at every
        // call, and the timeline writes a time at every input of a drag (60 a second).
        thread_local! {
            static FORMAT: js_sys::Function = {
                let options = js_sys::Object::new();
                for (key, value) in [
                    ("year", "numeric"),
                    ("month", "short"),
                    ("day", "numeric"),
                    ("hour", "2-digit"),
                    ("minute", "2-digit"),
                    ("second", "2-digit"),
                    ("timeZoneName", "short"),
                ] {
                    let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
                }
                js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format()
            };
        }
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            time.timestamp_millis() as f64
        ));
        FORMAT.with(|format| {
            format
                .call1(&wasm_bindgen::JsValue::UNDEFINED, &date)
                .ok()
                .and_then(|text| text.as_string())
                .unwrap_or_else(|| utc(time))
        })
    }
    #[cfg(not(feature = "hydrate"))]
    {
        utc(time)
    }
}

/// The browser's time zone's name ("Europe/Berlin"); "UTC" on the server.
pub fn zone_name() -> String {
    #[cfg(feature = "hydrate")]
    {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|zone| zone.as_string())
            .unwrap_or_else(|| "local time".into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "UTC".into()
    }
}

/// Minutes the browser's zone is ahead of UTC at `time` (0 on the server).
fn zone_offset_minutes(time: DateTime<Utc>) -> i64 {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            time.timestamp_millis() as f64
        ));
        -(date.get_timezone_offset() as i64)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = time;
        0
    }
}

/// A moment as a `datetime-local` field's value, in UTC or the browser's zone.
pub fn field_value(time: DateTime<Utc>, in_utc: bool) -> String {
    let shift = if in_utc { 0 } else { zone_offset_minutes(time) };
    (time + chrono::Duration::minutes(shift))
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// A `datetime-local` field's value (seconds optional) read in UTC or the browser's zone.
pub fn parse_field(value: &str, in_utc: bool) -> Option<DateTime<Utc>> {
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M"))
        .ok()?
        .and_utc();
    if in_utc {
        return Some(naive);
    }
    // The wall-clock time minus the zone's offset then (the offset at the wall-clock time read
    // as UTC is right but within an hour of a change of summer time).
    Some(naive - chrono::Duration::minutes(zone_offset_minutes(naive)))
}

/// A device's readings as a person reads them: "36 km/h · 90° · battery 87%"; empty when none.
pub fn readings(
    speed_mps: Option<f64>,
    heading: Option<f64>,
    battery_percent: Option<f64>,
) -> String {
    [
        speed_mps.map(|mps| format!("{:.0} km/h", mps * 3.6)),
        heading.map(|degrees| format!("{degrees:.0}°")),
        battery_percent.map(|percent| format!("battery {percent:.0}%")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

pub fn coordinates(latitude: f64, longitude: f64) -> String {
    format!("{latitude:.5}, {longitude:.5}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn says_how_long_ago_in_the_largest_unit() {
        let now = Utc::now();
        assert_eq!(ago(now, now), "just now");
        assert_eq!(ago(now - Duration::seconds(42), now), "42 s ago");
        assert_eq!(ago(now - Duration::minutes(5), now), "5 min ago");
        assert_eq!(ago(now - Duration::hours(3), now), "3 h ago");
        assert_eq!(ago(now - Duration::days(2), now), "2 d ago");
        assert_eq!(coordinates(52.52, 13.405), "52.52000, 13.40500");
        assert_eq!(
            readings(Some(10.0), Some(90.0), Some(87.0)),
            "36 km/h · 90° · battery 87%"
        );
        assert_eq!(readings(None, None, None), "");
    }

    #[test]
    fn a_date_and_time_field_reads_and_writes_utc_on_the_server() {
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 13, 5, 9).unwrap();
        assert_eq!(field_value(at, true), "2026-12-01T13:05:09");
        assert_eq!(parse_field("2026-12-01T13:05:09", true), Some(at));
        assert_eq!(
            parse_field("2026-12-01T13:05", true),
            Some(at - chrono::Duration::seconds(9))
        );
        assert_eq!(parse_field("", true), None);
        assert_eq!(parse_field("yesterday", false), None);
    }
}
