//! Probes for the end-to-end tests and the scrubbing benchmark, which cannot see into the map's
//! canvases: what the map shows, as `data-*` attributes of its element. Compiled only with the
//! `probes` feature (the test command's build); a production build carries none of it.

use chrono::{DateTime, Utc};
use leaflet::Map;
use wasm_bindgen::prelude::*;

use super::leaflet_view::MapView;

/// The view's bounds (`data-view`: south, west, north, east) and zoom (`data-zoom`), once each
/// move has ended.
pub(super) fn mark_view(map: &Map, element: &web_sys::HtmlElement) {
    let on_view = {
        let (map, element) = (map.clone(), element.clone());
        Closure::<dyn Fn()>::new(move || {
            let bounds = map.get_bounds();
            let (south_west, north_east) = (bounds.get_south_west(), bounds.get_north_east());
            let view = format!(
                "{},{},{},{}",
                south_west.lat(),
                south_west.lng(),
                north_east.lat(),
                north_east.lng()
            );
            let _ = element.set_attribute("data-view", &view);
            let _ = element.set_attribute("data-zoom", &map.get_zoom().to_string());
        })
    };
    map.on("moveend zoomend resize", on_view.as_ref());
    on_view.forget();
}

/// For the scrubbing benchmark (end2end/bench/scrub.bench.ts), which must count the fleet
/// updates the map actually drew, not the requests the timeline sent: the map's element
/// carries `data-moment` (the moment of the fleet drawn, ms since the epoch, or `live`),
/// `data-renders` (fleets drawn so far), `data-vehicles` (vehicles placed on the map) and
/// `data-clusters` (cluster markers among them), `data-first-cluster` (where the first is) and
/// `data-labels` (vehicles' labels shown).
pub(super) fn mark_drawn(view: &mut MapView, moment: Option<DateTime<Utc>>, vehicles: usize) {
    view.renders += 1;
    let moment = moment.map_or_else(|| "live".into(), |m| m.timestamp_millis().to_string());
    let labels = view.labels.plates();
    let element = &view.element;
    let _ = element.set_attribute("data-labels", &labels.to_string());
    let _ = element.set_attribute("data-vehicles", &vehicles.to_string());
    let _ = element.set_attribute("data-clusters", &view.clusters.len().to_string());
    // Where the first cluster is, for a test to click on it.
    if let Some(cluster) = view.clusters.first() {
        let (latitude, longitude) = cluster.position;
        let _ = element.set_attribute("data-first-cluster", &format!("{latitude},{longitude}"));
    }
    let _ = element.set_attribute("data-renders", &view.renders.to_string());
    let _ = element.set_attribute("data-moment", &moment);
}
