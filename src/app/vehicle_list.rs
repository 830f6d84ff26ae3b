//! The vehicle list beside the map, with a filter, and the selected vehicle's audit trail.

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use super::state::{FleetState, Row};
use super::time_format::{ago, coordinates, readings, utc};
use crate::fleet::vehicle_events::vehicle_events;

/// An item's changing texts, each a signal of its own: the list sets them when they change.
#[derive(Clone, Copy)]
struct ItemTexts {
    seen: RwSignal<String>,
    place: RwSignal<String>,
    position: RwSignal<Option<(f64, f64)>>,
}

fn seen_text(row: &Row, now: chrono::DateTime<chrono::Utc>) -> String {
    row.tracked_at
        .map(|at| ago(at, now))
        .unwrap_or_else(|| "never".into())
}

fn place_text(row: &Row) -> String {
    row.position()
        .map(|(lat, lon)| coordinates(lat, lon))
        .unwrap_or_else(|| "no position yet".into())
}

/// Sets a signal only when its value changes (a set always notifies).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|current| *current != value) {
        signal.set(value);
    }
}

#[component]
pub fn VehicleList() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let (filter, set_filter) = signal(String::new());
    let select = move |id: Uuid, position: Option<(f64, f64)>| {
        state.selected.set(Some(id));
        if let Some((latitude, longitude)) = position {
            super::map::focus(latitude, longitude);
        }
    };
    // While the timeline's slider is dragged, a fleet of another moment arrives many times a
    // second. The list is keyed by vehicle, and one effect writes each item's texts that changed
    // into that item's own signals. (Items reading the fleet themselves would each subscribe to
    // it, and a thousand subscribers re-subscribing cost the reactive graph O(n²) per fleet.)
    let ids = Memo::new(move |_| {
        let needle = filter.get().trim().to_uppercase();
        state.shown.with(|shown| {
            shown
                .rows
                .iter()
                .filter(|row| row.plate.contains(&needle))
                .map(|row| row.id)
                .collect::<Vec<Uuid>>()
        })
    });
    let empty = Memo::new(move |_| ids.with(Vec::is_empty));
    let items = StoredValue::new(HashMap::<Uuid, ItemTexts>::new());
    // The map shows every fleet the timeline's slider brings, 30 or more a second; the list
    // follows at most every LIST_EVERY, and always ends with the last fleet. (Rewriting a
    // thousand items' texts for every fleet took more of the browser's time than the map.)
    #[cfg(feature = "hydrate")]
    {
        const LIST_EVERY: std::time::Duration = std::time::Duration::from_millis(200);
        let write_texts = super::throttle::Throttle::new(LIST_EVERY, move || {
            let now = state.now.get_untracked();
            state.shown.with_untracked(|shown| {
                items.update_value(|items| {
                    for row in &shown.rows {
                        if let Some(texts) = items.get(&row.id) {
                            set_if_changed(texts.seen, seen_text(row, now));
                            set_if_changed(texts.place, place_text(row));
                            set_if_changed(texts.position, row.position());
                        }
                    }
                });
            });
        });
        Effect::new(move |_| {
            state.now.track();
            state.shown.track();
            write_texts.call();
        });
    }
    let item = move |id: Uuid| {
        let (plate, texts) = state.shown.with_untracked(|shown| {
            let row = shown.rows.iter().find(|row| row.id == id);
            let now = state.now.get_untracked();
            let texts = ItemTexts {
                seen: RwSignal::new(row.map(|row| seen_text(row, now)).unwrap_or_default()),
                place: RwSignal::new(row.map(place_text).unwrap_or_default()),
                position: RwSignal::new(row.and_then(Row::position)),
            };
            (row.map(|row| row.plate.clone()).unwrap_or_default(), texts)
        });
        items.update_value(|items| {
            items.insert(id, texts);
        });
        let selected = move || state.selected.get() == Some(id);
        view! {
            <li>
                <button
                    type="button"
                    class="vehicle"
                    class:selected=selected
                    data-vehicle-id=id.to_string()
                    aria-pressed=move || selected().to_string()
                    on:click=move |_| select(id, texts.position.get_untracked())
                >
                    <span class="plate">{plate}</span>
                    <span class="seen">{move || texts.seen.get()}</span>
                    <span class="coords">{move || texts.place.get()}</span>
                </button>
            </li>
        }
    };

    view! {
        <section class="panel vehicles" aria-labelledby="vehicles-title">
            <div class="panel-head">
                <h2 id="vehicles-title">"Vehicles"</h2>
                <input
                    type="search"
                    class="filter"
                    placeholder="Filter by plate"
                    aria-label="Filter vehicles by plate"
                    on:input=move |ev| set_filter.set(event_target_value(&ev))
                />
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading vehicles…"</p> }>
                {move || {
                    // Read here, so that the Transition (and the server's first response) waits
                    // for the fleet.
                    state.initial.with(|_| ());
                    if empty.get() {
                        return view! { <p class="muted empty">"No vehicles to show."</p> }.into_any();
                    }
                    view! {
                        <ul class="vehicle-list">
                            <For each=move || ids.get() key=|id| *id children=item/>
                        </ul>
                    }
                    .into_any()
                }}
            </Transition>
        </section>
        <VehicleDetail/>
    }
}

