//! The vehicle list beside the map, with a filter, and the selected vehicle's audit trail.

use leptos::prelude::*;
use uuid::Uuid;

use super::state::{FleetState, Row};
use super::time_format::{ago, coordinates, readings, utc};
use crate::fleet::vehicle_events::vehicle_events;

#[component]
pub fn VehicleList() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let (filter, set_filter) = signal(String::new());
    let select = move |row: &Row| {
        state.selected.set(Some(row.id));
        if let Some((latitude, longitude)) = row.position() {
            super::map::focus(latitude, longitude);
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
                    let needle = filter.get().trim().to_uppercase();
                    let now = state.now.get();
                    let rows: Vec<Row> = state.rows().into_iter().filter(|row| row.plate.contains(&needle)).collect();
                    if rows.is_empty() {
                        return view! { <p class="muted empty">"No vehicles to show."</p> }.into_any();
                    }
                    view! {
                        <ul class="vehicle-list">
                            {rows
                                .into_iter()
                                .map(|row| {
                                    let selected = state.selected.get() == Some(row.id);
                                    let seen = row.tracked_at.map(|at| ago(at, now)).unwrap_or_else(|| "never".into());
                                    let place = row.position().map(|(lat, lon)| coordinates(lat, lon)).unwrap_or_else(|| "no position yet".into());
                                    let id = row.id.to_string();
                                    let plate = row.plate.clone();
                                    view! {
                                        <li>
                                            <button type="button" class="vehicle" class:selected=selected data-vehicle-id=id aria-pressed=selected.to_string() on:click=move |_| select(&row)>
                                                <span class="plate">{plate}</span>
                                                <span class="seen">{seen}</span>
                                                <span class="coords">{place}</span>
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
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
    view! {
        <Transition fallback=|| ()>
            {move || {
                let Some(Ok(Some((id, page)))) = history.get() else { return ().into_any() };
                let plate = plate_of(&state, id);
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
    state
        .rows()
        .into_iter()
        .find(|row| row.id == id)
        .map(|row| row.plate)
        .unwrap_or_default()
}
