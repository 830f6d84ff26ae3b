//! The map: Leaflet through wasm-bindgen, drawn only in the browser.
//!
//! Drawing a new fleet costs little more than moving what moved (the timeline sends a new one
//! for every moment while its slider is dragged: 1,000 vehicles, 30+ times a second):
//!
//! - markers are kept from one fleet to the next, on the map or, while their vehicle is merged
//!   into a cluster, off it (and moved only when they come out); cluster markers are reused too;
//! - markers are drawn on Leaflet's canvas, plates and counts on a canvas of our own
//!   (`map_labels`): as elements, a thousand labels cost more than everything else together;
//! - a popup's text is made when it opens, not for every vehicle of every fleet.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
mod actions;
#[cfg(feature = "hydrate")]
mod leaflet_view;
#[cfg(feature = "hydrate")]
mod markers;
#[cfg(feature = "probes")]
mod probes;

use super::state::FleetState;

#[component]
pub fn FleetMap() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let settings = state.settings;
    let element = NodeRef::<leptos::html::Div>::new();

    #[cfg(feature = "hydrate")]
    {
        // Which vehicles are silent: a memo, so that the clock ticking redraws the map only when
        // a vehicle falls silent or speaks again.
        let silent = Memo::new(move |_| {
            let (moment, silent_after) = (state.moment(), state.silent_after());
            state.visible.with(|rows| {
                rows.iter()
                    .filter(|row| row.is_silent(moment, silent_after))
                    .map(|row| row.id)
                    .collect::<std::collections::HashSet<_>>()
            })
        });
        // Draw the markers whenever the fleet shown, the filter or the selection changes.
        Effect::new(move |_| {
            let (Some(div), Some(Ok(settings))) = (element.get(), settings.get()) else {
                return;
            };
            leaflet_view::ensure(&div, &settings, move || state.following.set(false));
            let drawn = markers::Drawn {
                moment: state.shown.with(|shown| shown.moment),
                selected: state.selected.get(),
                following: state.following.get(),
                utc: state.utc.get(),
            };
            silent.with(|silent| {
                state
                    .visible
                    .with(|rows| leaflet_view::show(rows, silent, drawn))
            });
        });
        // "Last seen … ago" in an open popup follows the clock.
        Effect::new(move |_| {
            state.now.track();
            actions::refresh_open_popup();
        });
        // The selected vehicle's trail, up to the moment shown.
        Effect::new(move |_| {
            let (selected, at) = (state.selected.get(), state.at.get());
            state.changes.track();
            leptos::task::spawn_local(async move {
                let points = match selected {
                    Some(id) => crate::fleet::vehicle_trail::get_vehicle_trail(id, at)
                        .await
                        .unwrap_or_default(),
                    None => Vec::new(),
                };
                actions::show_trail(&points);
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = settings;

    view! {
        <div class="map-wrap">
            <div class="map" node_ref=element role="region" aria-label="Map of the fleet"></div>
            <div class="map-tools">
                <button type="button" class="fit-all" on:click=move |_| {
                    state.following.set(false);
                    fit_all();
                }>"Fit all"</button>
                <button
                    type="button"
                    class="follow"
                    aria-pressed=move || state.following.get().to_string()
                    disabled=move || state.selected.get().is_none()
                    on:click=move |_| state.following.update(|f| *f = !*f)
                >
                    "Follow selected"
                </button>
            </div>
        </div>
    }
}

/// Fits the map to every vehicle shown.
pub fn fit_all() {
    #[cfg(feature = "hydrate")]
    actions::fit_all();
}

/// Centres the map on a vehicle.
pub fn focus(latitude: f64, longitude: f64) {
    #[cfg(feature = "hydrate")]
    actions::focus(latitude, longitude);
    #[cfg(not(feature = "hydrate"))]
    let _ = (latitude, longitude);
}
