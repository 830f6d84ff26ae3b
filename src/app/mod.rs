//! The web app: server-rendered with the fleet already in the first response, then hydrated.

pub mod clustering;
mod live;
mod map;
#[cfg(feature = "hydrate")]
mod map_labels;
mod register_form;
mod state;
#[cfg(feature = "hydrate")]
mod throttle;
mod time_format;
mod timeline;
mod vehicle_list;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode, StaticSegment,
};

pub use map::MapSettings;
use state::{Connection, FleetState};

use crate::fleet::list_vehicles::list_vehicles;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // Served by the app itself, from the npm package; it must load before the wasm.
                <link rel="stylesheet" href="/vendor/leaflet/leaflet.css"/>
                <script src="/vendor/leaflet/leaflet.js"></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/fleetline.css"/>
        <Title text="Fleetline"/>
        <Router>
            <Routes fallback=|| "Page not found.".into_view()>
                // Async: the first response holds the whole fleet, readable without the wasm.
                <Route path=StaticSegment("") view=FleetPage ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

#[component]
fn FleetPage() -> impl IntoView {
    let state = FleetState::new(Resource::new(|| (), |_| list_vehicles()));
    provide_context(state);
    timeline::sync_url(state);
    timeline::follow_moment(state);
    live::follow(state);
    #[cfg(feature = "hydrate")]
    let _ = set_interval_with_handle(
        move || state.now.set(chrono::Utc::now()),
        std::time::Duration::from_secs(1),
    );

    view! {
        <header class="topbar">
            <h1>"Fleetline"</h1>
            <ConnectionBadge/>
        </header>
        <div class="layout">
            <aside class="sidebar">
                <register_form::RegisterForm/>
                <vehicle_list::VehicleList/>
            </aside>
            <main class="map-pane">
                <map::FleetMap/>
                <timeline::Timeline/>
            </main>
        </div>
    }
}

#[component]
fn ConnectionBadge() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let (class, text) = (
        move || match state.connection.get() {
            Connection::Live => "badge live",
            Connection::Connecting | Connection::Reconnecting => "badge waiting",
            Connection::Offline => "badge offline",
        },
        move || match state.connection.get() {
            Connection::Connecting => "Connecting…",
            Connection::Live => "Live updates on",
            Connection::Reconnecting => "Reconnecting…",
            Connection::Offline => "Offline",
        },
    );
    view! { <span class=class role="status" data-connection=move || format!("{:?}", state.connection.get()).to_lowercase()>{text}</span> }
}
