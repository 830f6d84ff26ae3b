//! The map's view: Leaflet objects, which live in the browser's only thread outside the reactive
//! system, and the drawing of each fleet.

use std::{
    cell::RefCell,
    collections::{HashMap, HashSet},
};

use leaflet::{
    LatLng, LatLngBounds, Map, MapOptions, Polyline, PolylineOptions, TileLayer, TileLayerOptions,
};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsCast, JsValue};

use super::markers::{
    document, drawing, new_cluster_marker, new_vehicle_marker, set_count, set_record_position,
    style, ClusterMarker, Drawn, VehicleMarker,
};
use crate::app::clustering::{clusters, should_cluster};
use crate::app::map_labels::LabelCanvas;
use crate::app::map_settings::MapSettings;
use crate::app::state::Row;
use crate::app::throttle::Throttle;

/// Leaflet objects live in the browser's only thread, outside the reactive system.
pub(super) struct MapView {
    pub(super) map: Map,
    /// The map's element, which tells the tests and the benchmark what it shows.
    #[cfg(feature = "probes")]
    pub(super) element: web_sys::HtmlElement,
    /// Plates and counts, drawn over the markers.
    pub(super) labels: LabelCanvas,
    /// The markers on the map as elements, hidden: the markers and labels are drawn on
    /// canvases, and this says what they show, to tools and the end-to-end tests.
    pub(super) records: web_sys::HtmlElement,
    /// Counts changes of the map's projection (zoom, view reset): marker points worked out
    /// with an older one are worked out again.
    pub(super) projection: u64,
    /// Fleets drawn so far.
    #[cfg(feature = "probes")]
    pub(super) renders: u64,
    pub(super) markers: HashMap<Uuid, VehicleMarker>,
    pub(super) clusters: Vec<ClusterMarker>,
    pub(super) trail: Polyline,
    pub(super) fitted: bool,
    /// What was drawn last, to draw again when the zoom changes the clusters.
    pub(super) last: (Vec<Row>, HashSet<Uuid>, Drawn),
    /// Brings the records' positions up to date (see `write_records`).
    pub(super) write_records: Throttle,
}

/// While the timeline is dragged, the markers move 30–50 times a second; the records of their
/// positions, which only tools and tests read, follow at most this often (and always end on
/// the fleet shown): writing two attributes for each of a thousand markers at every fleet took
/// a tenth of the browser's time.
const RECORDS_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

thread_local! {
    pub(super) static VIEW: RefCell<Option<MapView>> = const { RefCell::new(None) };
}

/// Creates the map once; `on_drag` runs when the user drags it (and so stops following).
pub fn ensure(
    element: &web_sys::HtmlDivElement,
    settings: &MapSettings,
    on_drag: impl Fn() + 'static,
) {
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
        #[cfg(feature = "probes")]
        super::probes::mark_view(&map, element);
        let on_drag = Closure::<dyn Fn()>::new(on_drag);
        map.on("dragstart", on_drag.as_ref());
        on_drag.forget();
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
            #[cfg(feature = "probes")]
            element: (**element).clone(),
            labels,
            records: records.unchecked_into(),
            projection: 0,
            #[cfg(feature = "probes")]
            renders: 0,
            markers: HashMap::new(),
            clusters: Vec::new(),
            trail,
            fitted: false,
            last: (Vec::new(), HashSet::new(), Drawn::default()),
            // Deferred: the throttle may run its action at once, inside `show`.
            write_records: Throttle::new(RECORDS_EVERY, || {
                leptos::prelude::set_timeout(write_records, std::time::Duration::ZERO)
            }),
        });
    });
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

fn redraw() {
    let last = VIEW.with_borrow(|view| view.as_ref().map(|view| view.last.clone()));
    if let Some((rows, silent, drawn)) = last {
        show(&rows, &silent, drawn);
    }
}

/// The bounds of these positions, with a margin, at most zoom 14 (a street).
pub(super) fn fit(map: &Map, positions: impl Iterator<Item = (f64, f64)>) -> bool {
    let mut bounds: Option<LatLngBounds> = None;
    for (latitude, longitude) in positions {
        let point = LatLng::new(latitude, longitude);
        match &bounds {
            Some(bounds) => {
                bounds.extend(&point);
            }
            None => bounds = Some(LatLngBounds::new(&point, &point)),
        }
    }
    let Some(bounds) = bounds else { return false };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"maxZoom".into(), &JsValue::from_f64(14.0));
    let _ = js_sys::Reflect::set(
        &options,
        &"padding".into(),
        &js_sys::Array::of2(&40.into(), &40.into()),
    );
    map.fit_bounds_with_options(&bounds, &options);
    true
}

pub fn show(rows: &[Row], silent: &HashSet<Uuid>, drawn: Drawn) {
    let Drawn {
        selected,
        following,
        ..
    } = drawn;
    VIEW.with_borrow_mut(|view| {
        let Some(view) = view.as_mut() else { return };
        view.last = (rows.to_vec(), silent.clone(), drawn);
        drawing(drawn);
        let mut all: Vec<(&Row, (f64, f64))> = rows
            .iter()
            .filter_map(|r| r.position().map(|p| (r, p)))
            .collect();
        // The selected vehicle's label is laid out first: it is always drawn, and the others
        // then keep clear of it.
        if let Some(at) = all.iter().position(|(row, _)| Some(row.id) == selected) {
            all[..=at].rotate_right(1);
        }

        // Fit the fleet once, on first sight; after that the user's view is theirs ("Fit
        // all" fits it again).
        if !view.fitted && fit(&view.map, all.iter().map(|(_, p)| *p)) {
            view.fitted = true;
        }
        // Following the selected vehicle: pan when it nears the edge of the view.
        if let Some(&(_, (latitude, longitude))) = all
            .iter()
            .find(|(row, _)| following && Some(row.id) == selected)
        {
            let bounds = view.map.get_bounds();
            let (south_west, north_east) = (bounds.get_south_west(), bounds.get_north_east());
            let (high, wide) = (
                north_east.lat() - south_west.lat(),
                north_east.lng() - south_west.lng(),
            );
            // Inside the middle 60% of the view: no need to move.
            let inside = (south_west.lat() + high * 0.2..=north_east.lat() - high * 0.2)
                .contains(&latitude)
                && (south_west.lng() + wide * 0.2..=north_east.lng() - wide * 0.2)
                    .contains(&longitude);
            if !inside {
                view.map.pan_to(&LatLng::new(latitude, longitude));
            }
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
            let is_silent = silent.contains(&row.id);
            let entry = view
                .markers
                .entry(row.id)
                .or_insert_with(|| new_vehicle_marker(row, *position, is_selected, is_silent));
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
            if (entry.selected, entry.silent) != (is_selected, is_silent) {
                entry.selected = is_selected;
                entry.silent = is_silent;
                entry.marker.set_style(&style(is_selected, is_silent));
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
                let cluster = new_cluster_marker(map, position);
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
        #[cfg(feature = "probes")]
        {
            view.renders += 1;
            super::probes::mark_drawn(
                &view.element,
                super::probes::Drawing {
                    renders: view.renders,
                    moment: drawn.moment,
                    vehicles: all.len(),
                    clusters: view.clusters.len(),
                    first_cluster: view.clusters.first().map(|c| c.position),
                    labels: view.labels.plates(),
                },
            );
        }
    });
}
