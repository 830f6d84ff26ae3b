//! The moment in the address (`?at=`): read when the page opens, written as it changes, so a
//! moment can be bookmarked and shared.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::state::FleetState;

/// Keeps `?at=` in the address, so a moment can be bookmarked and shared. The moment is read on
/// the server too, so the first response and the hydrated page agree; one that cannot be read is
/// said on the page (and Live is shown).
pub fn sync_url(state: FleetState) {
    let query = leptos_router::hooks::use_query_map();
    if let Some(raw) = query.get_untracked().get("at") {
        match parse_bookmark(&raw) {
            Some(at) => state.at.set(Some(at)),
            None => state.bad_moment.set(Some(raw)),
        }
    }
    // At most one address change every URL_EVERY, the last one always: dragging the slider moves
    // the moment 60 times a second, and Chromium ignores history changes past about 20 a second
    // (the address would keep a moment from the middle of the drag).
    #[cfg(feature = "hydrate")]
    {
        let write =
            super::throttle::Throttle::new(URL_EVERY, move || write_url(state.at.get_untracked()));
        Effect::new(move |_| {
            state.at.track();
            write.call();
        });
    }
}

#[cfg(feature = "hydrate")]
const URL_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

#[cfg(feature = "hydrate")]
fn write_url(at: Option<DateTime<Utc>>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let url = match at {
        Some(at) => format!(
            "?at={}",
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
        None => window.location().pathname().unwrap_or_else(|_| "/".into()),
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// A bookmarked moment: RFC 3339. A `+` typed unescaped into an address arrives as a space
/// (`?at=2026-12-01T14:00:00+01:00`), so a space before the offset stands for it.
pub fn parse_bookmark(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc3339(&raw.replacen(' ', "+", 1)))
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_bookmark_reads_rfc_3339_with_its_plus_escaped_or_not() {
        let two_pm_in_berlin = Utc.with_ymd_and_hms(2026, 12, 1, 13, 0, 0).unwrap();
        for raw in [
            "2026-12-01T14:00:00+01:00",
            "2026-12-01T14:00:00 01:00",
            "2026-12-01T13:00:00Z",
            "2026-12-01T13:00:00.000Z",
        ] {
            assert_eq!(parse_bookmark(raw), Some(two_pm_in_berlin), "{raw}");
        }
        for raw in ["yesterday", "", "2026-12-01", "2026-12-01T14:00:00 01:00 x"] {
            assert_eq!(parse_bookmark(raw), None, "{raw}");
        }
    }
}
