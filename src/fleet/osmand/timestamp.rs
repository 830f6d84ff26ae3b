//! A device fix's time, in every form the clients send it.

use chrono::{DateTime, NaiveDateTime, Utc};

/// Integer timestamps below this are seconds, from it milliseconds (as Traccar reads them).
const SECONDS_BELOW: i64 = 2_147_483_647;

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
