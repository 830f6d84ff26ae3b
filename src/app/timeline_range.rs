//! The timeline's range: the whole history, the last hour, day, week or 30 days, or a custom
//! range typed into two date-and-time fields. A month on a slider 1,000 pixels wide is 43
//! minutes a pixel; the last hour is 3.6 seconds.

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

use super::state::FleetState;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Span {
    #[default]
    All,
    Hour,
    Day,
    Week,
    Month,
    Custom,
}

impl Span {
    pub const CHOICES: [Span; 6] = [
        Span::All,
        Span::Hour,
        Span::Day,
        Span::Week,
        Span::Month,
        Span::Custom,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Span::All => "all",
            Span::Hour => "hour",
            Span::Day => "day",
            Span::Week => "week",
            Span::Month => "month",
            Span::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Span::All => "All history",
            Span::Hour => "Last hour",
            Span::Day => "Last day",
            Span::Week => "Last week",
            Span::Month => "Last 30 days",
            Span::Custom => "Custom range",
        }
    }

    pub fn parse(key: &str) -> Option<Span> {
        Self::CHOICES.into_iter().find(|span| span.key() == key)
    }

    /// How far back from now a span that ends now reaches.
    fn length(self) -> Option<Duration> {
        match self {
            Span::Hour => Some(Duration::hours(1)),
            Span::Day => Some(Duration::days(1)),
            Span::Week => Some(Duration::weeks(1)),
            Span::Month => Some(Duration::days(30)),
            Span::All | Span::Custom => None,
        }
    }
}

/// The range chosen; a custom range's ends as typed (`None`: the first event, now).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Range {
    pub span: Span,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl Range {
    /// The slider's ends, given the first event, the clock and the moment shown. The moment shown
    /// is always on the slider: a bookmark older than the range widens it.
    pub fn ends(
        &self,
        first: DateTime<Utc>,
        now: DateTime<Utc>,
        shown: DateTime<Utc>,
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let (left, right) = match (self.span, self.span.length()) {
            (_, Some(length)) => (now - length, now),
            (Span::Custom, None) => (self.from.unwrap_or(first), self.to.unwrap_or(now).min(now)),
            _ => (first, now),
        };
        let left = left.min(shown);
        (left, right.max(shown).max(left + Duration::seconds(1)))
    }
}

/// The range's menu, and for a custom range its two fields (in the zone the page shows times
/// in). A custom range starts as the range shown when it is chosen.
#[component]
pub fn RangePicker(
    range: RwSignal<Range>,
    /// The slider's ends now.
    ends: Signal<(DateTime<Utc>, DateTime<Utc>)>,
) -> impl IntoView {
    let state = expect_context::<FleetState>();
    let problem = RwSignal::new(None::<&'static str>);
    let in_utc = move || !state.hydrated.get() || state.utc.get();
    let choose = move |ev: leptos::ev::Event| {
        let Some(span) = Span::parse(&event_target_value(&ev)) else {
            return;
        };
        let (left, right) = ends.get_untracked();
        problem.set(None);
        range.set(Range {
            span,
            from: Some(left),
            to: Some(right),
        });
    };
    // A field typed in: applied when it reads as a moment and the range stays forwards.
    let set_end = move |ev: leptos::ev::Event, is_from: bool| {
        let Some(time) = super::time_format::parse_field(&event_target_value(&ev), in_utc()) else {
            problem.set(Some("Type a date and time."));
            return;
        };
        let mut next = range.get_untracked();
        if is_from {
            next.from = Some(time);
        } else {
            next.to = Some(time);
        }
        match (next.from, next.to) {
            (Some(from), Some(to)) if from >= to => {
                problem.set(Some("The range must start before it ends."))
            }
            _ => {
                problem.set(None);
                range.set(next);
                // A range in the past is replayed: the moment shown (now, when Live) moves to its
                // end, or the slider would stretch to reach it.
                let now = state.now.get_untracked();
                let shown = state.at.get_untracked().unwrap_or(now);
                let (from, to) = (next.from.unwrap_or(shown), next.to.unwrap_or(now).min(now));
                if shown < from || shown > to {
                    state.at.set(Some(to));
                }
            }
        }
    };
    // The field of one end of a custom range: shows the slider's end, sets the range's.
    let end_field = move |is_from: bool| {
        let (text, label) = if is_from {
            ("From", "Range from")
        } else {
            ("To", "Range to")
        };
        let value = move || {
            let (left, right) = ends.get();
            super::time_format::field_value(if is_from { left } else { right }, in_utc())
        };
        view! {
            <label class="range-end">
                <span>{text}</span>
                <input
                    type="datetime-local"
                    step="1"
                    aria-label=label
                    prop:value=value
                    on:change=move |ev| set_end(ev, is_from)
                />
            </label>
        }
    };
    view! {
        <select class="span" aria-label="Timeline range" on:change=choose>
            {Span::CHOICES
                .iter()
                .map(|span| {
                    let span = *span;
                    view! {
                        <option value=span.key() selected=move || range.with(|r| r.span == span)>
                            {span.label()}
                        </option>
                    }
                })
                .collect_view()}
        </select>
        <Show when=move || range.with(|r| r.span == Span::Custom)>
            {end_field(true)}
            {end_field(false)}
        </Show>
        <span class="range-problem" role="alert">{move || problem.get()}</span>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
    }

    #[test]
    fn a_span_ending_now_reaches_back_its_length_from_now() {
        let first = now() - Duration::days(90);
        let day = Range {
            span: Span::Day,
            ..Range::default()
        };
        assert_eq!(
            day.ends(first, now(), now()),
            (now() - Duration::days(1), now())
        );
        let all = Range::default();
        assert_eq!(all.ends(first, now(), now()), (first, now()));
    }

    #[test]
    fn a_bookmark_outside_the_range_widens_it_to_reach_the_moment() {
        let first = now() - Duration::days(90);
        let bookmark = now() - Duration::days(10);
        let hour = Range {
            span: Span::Hour,
            ..Range::default()
        };
        assert_eq!(hour.ends(first, now(), bookmark), (bookmark, now()));
    }

    #[test]
    fn a_custom_range_is_its_ends_never_past_now() {
        let first = now() - Duration::days(90);
        let (from, to) = (now() - Duration::days(20), now() - Duration::days(19));
        let custom = Range {
            span: Span::Custom,
            from: Some(from),
            to: Some(to),
        };
        assert_eq!(custom.ends(first, now(), from), (from, to));
        let future = Range {
            to: Some(now() + Duration::days(2)),
            ..custom
        };
        assert_eq!(future.ends(first, now(), now()), (from, now()));
    }

    #[test]
    fn every_span_reads_back_from_its_key() {
        for span in Span::CHOICES {
            assert_eq!(Span::parse(span.key()), Some(span));
        }
        assert_eq!(Span::parse("year"), None);
    }
}
