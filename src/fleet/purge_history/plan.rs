//! The decision of PurgeHistory, pure: up to which moment history goes.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::error::AppError;
use crate::fleet::retention::{week_of, KEPT_AT_LEAST};

/// History is stored, and removed, in weeks from Monday 00:00 UTC.
pub const WEEK: Duration = Duration::days(7);

/// The moment before which history goes when `before` is asked at `now`: the Monday (00:00 UTC)
/// of `before`'s week, since only whole weeks are removed and none after `before`. Refused when
/// `before` is within the last day ([`KEPT_AT_LEAST`]).
pub fn horizon(before: DateTime<Utc>, now: DateTime<Utc>) -> Result<DateTime<Utc>, AppError> {
    if before > now - KEPT_AT_LEAST {
        return Err(AppError::unprocessable(
            "before",
            format!(
                "the last day of history is kept: `before` must be {} or earlier",
                (now - KEPT_AT_LEAST).format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    Ok(week_of(before))
}

/// The Monday a week's table is named after (`vehicle_positions_20261130`), if it is one.
pub fn week_of_table(table: &str, prefix: &str) -> Option<DateTime<Utc>> {
    let day = NaiveDate::parse_from_str(table.strip_prefix(prefix)?, "%Y%m%d").ok()?;
    Some(day.and_hms_opt(0, 0, 0)?.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    const NOW: &str = "2026-12-07T18:00:00Z";

    #[test]
    fn given_a_moment_in_a_week_when_purged_then_history_goes_up_to_that_weeks_monday() {
        for before in [
            "2026-11-30T00:00:00Z",
            "2026-12-03T12:00:00Z",
            "2026-12-06T17:59:59Z",
        ] {
            assert_eq!(
                horizon(at(before), at(NOW)).unwrap(),
                at("2026-11-30T00:00:00Z"),
                "{before}"
            );
        }
    }

    #[test]
    fn given_a_moment_within_the_last_day_when_purged_then_it_is_refused_naming_before() {
        let error = horizon(at("2026-12-07T00:00:00Z"), at(NOW)).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("before"));
        assert!(
            error.message.contains("2026-12-06 18:00 UTC"),
            "{}",
            error.message
        );
        // A day ago exactly is allowed.
        assert!(horizon(at("2026-12-06T18:00:00Z"), at(NOW)).is_ok());
    }

    #[test]
    fn week_tables_are_read_by_their_mondays() {
        assert_eq!(
            week_of_table("vehicle_positions_20261130", "vehicle_positions_"),
            Some(at("2026-11-30T00:00:00Z"))
        );
        assert_eq!(
            week_of_table("vehicle_positions_tracked_at", "vehicle_positions_"),
            None
        );
        assert_eq!(week_of_table("vehicles", "vehicle_positions_"), None);
    }
}
