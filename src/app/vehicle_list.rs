//! The vehicle list beside the map: counts, a filter (which narrows the map too), an order, and
//! which vehicles have gone silent.

use std::collections::HashMap;

use leptos::prelude::*;
use uuid::Uuid;

use super::state::{FleetState, Row, SortBy};
use super::time_format::{ago, coordinates};

/// An item's changing texts, each a signal of its own: the list sets them when they change.
#[derive(Clone, Copy, PartialEq)]
struct ItemTexts {
    seen: RwSignal<String>,
    place: RwSignal<String>,
    silent: RwSignal<bool>,
    position: RwSignal<Option<(f64, f64)>>,
}

/// What an item says, worked out from its row at the moment shown.
#[derive(Clone, PartialEq)]
struct ItemValues {
    seen: String,
    place: String,
    silent: bool,
    position: Option<(f64, f64)>,
}

impl ItemValues {
    fn of(
        row: &Row,
        moment: chrono::DateTime<chrono::Utc>,
        silent_after: chrono::Duration,
    ) -> Self {
        Self {
            seen: row
                .tracked_at
                .map(|at| ago(at, moment))
                .unwrap_or_else(|| "never reported".into()),
            place: row
                .position()
                .map(|(lat, lon)| coordinates(lat, lon))
                .unwrap_or_else(|| "no position yet".into()),
            silent: row.is_silent(moment, silent_after),
            position: row.position(),
        }
    }
}

impl ItemTexts {
    fn new(values: ItemValues) -> Self {
        Self {
            seen: RwSignal::new(values.seen),
            place: RwSignal::new(values.place),
            silent: RwSignal::new(values.silent),
            position: RwSignal::new(values.position),
        }
    }

    /// Sets each signal only when its value changes (a set always notifies). `false` when the
    /// item has been disposed of meanwhile (its signals are gone with it).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn set(&self, values: ItemValues) -> bool {
        fn set_if_changed<T: PartialEq + Send + Sync + 'static>(s: RwSignal<T>, value: T) -> bool {
            match s.try_with_untracked(|current| *current != value) {
                Some(true) => s.try_set(value).is_none(),
                Some(false) => true,
                None => false,
            }
        }
        set_if_changed(self.seen, values.seen)
            && set_if_changed(self.place, values.place)
            && set_if_changed(self.silent, values.silent)
            && set_if_changed(self.position, values.position)
    }
}

