//! What the page asks of the map besides drawing a fleet: fit every vehicle into view, centre on
//! one, draw a vehicle's trail, renew an open popup.

use leaflet::LatLng;
use wasm_bindgen::JsValue;

use super::leaflet_view::{fit, VIEW};
use crate::app::state::Row;
use crate::fleet::vehicle_trail::TrailPoint;

/// Fits the map to the vehicles drawn last.
pub fn fit_all() {
    let Some(rows) = VIEW.with_borrow(|view| view.as_ref().map(|view| view.last.0.clone())) else {
        return;
    };
    VIEW.with_borrow(|view| {
        if let Some(view) = view {
            fit(&view.map, rows.iter().filter_map(Row::position));
        }
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
