//! Where there was activity: the fixes per time bucket, drawn as bars under the slider, so a
//! fleet manager scrubbing a month sees the busy days and the quiet nights before moving.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

use crate::fleet::fleet_activity::{get_fleet_activity, minute_start, Activity};

/// Bars across the slider: about one per 8 pixels of a desktop timeline.
const BUCKETS: u32 = 120;
/// The drawing's width in its own units (it is stretched to the slider's width).
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 100.0;
/// A bucket with any fix is drawn at least this high, so one fix among thousands still shows.
const LEAST_BAR: f64 = 4.0;

fn ceil_minute(time: DateTime<Utc>) -> DateTime<Utc> {
    let floor = minute_start(time);
    if floor == time {
        floor
    } else {
        floor + Duration::minutes(1)
    }
}

/// The bars of `activity`, in seconds from its start and fractions of the height.
fn bars(activity: &Activity) -> Vec<(f64, f64, f64)> {
    let most = activity.fixes.iter().copied().max().unwrap_or(0).max(1) as f64;
    activity
        .fixes
        .iter()
        .enumerate()
        .filter(|(_, fixes)| **fixes > 0)
        .map(|(index, fixes)| {
            let x = (activity.bucket_seconds * index as i64) as f64;
            let height = (*fixes as f64 / most * HEIGHT).max(LEAST_BAR);
            (x, activity.bucket_seconds as f64, height)
        })
        .collect()
}

/// What the bars say, for screen readers (and the end-to-end tests).
/// What a fleet manager must know when the range reaches back before a purge: the fleet there is
/// shown to the minute, from keyframes, and no vehicle's fixes between.
fn coarse_note(activity: &Activity, left: DateTime<Utc>) -> Option<String> {
    let before = activity.purged_before.filter(|before| *before > left)?;
    Some(format!(
        "Fixes before {} were purged: before then the fleet is shown to the minute.",
        super::time_format::local(before)
    ))
}

fn summary(activity: &Activity) -> String {
    let total: i64 = activity.fixes.iter().sum();
    let busiest = activity.fixes.iter().copied().max().unwrap_or(0);
    let minutes = activity.bucket_seconds / 60;
    format!("Activity: {total} fixes in this range, at most {busiest} in {minutes} minutes")
}

/// `left` and `right` are the slider's ends. The counts are asked for again when the range
/// moves by a minute (a range that ends now moves every second), and drawn where they belong on
/// the slider as it moves in between.
#[component]
pub fn ActivityStrip(left: Signal<DateTime<Utc>>, right: Signal<DateTime<Utc>>) -> impl IntoView {
    let asked = Memo::new(move |_| (minute_start(left.get()), ceil_minute(right.get())));
    let activity = LocalResource::new(move || {
        let (from, to) = asked.get();
        get_fleet_activity(from, to, BUCKETS)
    });
    let loaded = move || activity.get().and_then(Result::ok);
    // From the activity's own time axis to the slider's: scale(units per second) after moving
    // the activity's start to where it is from the slider's left end.
    let placement = move || {
        let Some(activity) = loaded() else {
            return String::new();
        };
        let (left, right) = (left.get(), right.get());
        let seconds = ((right - left).num_milliseconds() as f64 / 1000.0).max(1.0);
        let offset = (activity.from - left).num_milliseconds() as f64 / 1000.0;
        format!("scale({} 1) translate({offset} 0)", WIDTH / seconds)
    };
    view! {
        <svg
            class="activity"
            role="img"
            aria-label=move || loaded().map(|a| summary(&a)).unwrap_or_else(|| "Activity: loading".into())
            data-from=move || loaded().map(|a| a.from.to_rfc3339())
            data-to=move || loaded().map(|a| a.to.to_rfc3339())
            viewBox=format!("0 0 {WIDTH} {HEIGHT}")
            preserveAspectRatio="none"
        >
            <g transform=placement>
                {move || {
                    loaded()
                        .map(|activity| {
                            bars(&activity)
                                .into_iter()
                                .map(|(x, width, height)| {
                                    view! {
                                        <rect
                                            x=x.to_string()
                                            y=(HEIGHT - height).to_string()
                                            width=width.to_string()
                                            height=height.to_string()
                                        />
                                    }
                                })
                                .collect_view()
                        })
                }}
            </g>
        </svg>
        {move || {
            loaded()
                .and_then(|activity| coarse_note(&activity, left.get()))
                .map(|note| view! { <p class="coarse-note" role="note">{note}</p> })
        }}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn bars_stand_where_their_buckets_start_as_high_as_their_share_of_the_busiest() {
        let activity = Activity {
            from: Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap(),
            to: Utc.with_ymd_and_hms(2026, 12, 7, 1, 0, 0).unwrap(),
            bucket_seconds: 900,
            fixes: vec![200, 0, 1, 100],
            purged_before: None,
        };
        assert_eq!(
            bars(&activity),
            vec![
                (0.0, 900.0, 100.0),
                (1800.0, 900.0, LEAST_BAR),
                (2700.0, 900.0, 50.0)
            ]
        );
        assert_eq!(
            summary(&activity),
            "Activity: 301 fixes in this range, at most 200 in 15 minutes"
        );
    }

    #[test]
    fn a_range_reaching_back_before_a_purge_says_the_fleet_there_is_coarse() {
        let purged = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
        let activity = Activity {
            from: purged - Duration::days(3),
            to: purged + Duration::days(1),
            bucket_seconds: 3600,
            fixes: vec![0; 96],
            purged_before: Some(purged),
        };
        let note = coarse_note(&activity, purged - Duration::days(3)).unwrap();
        assert!(note.starts_with("Fixes before "), "{note}");
        assert!(note.contains("to the minute"), "{note}");
        // A range wholly after the purge needs no note, nor does a fleet never purged
        assert_eq!(coarse_note(&activity, purged), None);
        let never = Activity {
            purged_before: None,
            ..activity
        };
        assert_eq!(coarse_note(&never, purged - Duration::days(3)), None);
    }
}
