//! Probes for the end-to-end tests and the scrubbing benchmark, which cannot see into the map's
//! canvases: what the map shows, as `data-*` attributes of its element. Compiled only with the
//! `probes` feature (the test command's build); a production build carries none of it.

use chrono::{DateTime, Utc};
use leaflet::Map;
use wasm_bindgen::prelude::*;

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

/// What one fleet drawn looks like, for [`mark_drawn`].
pub(super) struct Drawing {
    /// Fleets drawn so far, this one included.
    pub renders: u64,
    pub moment: Option<DateTime<Utc>>,
    pub vehicles: usize,
    pub clusters: usize,
    pub first_cluster: Option<(f64, f64)>,
    pub labels: usize,
}

/// For the scrubbing benchmark (end2end/bench/scrub.bench.ts), which must count the fleet
/// updates the map actually drew, not the requests the timeline sent: the map's element
/// carries `data-moment` (the moment of the fleet drawn, ms since the epoch, or `live`),
/// `data-renders` (fleets drawn so far), `data-vehicles` (vehicles placed on the map) and
/// `data-clusters` (cluster markers among them), `data-first-cluster` (where the first is) and
/// `data-labels` (vehicles' labels shown).
pub(super) fn mark_drawn(element: &web_sys::HtmlElement, drawing: Drawing) {
    let moment = drawing
        .moment
        .map_or_else(|| "live".into(), |m| m.timestamp_millis().to_string());
    let _ = element.set_attribute("data-labels", &drawing.labels.to_string());
    let _ = element.set_attribute("data-vehicles", &drawing.vehicles.to_string());
    let _ = element.set_attribute("data-clusters", &drawing.clusters.to_string());
    // Where the first cluster is, for a test to click on it.
    if let Some((latitude, longitude)) = drawing.first_cluster {
        let _ = element.set_attribute("data-first-cluster", &format!("{latitude},{longitude}"));
    }
    let _ = element.set_attribute("data-renders", &drawing.renders.to_string());
    let _ = element.set_attribute("data-moment", &moment);
}
