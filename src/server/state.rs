//! The state every handler and server function can reach, made one way for the server, the
//! tests and the benchmark.

use axum::extract::FromRef;
use event_store::{EventStore, Wakeups};
use leptos::prelude::LeptosOptions;

use crate::app::MapSettings;
use crate::fleet::fleet_index::FleetIndex;
use crate::fleet::live_updates::{LiveFeed, LiveStreams};
use crate::fleet::osmand::OsmandStats;
use crate::server::auth::{login_limit::LoginLimit, token_uses::TokenUses};
use crate::server::supervisor::{supervise, Components};
use tokio_util::sync::CancellationToken;

/// What every handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: EventStore,
    pub live: LiveFeed,
    /// The cap on this instance's open live streams.
    pub live_streams: LiveStreams,
    pub map: MapSettings,
    /// Counters of the GPS device protocol (per instance, in memory).
    pub osmand: OsmandStats,
    /// The fleet's history in memory, for the fleet at T.
    pub fleet_index: FleetIndex,
    pub sessions: SessionSettings,
    /// Failed logins (per instance, in memory).
    pub logins: LoginLimit,
    pub token_uses: TokenUses,
    /// The background tasks under supervision, for `/health`.
    pub components: Components,
    /// Cancelled once, when the server shuts down: streams end and background tasks stop.
    pub shutdown: CancellationToken,
    /// Set once any user exists (users are disabled, never removed): until then the page offers
    /// only the first-run form, and the gate asks the store on each anonymous request.
    pub users_exist: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// How the web app's sessions are kept.
#[derive(Clone, Debug)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: std::time::Duration,
    /// Cookies only over HTTPS (set when served behind TLS).
    pub secure_cookies: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle: std::time::Duration::from_secs(12 * 3600),
            secure_cookies: false,
        }
    }
}

impl AppState {
    /// The one constructor, for the server, the tests and the benchmark: starts the live feed
    /// under supervision, woken by `wakeups`. Without `leptos_options` (tests, benchmark) the
    /// pages are not served.
    pub async fn new(
        store: EventStore,
        wakeups: Wakeups,
        fleet_index: FleetIndex,
        map: MapSettings,
        leptos_options: Option<LeptosOptions>,
    ) -> sqlx::Result<Self> {
        let (components, shutdown) = (Components::default(), CancellationToken::new());
        let live = LiveFeed::default();
        let following = (live.clone(), store.clone());
        supervise("live feed", &components, &shutdown, move |reporter| {
            let ((live, store), wakeups) = (following.clone(), wakeups.clone());
            async move {
                reporter.running(None);
                Ok(live.follow(store, wakeups).await?)
            }
        });
        Ok(Self {
            leptos_options: leptos_options
                .unwrap_or_else(|| LeptosOptions::builder().output_name("fleetline").build()),
            live,
            live_streams: LiveStreams::default(),
            components,
            shutdown,
            token_uses: TokenUses::new(store.pool().clone()),
            store,
            sessions: SessionSettings::default(),
            logins: LoginLimit::default(),
            users_exist: Default::default(),
            map,
            osmand: Default::default(),
            fleet_index,
        })
    }
}
