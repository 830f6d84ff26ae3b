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
        // Draw the markers whenever the fleet shown or the selection changes.
        Effect::new(move |_| {
            let (Some(div), Some(Ok(settings))) = (element.get(), settings.get()) else {
                return;
            };
            leaflet_view::ensure(&div, &settings);
            let selected = state.selected.get();
            state
                .shown
                .with(|shown| leaflet_view::show(&shown.rows, shown.moment, selected));
        });
        // "Last seen … ago" in an open popup follows the clock.
        Effect::new(move |_| {
            state.now.track();
            leaflet_view::refresh_open_popup();
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

/// Drawing a new fleet costs little more than moving what moved (the timeline sends a new one
/// for every moment while its slider is dragged: 1,000 vehicles, 30+ times a second):
///
/// - markers are kept from one fleet to the next, on the map or, while their vehicle is merged
///   into a cluster, off it (and moved only when they come out); cluster markers are reused too;
/// - markers are drawn on Leaflet's canvas, plates and counts on a canvas of our own
///   (`map_labels`): as elements, a thousand labels cost more than everything else together;
/// - a popup's text is made when it opens, not for every vehicle of every fleet.
#[cfg(feature = "hydrate")]
mod leaflet_view {
    use std::{
        cell::RefCell,
        collections::{HashMap, HashSet},
        rc::Rc,
    };

    use chrono::{DateTime, Utc};
    use leaflet::{
        CircleMarker, LatLng, LatLngBounds, Map, MapOptions, PathOptions, Polyline,
        PolylineOptions, TileLayer, TileLayerOptions,
    };
    use uuid::Uuid;
    use wasm_bindgen::{closure::Closure, JsCast, JsValue};

    use super::MapSettings;
    use crate::app::clustering::{clusters, should_cluster};
    use crate::app::map_labels::{LabelCanvas, MARKER_RADIUS};
    use crate::app::state::Row;
    use crate::app::throttle::Throttle;
    use crate::app::time_format::{ago, coordinates, readings, utc};
    use crate::fleet::vehicle_trail::TrailPoint;

    /// A vehicle's marker, kept while the vehicle is in the fleet shown.
    struct VehicleMarker {
        marker: CircleMarker,
        plate: Rc<str>,
        /// The marker as an element, in the map's hidden list of markers while it is on the map:
        /// its plate, and its position in `data-lat`/`data-lng` (see `MapView::records`).
        record: web_sys::Element,
        /// Where the marker is in layer pixels, and for which position and projection.
        point: (f64, f64),
        point_for: ((f64, f64), u64),
        /// What the popup shows when it opens.
        row: Rc<RefCell<Row>>,
        _popup: Closure<dyn Fn(JsValue) -> JsValue>,
        position: (f64, f64),
        /// Whether the marker stands at `position`: a marker inside a cluster is moved only when
        /// it comes out (in the fitted view nearly all are inside, and all move at every step).
        placed: bool,
        /// The position `record` says, written after the markers at most every `RECORDS_EVERY`.
        recorded: (f64, f64),
        selected: bool,
        /// Off the map while the vehicle is part of a cluster.
        on_map: bool,
    }

    /// A marker standing for several vehicles, with their count.
    struct ClusterMarker {
        marker: CircleMarker,
        position: (f64, f64),
        count: usize,
    }

    /// Leaflet objects live in the browser's only thread, outside the reactive system.
    struct MapView {
        map: Map,
        /// The map's element, which tells the benchmark what it shows (see `mark_drawn`).
        element: web_sys::HtmlElement,
        /// Plates and counts, drawn over the markers.
        labels: LabelCanvas,
        /// The markers on the map as elements, hidden: the markers and labels are drawn on
        /// canvases, and this says what they show, to tools and the end-to-end tests.
        records: web_sys::HtmlElement,
        /// Counts changes of the map's projection (zoom, view reset): marker points worked out
        /// with an older one are worked out again.
        projection: u64,
        renders: u64,
        markers: HashMap<Uuid, VehicleMarker>,
        clusters: Vec<ClusterMarker>,
        trail: Polyline,
        fitted: bool,
        /// What was drawn last, to draw again when the zoom changes the clusters.
        last: (Vec<Row>, Option<DateTime<Utc>>, Option<Uuid>),
        /// Brings the records' positions up to date (see `write_records`).
        write_records: Throttle,
    }

    /// While the timeline is dragged, the markers move 30–50 times a second; the records of their
    /// positions, which only tools and tests read, follow at most this often (and always end on
    /// the fleet shown): writing two attributes for each of a thousand markers at every fleet took
    /// a tenth of the browser's time.
    const RECORDS_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

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
            // Clusters and label positions depend on the zoom: draw again once a zoom (or a jump
            // of the view) has ended, after this event, as Leaflet may fire it while we draw.
            let on_projection = Closure::<dyn FnMut()>::new(|| {
                leptos::prelude::set_timeout(
                    || {
                        VIEW.with_borrow_mut(|view| {
                            if let Some(view) = view {
                                view.projection += 1;
                            }
                        });
                        redraw();
                    },
                    std::time::Duration::ZERO,
                );
            });
            map.on("zoomend viewreset", on_projection.as_ref());
            on_projection.forget();
            // Draw the labels again as the map pans, for the parts coming into view (unless this
            // is `show` moving the map, which draws them anyway).
            let on_move = Closure::<dyn FnMut()>::new(|| {
                VIEW.with(|view| {
                    if let Ok(mut view) = view.try_borrow_mut() {
                        if let Some(view) = view.as_mut() {
                            view.labels.draw(&view.map);
                        }
                    }
                });
            });
            map.on("move resize", on_move.as_ref());
            on_move.forget();
            let Some(labels) = LabelCanvas::new(&map) else {
                leptos::logging::error!("the map's labels could not be created");
                return;
            };
            let records = document().create_element("div").expect("a div");
            let _ = records.set_attribute("hidden", "");
            records.set_class_name("map-markers");
            let _ = element.append_child(&records);
            *view = Some(MapView {
                map,
                element: (**element).clone(),
                labels,
                records: records.unchecked_into(),
                projection: 0,
                renders: 0,
                markers: HashMap::new(),
                clusters: Vec::new(),
                trail,
                fitted: false,
                last: (Vec::new(), None, None),
                // Deferred: the throttle may run its action at once, inside `show`.
                write_records: Throttle::new(RECORDS_EVERY, || {
                    leptos::prelude::set_timeout(write_records, std::time::Duration::ZERO)
                }),
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

    fn document() -> web_sys::Document {
        web_sys::window()
            .and_then(|w| w.document())
            .expect("a document")
    }

    fn set_record_position(record: &web_sys::Element, (latitude, longitude): (f64, f64)) {
        let _ = record.set_attribute("data-lat", &latitude.to_string());
        let _ = record.set_attribute("data-lng", &longitude.to_string());
    }

    /// Writes the positions of the markers on the map (all placed) into their records, where
    /// they moved.
    fn write_records() {
        VIEW.with_borrow_mut(|view| {
            let Some(view) = view.as_mut() else { return };
            for entry in view.markers.values_mut() {
                if entry.on_map && entry.recorded != entry.position {
                    set_record_position(&entry.record, entry.position);
                    entry.recorded = entry.position;
                }
            }
        });
    }

    fn popup(row: &Row, now: DateTime<Utc>) -> String {
        let (latitude, longitude) = row.position().unwrap_or_default();
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
        format!(
            r#"<div class="popup"><strong>{}</strong><dl><dt>Position</dt><dd>{}</dd>{seen}{readings}</dl></div>"#,
            row.plate,
            coordinates(latitude, longitude)
        )
    }

    fn new_vehicle_marker(row: &Row, position: (f64, f64), selected: bool) -> VehicleMarker {
        let options = style(selected);
        options.set_class_name("vehicle-marker".into());
        let marker = CircleMarker::new_with_options(&LatLng::new(position.0, position.1), &options);
        marker.set_radius(MARKER_RADIUS);
        let record = document().create_element("span").expect("a span");
        record.set_class_name("plate-label");
        let _ = record.set_attribute("data-vehicle-id", &row.id.to_string());
        record.set_text_content(Some(&row.plate));
        set_record_position(&record, position);
        // Leaflet calls the content function when the popup opens (or is updated).
        let shown = Rc::new(RefCell::new(row.clone()));
        let popup_row = shown.clone();
        let content = Closure::<dyn Fn(JsValue) -> JsValue>::new(move |_layer| {
            JsValue::from_str(&popup(&popup_row.borrow(), Utc::now()))
        });
        marker.bind_popup_with_options(content.as_ref(), &JsValue::UNDEFINED);
        VehicleMarker {
            marker,
            plate: row.plate.as_str().into(),
            record,
            point: (0.0, 0.0),
            point_for: ((f64::NAN, f64::NAN), u64::MAX),
            row: shown,
            _popup: content,
            position,
            placed: true,
            recorded: position,
            selected,
            on_map: false,
        }
    }

    fn new_cluster_marker(position: (f64, f64)) -> ClusterMarker {
        let options = PathOptions::new();
        options.set_color("#ffffff".into());
        options.set_fill_color("#1e3a8a".into());
        options.set_fill_opacity(0.85);
        let marker = CircleMarker::new_with_options(&LatLng::new(position.0, position.1), &options);
        marker.bind_popup_with_options(&JsValue::from_str(""), &JsValue::UNDEFINED);
        ClusterMarker {
            marker,
            position,
            count: 0,
        }
    }

    /// A cluster's count: its size and popup (the label canvas writes the count).
    fn set_count(cluster: &mut ClusterMarker, count: usize) {
        if cluster.count == count {
            return;
        }
        cluster.count = count;
        cluster
            .marker
            .set_radius(10.0 + (count as f64).log2() * 2.0);
        cluster
            .marker
            .set_popup_content(&JsValue::from_str(&format!(
                "{count} vehicles here: zoom in to tell them apart"
            )));
    }

    fn redraw() {
        let last = VIEW.with_borrow(|view| view.as_ref().map(|view| view.last.clone()));
        if let Some((rows, moment, selected)) = last {
            show(&rows, moment, selected);
        }
    }

    /// For the scrubbing benchmark (end2end/bench/scrub.bench.ts), which must count the fleet
    /// updates the map actually drew, not the requests the timeline sent: the map's element
    /// carries `data-moment` (the moment of the fleet drawn, ms since the epoch, or `live`),
    /// `data-renders` (fleets drawn so far), `data-vehicles` (vehicles placed on the map) and
    /// `data-clusters` (cluster markers among them) and `data-labels` (vehicles' labels shown).
    fn mark_drawn(view: &mut MapView, moment: Option<DateTime<Utc>>, vehicles: usize) {
        view.renders += 1;
        let moment = moment.map_or_else(|| "live".into(), |m| m.timestamp_millis().to_string());
        let labels = view.labels.plates();
        let element = &view.element;
        let _ = element.set_attribute("data-labels", &labels.to_string());
        let _ = element.set_attribute("data-vehicles", &vehicles.to_string());
        let _ = element.set_attribute("data-clusters", &view.clusters.len().to_string());
        let _ = element.set_attribute("data-renders", &view.renders.to_string());
        let _ = element.set_attribute("data-moment", &moment);
    }

    pub fn show(rows: &[Row], moment: Option<DateTime<Utc>>, selected: Option<Uuid>) {
        VIEW.with_borrow_mut(|view| {
            let Some(view) = view.as_mut() else { return };
            view.last = (rows.to_vec(), moment, selected);
            let all: Vec<(&Row, (f64, f64))> = rows
                .iter()
                .filter_map(|r| r.position().map(|p| (r, p)))
                .collect();

            // Fit the fleet once, on first sight; after that the user's view is theirs.
            if !view.fitted && !all.is_empty() {
                let first = LatLng::new(all[0].1 .0, all[0].1 .1);
                let bounds = LatLngBounds::new(&first, &first);
                for (_, (latitude, longitude)) in &all {
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

            // A large fleet zoomed out: one marker per crowded cell, with the count.
            let zoom = view.map.get_zoom();
            let mut alone: Vec<usize> = (0..all.len()).collect();
            let mut groups = Vec::new();
            if view.fitted && should_cluster(all.len(), zoom) {
                let positions: Vec<(f64, f64)> = all.iter().map(|(_, p)| *p).collect();
                alone.clear();
                for cluster in clusters(&positions, zoom) {
                    match cluster.members[..] {
                        [single] => alone.push(single),
                        _ => groups.push(cluster),
                    }
                }
            }
            let standing: HashSet<Uuid> = alone.iter().map(|&i| all[i].0.id).collect();

            // Vehicles gone from the fleet shown; vehicles now part of a cluster.
            let present: HashSet<Uuid> = all.iter().map(|(row, _)| row.id).collect();
            view.markers.retain(|id, entry| {
                let keep = present.contains(id);
                if !keep && entry.on_map {
                    entry.marker.remove();
                    entry.record.remove();
                }
                keep
            });
            for (id, entry) in view.markers.iter_mut() {
                if entry.on_map && !standing.contains(id) {
                    entry.marker.remove();
                    entry.record.remove();
                    entry.on_map = false;
                }
            }

            // Every vehicle: its marker moved, restyled, put on the map; its label laid out.
            let (map, records, projection) = (&view.map, &view.records, view.projection);
            view.labels.clear();
            for (row, position) in &all {
                let is_selected = selected == Some(row.id);
                let entry = view
                    .markers
                    .entry(row.id)
                    .or_insert_with(|| new_vehicle_marker(row, *position, is_selected));
                let moved = entry.position != *position;
                if moved {
                    entry.position = *position;
                    entry.placed = false;
                }
                if *entry.row.borrow() != **row {
                    *entry.row.borrow_mut() = (*row).clone();
                    if entry.on_map && entry.marker.is_popup_open() {
                        entry.marker.get_popup().update();
                    }
                }
                if entry.selected != is_selected {
                    entry.selected = is_selected;
                    entry.marker.set_style(&style(is_selected));
                }
                if !standing.contains(&row.id) {
                    continue;
                }
                if !entry.placed {
                    entry
                        .marker
                        .set_lat_lng(&LatLng::new(position.0, position.1));
                    entry.placed = true;
                }
                if !entry.on_map {
                    entry.marker.add_to(map);
                    let _ = records.append_child(&entry.record);
                    entry.on_map = true;
                }
                if entry.point_for != (*position, projection) {
                    let point = map.lat_lng_to_layer_point(&LatLng::new(position.0, position.1));
                    entry.point = (point.x(), point.y());
                    entry.point_for = (*position, projection);
                }
                view.labels
                    .add_plate(entry.point, &entry.plate, is_selected);
            }

            // Clusters: the markers of the last fleet reused, in cell order.
            for cluster in view.clusters.drain(groups.len().min(view.clusters.len())..) {
                cluster.marker.remove();
            }
            for (i, group) in groups.iter().enumerate() {
                let position = (group.latitude, group.longitude);
                if i == view.clusters.len() {
                    let cluster = new_cluster_marker(position);
                    cluster.marker.add_to(map);
                    view.clusters.push(cluster);
                }
                let cluster = &mut view.clusters[i];
                set_count(cluster, group.members.len());
                let moved = cluster.position != position;
                if moved {
                    cluster.position = position;
                    cluster
                        .marker
                        .set_lat_lng(&LatLng::new(position.0, position.1));
                }
                let point = map.lat_lng_to_layer_point(&LatLng::new(position.0, position.1));
                view.labels
                    .add_count((point.x(), point.y()), group.members.len());
            }
            view.labels.draw(&view.map);
            view.write_records.call();
            mark_drawn(view, moment, all.len());
        });
    }

    /// Renews the open popup's text ("last seen … ago").
    pub fn refresh_open_popup() {
        VIEW.with_borrow(|view| {
            let Some(view) = view else { return };
            for entry in view.markers.values() {
                if entry.on_map && entry.marker.is_popup_open() {
                    entry.marker.get_popup().update();
                }
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
