//! The selected vehicle's history as it stood at the moment shown: newest first, paging back,
//! each row opening its moment on the map.

use leptos::prelude::*;
use uuid::Uuid;

use super::state::FleetState;
use super::time_format::{ago, coordinates, readings};
use crate::fleet::vehicle_events::until::{vehicle_history, HistoryCursor, HistoryEntry};

/// Rows a page: a screenful of the panel, and a few hours of a vehicle reporting every minute
/// or two.
const PAGE: i64 = 50;

#[component]
pub fn VehicleDetail() -> impl IntoView {
    let state = expect_context::<FleetState>();
    // The moment of the fleet shown (it changes when a fleet arrives, not at every step of the
    // slider); live: everything, again when the vehicle's position changes (not at every fix of
    // the fleet).
    let until = Memo::new(move |_| state.shown.with(|shown| shown.moment));
    let latest_fix = Memo::new(move |_| {
        let id = state.selected.get()?;
        state.shown.with(|shown| {
            shown
                .rows
                .iter()
                .find(|row| row.id == id)
                .and_then(|row| row.tracked_at)
        })
    });
    let first = Resource::new(
        move || (state.selected.get(), until.get(), latest_fix.get()),
        |(selected, until, _)| async move {
            match selected {
                Some(id) => vehicle_history(id, until, None, None, PAGE)
                    .await
                    .map(|page| Some((id, page))),
                None => Ok(None),
            }
        },
    );
    // Older pages asked for with "Older events", dropped when the first page changes.
    let older = RwSignal::new(Vec::<HistoryEntry>::new());
    let older_next = RwSignal::new(None::<Option<HistoryCursor>>);
    let loading_older = RwSignal::new(false);
    Effect::new(move |_| {
        first.track();
        older.set(Vec::new());
        older_next.set(None);
    });
    let load_older = move |id: Uuid, cursor: HistoryCursor| {
        loading_older.set(true);
        leptos::task::spawn_local(async move {
            let page = vehicle_history(
                id,
                until.get_untracked(),
                Some(cursor.at),
                Some(cursor.position),
                PAGE,
            )
            .await;
            if let Ok(page) = page {
                older.update(|older| older.extend(page.entries));
                older_next.set(Some(page.next_before));
            }
            loading_older.set(false);
        });
    };
    let plate = Memo::new(move |_| state.selected.get().map(|id| plate_of(&state, id)));
    // A new first page starts at the top of the list: after a click on an event, that event
    // (now the newest shown) is the first row seen, not the row scrolled to before.
    let events = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        first.track();
        if let Some(list) = events.get_untracked() {
            list.set_scroll_top(0);
        }
    });

    view! {
        <Transition fallback=|| ()>
            {move || {
                let Some(Ok(Some((id, page)))) = first.get() else { return ().into_any() };
                let next = move || older_next.get().unwrap_or(page.next_before);
                view! {
                    <section class="panel history" id="history" aria-labelledby="history-title">
                        <div class="panel-head">
                            <h2 id="history-title">"History of " {move || plate.get().unwrap_or_default()}</h2>
                            <button type="button" class="link" on:click=move |_| state.selected.set(None)>"Close"</button>
                        </div>
                        <p class="muted history-scope">
                            {move || match until.get() {
                                Some(moment) => format!("Up to {}, newest first. Choose an event to see the fleet then.", state.time(moment)),
                                None => "Newest first. Choose an event to see the fleet then.".to_string(),
                            }}
                        </p>
                        <ol class="events" node_ref=events>
                            {page.entries.into_iter().map(|entry| event_row(state, entry)).collect_view()}
                            {move || older.get().into_iter().map(|entry| event_row(state, entry)).collect_view()}
                        </ol>
                        {move || next().map(|cursor| view! {
                            <button
                                type="button"
                                class="secondary older"
                                disabled=move || loading_older.get()
                                on:click=move |_| load_older(id, cursor)
                            >
                                "Older events"
                            </button>
                        })}
                    </section>
                }
                .into_any()
            }}
        </Transition>
    }
}

/// "Position 52.52710, 13.44540 · 82 km/h" with the event's name beneath and its time.
fn event_row(state: FleetState, entry: HistoryEntry) -> impl IntoView {
    let (summary, details) = describe(&entry);
    let at = entry.at;
    let event_type = entry.event.event_type.clone();
    let recorded = entry.event.recorded_at;
    view! {
        <li class="event">
            <button
                type="button"
                class="event-open"
                title="Show the fleet at this moment"
                on:click=move |_| state.at.set(Some(at))
            >
                <span class="detail">{summary}</span>
                <span class="readings">{details}</span>
                <span class="when">
                    <time datetime=at.to_rfc3339()>{move || state.time(at)}</time>
                    {move || format!(" · {}", ago(at, state.moment()))}
                </span>
                <span class="type" title=move || format!("recorded {}", state.time(recorded))>{event_type}</span>
            </button>
        </li>
    }
}

/// What happened, as people say it, and the readings that came with it.
fn describe(entry: &HistoryEntry) -> (String, String) {
    let payload = &entry.event.payload;
    // Who did it, for the changes people make: "by dana@example.com".
    let by = || {
        entry
            .event
            .caused_by
            .as_ref()
            .map(|caused| format!("by {}", caused.describe()))
            .unwrap_or_default()
    };
    match entry.event.event_type.as_str() {
        "LocationTracked" => {
            let place = match (payload["latitude"].as_f64(), payload["longitude"].as_f64()) {
                (Some(lat), Some(lon)) => coordinates(lat, lon),
                _ => "unknown".into(),
            };
            let details = [
                readings(
                    payload["speedMps"].as_f64(),
                    payload["heading"].as_f64(),
                    payload["batteryPercent"].as_f64(),
                ),
                payload["altitude"]
                    .as_f64()
                    .map(|m| format!("altitude {m:.0} m"))
                    .unwrap_or_default(),
                payload["accuracy"]
                    .as_f64()
                    .map(|m| format!("±{m:.0} m"))
                    .unwrap_or_default(),
            ]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
            (format!("Position {place}"), details)
        }
        "VehicleRegistered" => (
            format!(
                "Registered as {}",
                payload["vehicleLicensePlate"].as_str().unwrap_or_default()
            ),
            by(),
        ),
        // A viewer is not shown device ids.
        "DeviceAssigned" => (
            match payload["deviceId"].as_str() {
                Some(device) => format!("GPS device {device} assigned"),
                None => "GPS device assigned".into(),
            },
            by(),
        ),
        "DeviceUnassigned" => (
            match payload["deviceId"].as_str() {
                Some(device) => format!("GPS device {device} unassigned"),
                None => "GPS device unassigned".into(),
            },
            by(),
        ),
        "VehiclePlacedInGroup" => ("Placed in a vehicle group".into(), by()),
        other => (other.to_string(), String::new()),
    }
}

fn plate_of(state: &FleetState, id: Uuid) -> String {
    state.shown.with(|shown| {
        shown
            .rows
            .iter()
            .find(|row| row.id == id)
            .map(|row| row.plate.clone())
            .unwrap_or_default()
    })
}
