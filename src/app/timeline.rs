//! The timeline: a slider over a range (the whole history, the last hour to 30 days, or a custom
//! range) that replays the fleet to any moment, with the activity drawn under it, play/pause at
//! several speeds, keyboard steps and a field to jump to an exact moment. Its right end is Live
//! (but for a custom range that ends before now).

use chrono::{DateTime, Duration, Utc};
use leptos::prelude::*;

use super::activity_strip::ActivityStrip;
use super::state::FleetState;
use super::timeline_range::{Range, RangePicker};
use crate::fleet::fleet_at::get_timeline_start;

pub const SPEEDS: [u32; 4] = [1, 10, 60, 600];
/// How often playback advances the clock.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const TICK_MS: i64 = 100;
/// The slider moves in steps of a second: a thumb within one step of its right end is Live
/// (the browser may not let it reach `max` exactly, and `max` moves on every second).
const STEP_MS: i64 = 1000;
/// ▶ pressed while Live plays the last hour: the first event may be months back.
const PLAY_FROM_LIVE: Duration = Duration::hours(1);

fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

fn from_millis(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

#[component]
pub fn Timeline() -> impl IntoView {
    let state = expect_context::<FleetState>();
    // Fetched by the browser (the server renders the last hour), again when a vehicle joins.
    let start = LocalResource::new(move || {
        state.live.with(|live| live.as_ref().map(Vec::len));
        get_timeline_start()
    });
    let playing = RwSignal::new(false);
    let speed = RwSignal::new(60u32);

    let shown = move || state.at.get().unwrap_or_else(|| state.now.get());
    let range = RwSignal::new(Range::default());
    // The slider's ends, from the range chosen (the first event is not known to the server: it
    // renders the last hour). A memo: a drag moves the moment 60 times a second, the ends not.
    let ends = Memo::new(move |_| {
        let now = state.now.get();
        let first = start
            .get()
            .and_then(Result::ok)
            .flatten()
            .unwrap_or_else(|| now - Duration::hours(1));
        range.get().ends(first, now, shown())
    });
    let left = Signal::derive(move || ends.get().0);
    let right = Signal::derive(move || ends.get().1);
    // Moving to now (or within a step of it) is live mode.
    let go_to = move |time: DateTime<Utc>| {
        let now = state.now.get_untracked();
        state
            .at
            .set(if time > now - Duration::milliseconds(STEP_MS) {
                None
            } else {
                Some(time.max(first_untracked(start, now)))
            });
    };
    let go_live = move || {
        playing.set(false);
        state.at.set(None);
    };
    let toggle_play = move |_| {
        if !playing.get_untracked() && state.at.get_untracked().is_none() {
            let now = state.now.get_untracked();
            state
                .at
                .set(Some(first_untracked(start, now).max(now - PLAY_FROM_LIVE)));
        }
        playing.update(|p| *p = !*p);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let step = if ev.shift_key() {
            Duration::hours(1)
        } else {
            Duration::minutes(1)
        };
        let direction = match ev.key().as_str() {
            "ArrowLeft" | "ArrowDown" => -1,
            "ArrowRight" | "ArrowUp" => 1,
            // The right end: Live, or the end of a custom range in the past.
            "End" => {
                ev.prevent_default();
                playing.set(false);
                go_to(ends.get_untracked().1);
                return;
            }
            "Home" => {
                ev.prevent_default();
                playing.set(false);
                go_to(ends.get_untracked().0);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        playing.set(false);
        go_to(shown() + step * direction);
    };
    // The exact moment typed into the date-and-time field, in the zone the page shows.
    let jump = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let utc = !state.hydrated.get_untracked() || state.utc.get_untracked();
        if let Some(time) = super::time_format::parse_field(&value, utc) {
            playing.set(false);
            go_to(time);
        }
    };

    #[cfg(feature = "hydrate")]
    {
        let _ = set_interval_with_handle(
            move || {
                if !playing.get_untracked() {
                    return;
                }
                if let Some(at) = state.at.get_untracked() {
                    let next =
                        at + Duration::milliseconds(TICK_MS * i64::from(speed.get_untracked()));
                    if next >= state.now.get_untracked() {
                        playing.set(false);
                    }
                    go_to(next);
                }
            },
            std::time::Duration::from_millis(TICK_MS as u64),
        );
    }

    view! {
        <section class="timeline" id="timeline" aria-label="Timeline" tabindex="-1">
            <div class="timeline-controls">
                <button
                    type="button"
                    class="live-button"
                    class:active=move || state.at.get().is_none()
                    aria-pressed=move || state.at.get().is_none().to_string()
                    on:click=move |_| go_live()
                >
                    "Live"
                </button>
                <button
                    type="button"
                    class="play-button"
                    aria-label=move || if playing.get() { "Pause" } else { "Play" }
                    on:click=toggle_play
                >
                    {move || if playing.get() { "❚❚" } else { "▶" }}
                </button>
                <select
                    class="speed"
                    aria-label="Playback speed"
                    on:change=move |ev| {
                        if let Ok(value) = event_target_value(&ev).parse() {
                            speed.set(value);
                        }
                    }
                >
                    {SPEEDS
                        .iter()
                        .map(|s| view! { <option value=s.to_string() selected=*s == 60>{format!("{s}×")}</option> })
                        .collect_view()}
                </select>
                <RangePicker range=range ends=ends.into()/>
                <label class="jump">
                    <span>"Go to"</span>
                    <input
                        type="datetime-local"
                        step="1"
                        aria-label="Go to date and time"
                        // The moment of the fleet drawn (it changes when a fleet arrives, not at
                        // every input of a drag); empty while Live: now moves every second and
                        // would undo what is typed.
                        prop:value=move || {
                            let utc = !state.hydrated.get() || state.utc.get();
                            state
                                .shown
                                .with(|shown| shown.moment)
                                .map(|moment| super::time_format::field_value(moment, utc))
                                .unwrap_or_default()
                        }
                        on:change=jump
                    />
                </label>
                <div class="moment" aria-live="polite">
                    <span class="mode">{move || if state.at.get().is_some() { "Replay" } else { "Live" }}</span>
                    <time class="local" datetime=move || shown().to_rfc3339()>
                        {move || state.time(shown())}
                    </time>
                </div>
            </div>
            <p class="timeline-error" role="alert">{move || state.replay_error.get()}</p>
            <input
                type="range"
                class="slider"
                aria-label="Time"
                // Steps of a millisecond: a moment bookmarked or typed in stays exact (steps of a
                // second would round it to one counted from the first event), and a drag gives
                // whole milliseconds (with "any" it gives fractions); the keys step by themselves.
                step="1"
                min=move || millis(left.get()).to_string()
                max=move || millis(right.get()).to_string()
                prop:value=move || millis(shown()).to_string()
                aria-valuetext=move || {
                    let moment = state.time(shown());
                    if state.at.get().is_some() { format!("Replay, {moment}") } else { format!("Live, {moment}") }
                }
                on:input=move |ev| {
                    // Read as a number, whatever form the browser writes it in.
                    if let Ok(value) = event_target_value(&ev).parse::<f64>() {
                        playing.set(false);
                        go_to(from_millis(value.round() as i64));
                    }
                }
                on:keydown=on_key
            />
            <ActivityStrip left=left right=right/>
        </section>
    }
    .into_any()
}

fn first_untracked(
    start: LocalResource<Result<Option<DateTime<Utc>>, crate::error::AppError>>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    start
        .get_untracked()
        .and_then(Result::ok)
        .flatten()
        .unwrap_or(now - Duration::hours(1))
}

/// Loads the fleet for each moment chosen. Up to `IN_FLIGHT` requests are out at once, each
/// asking for the latest moment wanted when it is sent, so that the server answers one while the
/// browser draws the last (one at a time, the map waited for both in turn). Every answer newer
/// than the fleet shown is shown, even when the thumb has moved on since it was asked (its fleet is
/// still the newest the map can have): dropping those would leave the map still for as long as
/// the thumb moves.
pub fn follow_moment(state: FleetState) {
    #[cfg(feature = "hydrate")]
    {
        use std::{cell::Cell, rc::Rc};

        const IN_FLIGHT: u32 = 2;
        let wanted: Rc<Cell<Option<DateTime<Utc>>>> = Rc::default();
        let in_flight: Rc<Cell<u32>> = Rc::default();
        // Requests numbered in the order sent; the number of the answer shown.
        let (sent, shown): (Rc<Cell<u64>>, Rc<Cell<u64>>) = Default::default();
        Effect::new(move |_| {
            let Some(at) = state.at.get() else {
                state.past.set(None);
                state.replay_error.set(None);
                return;
            };
            wanted.set(Some(at));
            if in_flight.get() >= IN_FLIGHT {
                return;
            }
            in_flight.set(in_flight.get() + 1);
            let (wanted, in_flight, sent, shown) = (
                wanted.clone(),
                in_flight.clone(),
                sent.clone(),
                shown.clone(),
            );
            leptos::task::spawn_local(async move {
                while let Some(at) = wanted.take() {
                    let number = sent.get() + 1;
                    sent.set(number);
                    let fleet = crate::fleet::fleet_at::get_fleet_at(at).await;
                    // Live mode is back, or a later request was answered first: drop this answer.
                    if state.at.get_untracked().is_some() && number > shown.get() {
                        match fleet {
                            Ok(fleet) => {
                                shown.set(number);
                                state.replay_error.set(None);
                                state.past.set(Some((at, fleet)));
                            }
                            Err(error) => state.replay_error.set(Some(format!(
                                "The fleet at that moment could not be loaded ({error}). The map still shows the last one loaded; move the slider again to retry."
                            ))),
                        }
                    }
                }
                in_flight.set(in_flight.get() - 1);
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}
