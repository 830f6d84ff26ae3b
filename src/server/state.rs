//! The state every handler and server function can reach, made one way for the server, the
//! tests and the benchmark.

use axum::extract::FromRef;
use event_store::{EventStore, Wakeups};
use leptos::prelude::LeptosOptions;

use crate::app::MapSettings;
use crate::fleet::fleet_index::FleetIndex;
use crate::fleet::live_updates::LiveFeed;
use crate::fleet::osmand::OsmandStats;

/// What every handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: EventStore,
    pub live: LiveFeed,
    pub map: MapSettings,
    /// Counters of the GPS device protocol (per instance, in memory).
    pub osmand: OsmandStats,
    /// The fleet's history in memory, for the fleet at T.
    pub fleet_index: FleetIndex,
}

impl AppState {
    /// The one constructor, for the server, the tests and the benchmark: starts the live feed,
    /// woken by `wakeups`. Without `leptos_options` (tests, benchmark) the pages are not served.
    pub async fn new(
        store: EventStore,
        wakeups: Wakeups,
        fleet_index: FleetIndex,
        map: MapSettings,
        leptos_options: Option<LeptosOptions>,
    ) -> sqlx::Result<Self> {
        Ok(Self {
            leptos_options: leptos_options
                .unwrap_or_else(|| LeptosOptions::builder().output_name("fleetline").build()),
            live: LiveFeed::start(store.clone(), wakeups).await?,
            store,
            map,
            osmand: Default::default(),
            fleet_index,
        })
    }
}
