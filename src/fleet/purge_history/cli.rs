//! `fleetline history purge --before DATE`: prints what went, or that nothing was old enough.

use chrono::{DateTime, NaiveDate, Utc};
use event_store::EventStore;

use crate::fleet::access::CausedBy;

/// `before`: a day (`2026-11-01`, midnight UTC) or an RFC 3339 moment.
pub fn parse_before(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.to_utc())
        .map_err(|_| format!("`{text}` is neither a day (2026-11-01) nor an RFC 3339 moment"))
}

pub async fn run(store: &EventStore, before: DateTime<Utc>) -> anyhow::Result<()> {
    match super::purge(store, before, &CausedBy::cli())
        .await
        .map_err(|error| anyhow::anyhow!("{}", error.message))?
    {
        Some(purged) => eprintln!(
            "purged the fixes tracked before {}: {} fixes in {} weeks; the fleet at earlier moments comes from the keyframes (to the minute)",
            purged.before.format("%Y-%m-%d %H:%M UTC"),
            purged.fixes,
            purged.weeks.len()
        ),
        None => eprintln!(
            "nothing to purge: no whole week of fixes ends before {}",
            before.format("%Y-%m-%d %H:%M UTC")
        ),
    }
    Ok(())
}