#[component]
pub fn VehicleList() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let select = move |id: Uuid, position: Option<(f64, f64)>| {
        state.selected.set(Some(id));
        state.following.set(true);
        if let Some((latitude, longitude)) = position {
            super::map::focus(latitude, longitude);
        }
    };
    // While the timeline's slider is dragged, a fleet of another moment arrives many times a
    // second. The list is keyed by vehicle, and one effect writes each item's texts that changed
    // into that item's own signals. (Items reading the fleet themselves would each subscribe to
    // it, and a thousand subscribers re-subscribing cost the reactive graph O(n²) per fleet.)
    let ids = Memo::new(move |_| {
        state
            .visible
            .with(|rows| rows.iter().map(|r| r.id).collect::<Vec<Uuid>>())
    });
    let empty = Memo::new(move |_| ids.with(Vec::is_empty));
    // Of the vehicles the filter lets through: with a filter, the counts speak of what is shown.
    let counts = Memo::new(move |_| {
        let (moment, silent_after) = (state.moment(), state.silent_after());
        state.visible.with(|rows| {
            let silent = rows
                .iter()
                .filter(|row| row.is_silent(moment, silent_after))
                .count();
            (rows.len(), rows.len() - silent, silent)
        })
    });
    // The texts of the items on the list. An item's signals belong to the item and are disposed
    // of with it when the filter hides it: its entry goes with them (see `item`), so no write
    // reaches a disposed signal.
    let items = StoredValue::new(HashMap::<Uuid, ItemTexts>::new());
    // The map shows every fleet the timeline's slider brings, 30 or more a second; the list
    // follows at most every LIST_EVERY, and always ends with the last fleet. (Rewriting a
    // thousand items' texts for every fleet took more of the browser's time than the map.)
    #[cfg(feature = "hydrate")]
    {
        const LIST_EVERY: std::time::Duration = std::time::Duration::from_millis(200);
        let write_texts = super::throttle::Throttle::new(LIST_EVERY, move || {
            let (moment, silent_after) = (
                state
                    .shown
                    .with_untracked(|s| s.moment)
                    .unwrap_or_else(|| state.now.get_untracked()),
                untrack(|| state.silent_after()),
            );
            state.shown.with_untracked(|shown| {
                items.update_value(|items| {
                    for row in &shown.rows {
                        if let Some(texts) = items.get(&row.id) {
                            if !texts.set(ItemValues::of(row, moment, silent_after)) {
                                items.remove(&row.id);
                            }
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
        let (plate, texts) = untrack(|| {
            let (moment, silent_after) = (state.moment(), state.silent_after());
            state.shown.with(|shown| {
                let row = shown.rows.iter().find(|row| row.id == id);
                let texts = ItemTexts::new(
                    row.map(|row| ItemValues::of(row, moment, silent_after))
                        .unwrap_or(ItemValues {
                            seen: String::new(),
                            place: String::new(),
                            silent: false,
                            position: None,
                        }),
                );
                (row.map(|row| row.plate.clone()).unwrap_or_default(), texts)
            })
        });
        items.update_value(|items| {
            items.insert(id, texts);
        });
        // Hidden by the filter: the item and its signals are disposed of. Its entry goes too,
        // unless the vehicle is back on the list already with new texts.
        on_cleanup(move || {
            let _ = items.try_update_value(|items| {
                if items.get(&id) == Some(&texts) {
                    items.remove(&id);
                }
            });
        });
        let selected = move || state.selected.get() == Some(id);
        view! {
            <li>
                <button
                    type="button"
                    class="vehicle"
                    class:selected=selected
                    class:silent=move || texts.silent.get()
                    data-vehicle-id=id.to_string()
                    aria-pressed=move || selected().to_string()
                    on:click=move |_| select(id, texts.position.get_untracked())
                >
                    <span class="plate">{plate}</span>
                    <span class="seen">
                        <span class="silent-tag" hidden=move || !texts.silent.get()>"Silent · "</span>
                        {move || texts.seen.get()}
                    </span>
                    <span class="coords">{move || texts.place.get()}</span>
                </button>
            </li>
        }
    };

    view! {
        <section class="panel vehicles" id="vehicles" aria-labelledby="vehicles-title">
            <div class="panel-head">
                <h2 id="vehicles-title">"Vehicles"</h2>
                // `rel="external"`: the router leaves the link to the browser, which moves the focus.
                <a class="skip-link" href="#timeline" rel="external">"Skip the list"</a>
            </div>
            <div class="list-tools">
                <input
                    type="search"
                    class="filter"
                    placeholder="Filter by plate"
                    aria-label="Filter vehicles by plate"
                    prop:value=move || state.filter.get()
                    on:input=move |ev| state.filter.set(event_target_value(&ev))
                />
                <select
                    class="sort"
                    aria-label="Sort vehicles"
                    on:change=move |ev| {
                        state.sort.set(if event_target_value(&ev) == "seen" { SortBy::LastSeen } else { SortBy::Plate });
                    }
                >
                    <option value="plate" selected=move || state.sort.get() == SortBy::Plate>"By plate"</option>
                    <option value="seen" selected=move || state.sort.get() == SortBy::LastSeen>"Last seen first"</option>
                </select>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading vehicles…"</p> }>
                // In the Transition like the list: the server renders them once the fleet is
                // there, and hydration finds the same counts (outside, they stayed at the 0 the
                // server rendered before the fleet loaded).
                {move || {
                    state.initial.with(|_| ());
                    let (total, reporting, silent) = counts.get();
                    view! {
                        <p class="counts" role="status">
                            <span class="count-total">{total} " in all"</span>
                            " · "
                            <span class="count-reporting">{reporting} " reporting"</span>
                            " · "
                            <span class="count-silent">{silent} " silent"</span>
                        </p>
                    }
                }}
                // The list and both empty states are always there, shown or hidden: swapping one
                // view for another inside the Transition hit tachys' hydration code now and then
                // (a panic when a filter matching nothing was followed by one matching again).
                {move || {
                    // Read here, so that the Transition (and the server's first response) waits
                    // for the fleet.
                    state.initial.with(|_| ());
                    view! {
                        <ul class="vehicle-list" hidden=move || empty.get()>
                            <For each=move || ids.get() key=|id| *id children=item/>
                        </ul>
                        {empty_list(state, empty)}
                    }
                }}
            </Transition>
        </section>
    }
}

/// Nothing to list: filtered out, or a fleet with no vehicle yet (then how positions arrive).
fn empty_list(state: FleetState, empty: Memo<bool>) -> impl IntoView {
    let fleet_is_empty = Memo::new(move |_| state.shown.with(|shown| shown.rows.is_empty()));
    view! {
        <p class="muted empty no-match" hidden=move || !empty.get() || fleet_is_empty.get()>
            "No vehicle matches the filter."
        </p>
        <div class="muted empty getting-started" hidden=move || !fleet_is_empty.get()>
            <p>"No vehicles yet. Register one above; its positions then arrive in either of two ways:"</p>
            <ul>
                <li>"from a GPS device or phone app (Traccar Client, OsmAnd) given the vehicle's device identifier, sending to this server's port 5055 (see docs/gps-devices.md);"</li>
                <li>"through the HTTP API: " <code>"POST /track-location"</code> " with the plate, latitude and longitude."</li>
            </ul>
        </div>
    }
}
