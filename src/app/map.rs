//! The map: Leaflet through wasm-bindgen, drawn only in the browser.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::state::FleetState;
use crate::error::AppError;

/// Where tiles come from; an empty URL draws a plain background (works offline).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MapSettings {
    pub tile_url: String,
    pub attribution: String,
}

#[server]
pub async fn get_map_settings() -> Result<MapSettings, AppError> {
    Ok(expect_context::<MapSettings>())
}

#[component]
pub fn FleetMap() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let settings = Resource::new(|| (), |_| get_map_settings());
    let element = NodeRef::<leptos::html::Div>::new();

    #[cfg(feature = "hydrate")]
    {
        // Draw the markers whenever the fleet shown, the clock or the selection changes.
        Effect::new(move |_| {
            let (Some(div), Some(Ok(settings))) = (element.get(), settings.get()) else {
                return;
            };
            leaflet_view::ensure(&div, &settings);
            leaflet_view::show(&state.rows(), state.now.get(), state.selected.get());
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
                leaflet_view::show_trail(&points);
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, settings);

    view! { <div class="map" node_ref=element role="region" aria-label="Map of the fleet"></div> }
}

/// Centres the map on a vehicle.
pub fn focus(latitude: f64, longitude: f64) {
    #[cfg(feature = "hydrate")]
    leaflet_view::focus(latitude, longitude);
    #[cfg(not(feature = "hydrate"))]
    let _ = (latitude, longitude);
}

#[cfg(feature = "hydrate")]
mod leaflet_view {
    use std::{cell::RefCell, collections::HashMap};

    use chrono::{DateTime, Utc};
    use leaflet::{
        CircleMarker, LatLng, LatLngBounds, Map, MapOptions, PathOptions, Polyline,
        PolylineOptions, TileLayer, TileLayerOptions, Tooltip, TooltipOptions,
    };
    use uuid::Uuid;
    use wasm_bindgen::JsValue;

    use super::MapSettings;
    use crate::app::clustering::{clusters, should_cluster};
    use crate::app::state::Row;
    use crate::app::time_format::{ago, coordinates, readings, utc};
    use crate::fleet::vehicle_trail::TrailPoint;

    /// Leaflet objects live in the browser's only thread, outside the reactive system.
    struct MapView {
        map: Map,
        markers: HashMap<Uuid, CircleMarker>,
        clusters: Vec<CircleMarker>,
        trail: Polyline,
        fitted: bool,
        /// What was drawn last, to draw again when the zoom changes the clusters.
        last: (Vec<Row>, DateTime<Utc>, Option<Uuid>),
    }

    thread_local! {
        static VIEW: RefCell<Option<MapView>> = const { RefCell::new(None) };
    }

    pub fn ensure(element: &web_sys::HtmlDivElement, settings: &MapSettings) {
        VIEW.with_borrow_mut(|view| {
            if view.is_some() {
                return;
            }
            let options = MapOptions::new();
            // Canvas draws a thousand circle markers smoothly, where DOM markers would not.
            options.set_prefer_canvas(true);
            options.set_center(LatLng::new(20.0, 0.0));
            options.set_zoom(2.0);
            let Ok(map) = Map::new_with_element(element, &options) else {
                leptos::logging::error!("the map could not be created");
                return;
            };
            if !settings.tile_url.is_empty() {
                let tiles = TileLayerOptions::new();
                tiles.set_attribution(settings.attribution.clone());
                tiles.set_max_zoom(19.0);
                TileLayer::new_options(&settings.tile_url, &tiles).add_to(&map);
            }
            let trail_style = PolylineOptions::new();
            trail_style.set_color("#2563eb".into());
            trail_style.set_weight(3.0);
            trail_style.set_opacity(0.7);
            let trail = Polyline::new_with_options(&js_sys::Array::new(), &trail_style);
            trail.add_to(&map);
            // Clusters depend on the zoom: draw again once a zoom has ended (after this event, as
            // Leaflet may fire it while we are drawing).
            let on_zoom = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {
                leptos::prelude::set_timeout(redraw, std::time::Duration::ZERO);
            });
            map.on("zoomend", on_zoom.as_ref());
            on_zoom.forget();
            *view = Some(MapView {
                map,
                markers: HashMap::new(),
                clusters: Vec::new(),
                trail,
                fitted: false,
                last: (Vec::new(), Utc::now(), None),
            });
        });
    }

    fn style(selected: bool) -> PathOptions {
        let style = PathOptions::new();
        style.set_color(if selected { "#1d4ed8" } else { "#ffffff" }.into());
        style.set_weight(if selected { 3.0 } else { 2.0 });
        style.set_fill_color(if selected { "#f59e0b" } else { "#2563eb" }.into());
        style.set_fill_opacity(0.95);
        style
    }

    /// The label carries the marker's plate and position, for people and for the tests.
    fn label(row: &Row, (latitude, longitude): (f64, f64)) -> JsValue {
        JsValue::from_str(&format!(
            r#"<span class="plate-label" data-vehicle-id="{}" data-lat="{latitude}" data-lng="{longitude}">{}</span>"#,
            row.id, row.plate
        ))
    }

    fn popup(row: &Row, (latitude, longitude): (f64, f64), now: DateTime<Utc>) -> JsValue {
        let seen = row
            .tracked_at
            .map(|at| {
                format!(
                    "<dt>Fix time</dt><dd>{}</dd><dd>last seen {}</dd>",
                    utc(at),
                    ago(at, now)
                )
            })
            .unwrap_or_default();
        let readings = readings(row.speed_mps, row.heading, row.battery_percent);
        let readings = if readings.is_empty() {
            String::new()
        } else {
            format!("<dt>Device</dt><dd>{readings}</dd>")
        };
        JsValue::from_str(&format!(
            r#"<div class="popup"><strong>{}</strong><dl><dt>Position</dt><dd>{}</dd>{seen}{readings}</dl></div>"#,
            row.plate,
            coordinates(latitude, longitude)
        ))
    }

    fn redraw() {
        let last = VIEW.with_borrow(|view| view.as_ref().map(|view| view.last.clone()));
        if let Some((rows, now, selected)) = last {
            show(&rows, now, selected);
        }
    }

    pub fn show(rows: &[Row], now: DateTime<Utc>, selected: Option<Uuid>) {
        VIEW.with_borrow_mut(|view| {
            let Some(view) = view.as_mut() else { return };
            view.last = (rows.to_vec(), now, selected);
            let all: Vec<(&Row, (f64, f64))> = rows
                .iter()
                .filter_map(|r| r.position().map(|p| (r, p)))
                .collect();

            // A large fleet zoomed out: one marker per crowded cell, with the count.
            for cluster in view.clusters.drain(..) {
                cluster.remove();
            }
            let zoom = view.map.get_zoom();
            let mut placed = all.clone();
            if view.fitted && should_cluster(all.len(), zoom) {
                let positions: Vec<(f64, f64)> = all.iter().map(|(_, p)| *p).collect();
                placed.clear();
                for cluster in clusters(&positions, zoom) {
                    if let [single] = cluster.members[..] {
                        placed.push(all[single]);
                        continue;
                    }
                    let options = PathOptions::new();
                    options.set_color("#ffffff".into());
                    options.set_fill_color("#1e3a8a".into());
                    options.set_fill_opacity(0.85);
                    let count = cluster.members.len();
                    let marker = CircleMarker::new_with_options(
                        &LatLng::new(cluster.latitude, cluster.longitude),
                        &options,
                    );
                    marker.set_radius(10.0 + (count as f64).log2() * 2.0);
                    let tooltip_options = TooltipOptions::new();
                    tooltip_options.set_permanent(true);
                    tooltip_options.set_direction("center".into());
                    let tooltip = Tooltip::new(&tooltip_options, None);
                    tooltip.set_content(&JsValue::from_str(&format!(
                        r#"<span class="cluster-label">{count}</span>"#
                    )));
                    marker.bind_tooltip(&tooltip);
                    marker.bind_popup_with_options(
                        &JsValue::from_str(&format!(
                            "{count} vehicles here: zoom in to tell them apart"
                        )),
                        &JsValue::UNDEFINED,
                    );
                    marker.add_to(&view.map);
                    view.clusters.push(marker);
                }
            }

            view.markers.retain(|id, marker| {
                let keep = placed.iter().any(|(row, _)| row.id == *id);
                if !keep {
                    marker.remove();
                }
                keep
            });
            for (row, position) in &placed {
                let lat_lng = LatLng::new(position.0, position.1);
                let is_selected = selected == Some(row.id);
                match view.markers.get(&row.id) {
                    Some(marker) => {
                        marker.set_lat_lng(&lat_lng);
                        marker.set_style(&style(is_selected));
                        marker.set_tooltip_content(&label(row, *position));
                        marker.set_popup_content(&popup(row, *position, now));
                    }
                    None => {
                        let options = style(is_selected);
                        options.set_class_name("vehicle-marker".into());
                        let marker = CircleMarker::new_with_options(&lat_lng, &options);
                        marker.set_radius(7.0);
                        let tooltip_options = TooltipOptions::new();
                        tooltip_options.set_permanent(true);
                        tooltip_options.set_direction("right".into());
                        let tooltip = Tooltip::new(&tooltip_options, None);
                        tooltip.set_content(&label(row, *position));
                        marker.bind_tooltip(&tooltip);
                        marker.bind_popup_with_options(
                            &popup(row, *position, now),
                            &JsValue::UNDEFINED,
                        );
                        marker.add_to(&view.map);
                        view.markers.insert(row.id, marker);
                    }
                }
            }
            // Fit the fleet once, on first sight; after that the user's view is theirs.
            if !view.fitted && !placed.is_empty() {
                let first = LatLng::new(placed[0].1 .0, placed[0].1 .1);
                let bounds = LatLngBounds::new(&first, &first);
                for (_, (latitude, longitude)) in &placed {
                    bounds.extend(&LatLng::new(*latitude, *longitude));
                }
                let options = js_sys::Object::new();
                let _ = js_sys::Reflect::set(&options, &"maxZoom".into(), &JsValue::from_f64(14.0));
                let _ = js_sys::Reflect::set(
                    &options,
                    &"padding".into(),
                    &js_sys::Array::of2(&40.into(), &40.into()),
                );
                view.map.fit_bounds_with_options(&bounds, &options);
                view.fitted = true;
            }
        });
    }

    pub fn focus(latitude: f64, longitude: f64) {
        VIEW.with_borrow(|view| {
            if let Some(view) = view {
                view.map.set_view(
                    &LatLng::new(latitude, longitude),
                    view.map.get_zoom().max(13.0),
                );
            }
        });
    }

    pub fn show_trail(points: &[TrailPoint]) {
        VIEW.with_borrow(|view| {
            if let Some(view) = view {
                let lat_lngs: js_sys::Array = points
                    .iter()
                    .map(|p| JsValue::from(LatLng::new(p.latitude, p.longitude)))
                    .collect();
                view.trail.set_lat_lngs(&lat_lngs);
            }
        });
    }
}
