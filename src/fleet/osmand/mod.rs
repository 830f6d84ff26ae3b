//! The OsmAnd protocol, as Traccar Client and other tracker apps speak it: a GPS fix per HTTP
//! request, to the server's root.
//!
//! - If `Content-Type` starts with `application/json`, the body is JSON (current Traccar Client):
//!   `{"device_id":"…","location":{"timestamp":"…Z","coords":{"latitude":…,"longitude":…,
//!   "speed":<m/s>,"heading":…,"altitude":…,"accuracy":…},"battery":{"level":0..1,
//!   "is_charging":…},"is_moving":…,"odometer":…,"event":…,"activity":{"type":…},"extras":{}}}`
//!   (`location` may also be an array of such locations). Negative speed or heading means
//!   unknown.
//! - Otherwise the parameters come from the query string, or, when the URI has none, from a
//!   url-encoded body (the old Android client, OsmAnd, most trackers):
//!   `id`/`deviceid`, `timestamp`, `lat`+`lon` or `location=lat,lon`, `speed` (knots),
//!   `bearing`/`heading`, `altitude`, `accuracy`, `hdop`, `batt` (%), `charge`, `valid`; any
//!   other key is kept as an attribute.
//!
//! `timestamp` is an integer (seconds below 2147483647, milliseconds from there), ISO 8601 with
//! a zone, `yyyy-MM-dd HH:mm:ss` (taken as UTC: the server's zone is UTC by convention), or absent
//! (the time the server received the fix).
//!
//! Success is `200` with an empty body, and so is an unknown device (whose fixes are not stored,
//! only counted: see `unknown_devices`); bad input is `400` with a plain-text reason, and nothing
//! is stored. A fix sent again (same device, time and coordinates) is stored once: its event id
//! is derived from those (see [`fix_id`]).
//!
//! The parts: `report` (what a request reports, and the checks), `params` (the query-string
//! form), `json_form` (the JSON form), `timestamp`, `record` (the use case), `http` (the thin
//! handler and its routes).

pub mod http;
mod json_form;
mod params;
#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod property_tests;
mod record;
mod report;
#[cfg(test)]
mod tests;
mod timestamp;
pub mod unknown_devices;

pub use json_form::parse_json;
pub use params::parse_params;
pub use record::{fix_id, record};
pub use report::{DeviceFix, Form, OsmandError, OsmandStats, Report};
pub use timestamp::parse_timestamp;

use report::bad;

/// Largest body (and query string) accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// Most fixes in one JSON request (`"location": [...]`).
pub const MAX_FIXES: usize = 1000;
/// One knot in metres per second.
pub const KNOT_MPS: f64 = 1852.0 / 3600.0;

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