/// The selected vehicle's events, newest first.
#[component]
fn VehicleDetail() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let history = Resource::new(
        move || (state.selected.get(), state.changes.get()),
        |(selected, _)| async move {
            match selected {
                Some(id) => vehicle_events(id, 0, 1000)
                    .await
                    .map(|page| Some((id, page))),
                None => Ok(None),
            }
        },
    );
    // A memo: the fleet shown changes at every moment of the timeline, the plate does not.
    let plate = Memo::new(move |_| state.selected.get().map(|id| plate_of(&state, id)));
    view! {
        <Transition fallback=|| ()>
            {move || {
                let Some(Ok(Some((_, page)))) = history.get() else { return ().into_any() };
                let plate = plate.get().unwrap_or_default();
                view! {
                    <section class="panel history" aria-labelledby="history-title">
                        <div class="panel-head">
                            <h2 id="history-title">"History of " {plate}</h2>
                            <button type="button" class="link" on:click=move |_| state.selected.set(None)>"Close"</button>
                        </div>
                        <ol class="events">
                            {page.events.into_iter().rev().take(50).map(|event| {
                                let payload = &event.payload;
                                let detail = match (payload["latitude"].as_f64(), payload["longitude"].as_f64()) {
                                    (Some(lat), Some(lon)) => coordinates(lat, lon),
                                    _ => payload["vehicleLicensePlate"]
                                        .as_str()
                                        .or(payload["deviceId"].as_str().filter(|_| event.event_type == "DeviceAssigned"))
                                        .unwrap_or_default()
                                        .to_string(),
                                };
                                let readings = [
                                    readings(
                                        payload["speedMps"].as_f64(),
                                        payload["heading"].as_f64(),
                                        payload["batteryPercent"].as_f64(),
                                    ),
                                    payload["altitude"].as_f64().map(|m| format!("altitude {m:.0} m")).unwrap_or_default(),
                                    payload["accuracy"].as_f64().map(|m| format!("±{m:.0} m")).unwrap_or_default(),
                                ]
                                .into_iter()
                                .filter(|part| !part.is_empty())
                                .collect::<Vec<_>>()
                                .join(" · ");
                                let when = payload["trackedAt"]
                                    .as_str()
                                    .or(payload["registeredAt"].as_str())
                                    .or(payload["assignedAt"].as_str())
                                    .and_then(|raw| chrono::DateTime::parse_from_rfc3339(raw).ok())
                                    .map(|at| utc(at.with_timezone(&chrono::Utc)))
                                    .unwrap_or_default();
                                view! {
                                    <li class="event">
                                        <span class="type">{event.event_type}</span>
                                        <span class="detail">{detail}</span>
                                        <span class="readings">{readings}</span>
                                        <span class="when" title=format!("recorded {}", utc(event.recorded_at))>{when}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                    </section>
                }
                .into_any()
            }}
        </Transition>
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
