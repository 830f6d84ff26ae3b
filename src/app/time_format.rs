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

/// In the browser's time zone; the server, which does not know it, writes UTC.
pub fn local(time: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            time.timestamp_millis() as f64
        ));
        String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
    }
    #[cfg(not(feature = "hydrate"))]
    {
        utc(time)
    }
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
}
