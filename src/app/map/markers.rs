//! The map's markers: a vehicle's (its style, its popup, its hidden record for tools and tests)
//! and a cluster's.

use std::{
    cell::{Cell, RefCell},
    rc::Rc,
};

use chrono::{DateTime, Utc};
use leaflet::{CircleMarker, LatLng, Map, PathOptions};
use uuid::Uuid;
use wasm_bindgen::{closure::Closure, JsValue};

use crate::app::declutter::MARKER_RADIUS;
use crate::app::state::Row;
use crate::app::time_format::{ago, coordinates, local, readings, utc};

thread_local! {
    /// How the last fleet was drawn: popups open later and speak of it.
    static LAST_DRAWN: Cell<Drawn> = Cell::new(Drawn::default());
}

/// Remembers how the fleet shown is drawn, for the popups opened on it.
pub(super) fn drawing(drawn: Drawn) {
    LAST_DRAWN.set(drawn);
}

/// How the fleet is drawn, besides its rows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Drawn {
    /// The moment of the fleet (`None`: live).
    pub moment: Option<DateTime<Utc>>,
    pub selected: Option<Uuid>,
    /// Keep the selected vehicle in view.
    pub following: bool,
    /// Popups' times in UTC rather than the browser's zone.
    pub utc: bool,
}

/// A vehicle's marker, kept while the vehicle is in the fleet shown.
pub(super) struct VehicleMarker {
    pub(super) marker: CircleMarker,
    pub(super) plate: Rc<str>,
    /// The marker as an element, in the map's hidden list of markers while it is on the map:
    /// its plate, and its position in `data-lat`/`data-lng` (see `MapView::records`).
    pub(super) record: web_sys::Element,
    /// Where the marker is in layer pixels, and for which position and projection.
    pub(super) point: (f64, f64),
    pub(super) point_for: ((f64, f64), u64),
    /// What the popup shows when it opens.
    pub(super) row: Rc<RefCell<Row>>,
    pub(super) _popup: Closure<dyn Fn(JsValue) -> JsValue>,
    pub(super) position: (f64, f64),
    /// Whether the marker stands at `position`: a marker inside a cluster is moved only when
    /// it comes out (in the fitted view nearly all are inside, and all move at every step).
    pub(super) placed: bool,
    /// The position `record` says, written after the markers at most every `RECORDS_EVERY`.
    pub(super) recorded: (f64, f64),
    pub(super) selected: bool,
    pub(super) silent: bool,
    /// Off the map while the vehicle is part of a cluster.
    pub(super) on_map: bool,
}

/// A marker standing for several vehicles, with their count.
pub(super) struct ClusterMarker {
    pub(super) marker: CircleMarker,
    pub(super) position: (f64, f64),
    pub(super) count: usize,
}

/// Selected: amber with a blue ring. Silent: grey, dashed ring. Reporting: blue.
pub(super) fn style(selected: bool, silent: bool) -> PathOptions {
    let style = PathOptions::new();
    style.set_color(
        if selected {
            "#1d4ed8"
        } else if silent {
            "#475569"
        } else {
            "#ffffff"
        }
        .into(),
    );
    style.set_weight(if selected { 3.0 } else { 2.0 });
    style.set_dash_array(if silent && !selected { "3 2" } else { "" }.into());
    style.set_fill_color(
        if selected {
            "#f59e0b"
        } else if silent {
            "#94a3b8"
        } else {
            "#2563eb"
        }
        .into(),
    );
    style.set_fill_opacity(0.95);
    style
}

/// Plates are checked on registration; escaped all the same, as everything put into HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub(super) fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

pub(super) fn set_record_position(record: &web_sys::Element, (latitude, longitude): (f64, f64)) {
    let _ = record.set_attribute("data-lat", &latitude.to_string());
    let _ = record.set_attribute("data-lng", &longitude.to_string());
}

/// A marker's popup, for the fleet drawn last: "last seen" counts from its moment, times are
/// in the page's zone.
fn popup(row: &Row) -> String {
    let drawn = LAST_DRAWN.get();
    let moment = drawn.moment.unwrap_or_else(Utc::now);
    let (latitude, longitude) = row.position().unwrap_or_default();
    let seen = row
        .tracked_at
        .map(|at| {
            format!(
                "<dt>Fix time</dt><dd>{}</dd><dd>last seen {}</dd>",
                if drawn.utc { utc(at) } else { local(at) },
                ago(at, moment)
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
        escape_html(&row.plate),
        coordinates(latitude, longitude)
    )
}

pub(super) fn new_vehicle_marker(
    row: &Row,
    position: (f64, f64),
    selected: bool,
    silent: bool,
) -> VehicleMarker {
    let options = style(selected, silent);
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
        JsValue::from_str(&popup(&popup_row.borrow()))
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
        silent,
        on_map: false,
    }
}

/// A click on a cluster zooms in on it, two levels at a time, until its vehicles stand apart.
pub(super) fn new_cluster_marker(map: &Map, position: (f64, f64)) -> ClusterMarker {
    let options = PathOptions::new();
    options.set_color("#ffffff".into());
    options.set_fill_color("#1e3a8a".into());
    options.set_fill_opacity(0.85);
    let marker = CircleMarker::new_with_options(&LatLng::new(position.0, position.1), &options);
    let on_click = {
        let (map, marker) = (map.clone(), marker.clone());
        Closure::<dyn Fn()>::new(move || {
            let zoom = (map.get_zoom() + 2.0).min(crate::app::clustering::CLUSTER_BELOW_ZOOM);
            map.set_view(&marker.get_lat_lng(), zoom);
        })
    };
    marker.on("click", on_click.as_ref());
    // Lives as long as the marker, which is reused for the page's lifetime.
    on_click.forget();
    ClusterMarker {
        marker,
        position,
        count: 0,
    }
}

/// A cluster's count: its size and popup (the label canvas writes the count).
pub(super) fn set_count(cluster: &mut ClusterMarker, count: usize) {
    if cluster.count == count {
        return;
    }
    cluster.count = count;
    cluster
        .marker
        .set_radius(10.0 + (count as f64).log2() * 2.0);
}
