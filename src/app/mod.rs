//! The web app: server-rendered with the fleet already in the first response, then hydrated.

mod accounts_page;
mod activity_strip;
mod bookmark;
pub mod clustering;
pub mod declutter;
mod groups_panel;
mod history;
mod live;
mod live_list;
mod map;
#[cfg(feature = "hydrate")]
mod map_labels;
mod map_settings;
mod register_form;
mod sign_in;
mod state;
#[cfg(feature = "hydrate")]
mod throttle;
mod time_format;
mod timeline;
mod timeline_range;
mod vehicle_list;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    SsrMode, StaticSegment,
};

pub use map_settings::MapSettings;
use state::{Connection, FleetState};

use crate::fleet::access::Visitor;
use crate::fleet::access::{Access, Role};
use crate::fleet::list_vehicles::list_vehicles;
use crate::fleet::sign_in::LogOut;
use leptos::form::ActionForm;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::server::page_policy::set_page_policy(
        &use_context::<MapSettings>()
            .map(|map| map.tile_url)
            .unwrap_or_default(),
    );
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
                <Route path=StaticSegment("") view=|| view! { <Visit page=Page::Fleet/> } ssr=SsrMode::Async/>
                <Route path=StaticSegment("admin") view=|| view! { <Visit page=Page::Accounts/> } ssr=SsrMode::Async/>
            </Routes>
        </Router>
    }
}

/// The pages a signed-in user may open.
#[derive(Clone, Copy, PartialEq)]
enum Page {
    Fleet,
    Accounts,
}

/// Who is signed in, for the parts of the page that depend on the role.
#[derive(Clone, Debug, PartialEq)]
pub struct SignedIn {
    pub email: String,
    pub role: Role,
}

/// Every page starts here: the first-run page while no user exists, the login page when signed
/// out, else the page asked for (the accounts page for admins only).
#[component]
fn Visit(page: Page) -> impl IntoView {
    // Known as the request arrives (its session or token): rendered on the server and handed to
    // the browser with the page, so the page's own resources load in the same first response.
    let visitor = SharedValue::new(visitor_on_server).into_inner();
    match visitor {
        Visitor::SignedIn { email, role } => {
            provide_context(SignedIn { email, role });
            match page {
                    Page::Accounts if role == Role::Admin => view! { <accounts_page::AccountsPage/> }.into_any(),
                    Page::Accounts => view! { <p class="notice">"Only administrators manage accounts. " <a href="/">"Back to the map"</a></p> }.into_any(),
                    Page::Fleet => view! { <FleetPage/> }.into_any(),
                }
        }
        Visitor::FirstRun => view! { <sign_in::FirstRunPage/> }.into_any(),
        Visitor::SignedOut => view! { <sign_in::LoginPage/> }.into_any(),
    }
}

/// After signing in or out: the home page, loaded whole, for its new visitor.
pub fn load_home() {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href("/");
    }
}

/// The visitor of the request being rendered; never called in the browser, which receives it.
fn visitor_on_server() -> Visitor {
    #[cfg(feature = "ssr")]
    return crate::server::auth::visitor();
    #[cfg(not(feature = "ssr"))]
    Visitor::SignedOut
}

/// The signed-in user, the accounts page for admins, and signing out.
#[component]
fn UserMenu() -> impl IntoView {
    let me = expect_context::<SignedIn>();
    let log_out = ServerAction::<LogOut>::new();
    Effect::new(move |_| {
        if matches!(log_out.value().get(), Some(Ok(()))) {
            load_home();
        }
    });
    view! {
        <span class="who" title=format!("Signed in as {} ({})", me.email, me.role)>{me.email.clone()}</span>
        // `rel="external"`: a whole page load, so the map's timers and feed end with its page.
        {(me.role == Role::Admin).then(|| view! { <a class="topbar-link" href="/admin" rel="external">"Accounts"</a> })}
        <ActionForm action=log_out attr:class="inline-form">
            <button type="submit" class="zone-toggle">"Sign out"</button>
        </ActionForm>
    }
}

#[component]
fn FleetPage() -> impl IntoView {
    let may_manage = expect_context::<SignedIn>().role.may(Access::Manage);
    let state = FleetState::new(
        Resource::new(|| (), |_| list_vehicles()),
        Resource::new(|| (), |_| map_settings::get_map_settings()),
    );
    provide_context(state);
    bookmark::sync_url(state);
    timeline::follow_moment(state);
    live::follow(state);
    // Effects run only in the browser: from here on, times are written in its zone.
    Effect::new(move |_| state.hydrated.set(true));
    #[cfg(feature = "hydrate")]
    let _ = set_interval_with_handle(
        move || state.now.set(chrono::Utc::now()),
        std::time::Duration::from_secs(1),
    );
    // On a phone the panels are a sheet over the map, opened on demand.
    let panels_open = RwSignal::new(false);

    // Each part's type erased: nested whole, the page's view type is too deep for the compiler.
    let panels = view! {
        <aside class="sidebar" id="sidebar" aria-label="Vehicles and registration">
            {may_manage.then(|| view! { <register_form::RegisterForm/> })}
            <vehicle_list::VehicleList/>
            <history::VehicleDetail/>
        </aside>
    }
    .into_any();
    let map_pane = view! {
        <main class="map-pane">
            <MomentNotices/>
            <map::FleetMap/>
            <timeline::Timeline/>
        </main>
    }
    .into_any();

    view! {
        // `rel="external"`: the router leaves the link to the browser, which moves the focus.
        <a class="skip-link" href="#timeline" rel="external">"Skip to the map and timeline"</a>
        <header class="topbar">
            <h1>"Fleetline"</h1>
            <div class="topbar-tools">
                <button
                    type="button"
                    class="panels-toggle"
                    aria-controls="sidebar"
                    aria-expanded=move || panels_open.get().to_string()
                    on:click=move |_| panels_open.update(|open| *open = !*open)
                >
                    {move || if panels_open.get() { "Close panels" } else { "Vehicles" }}
                </button>
                <ZoneToggle/>
                <ConnectionBadge/>
                <UserMenu/>
            </div>
        </header>
        <div class="layout" class:panels-open=move || panels_open.get()>
            {panels}
            {map_pane}
        </div>
    }
}

/// Replay is unmistakable: a banner with the moment and the way back; a bookmark that could not
/// be read says so.
#[component]
fn MomentNotices() -> impl IntoView {
    let state = expect_context::<FleetState>();
    view! {
        {move || state.bad_moment.get().map(|raw| view! {
            <p class="notice bad-moment" role="alert">
                "The address asks for the moment “" {raw} "”, which is not a date and time "
                "(for example 2026-12-01T14:00:00+01:00). Showing Live instead. "
                <button type="button" class="link" on:click=move |_| state.bad_moment.set(None)>"Dismiss"</button>
            </p>
        })}
        // Built once per replay: only its moment changes at every step of a drag.
        <Show when=move || state.at.with(Option::is_some)>
            <div class="notice replay-banner" role="status">
                <span>
                    "Replay: the fleet as it was at "
                    // The moment of the fleet drawn: it changes when a fleet arrives, not at
                    // every input of a drag.
                    <strong>
                        {move || state.shown.with(|shown| shown.moment).map(|moment| state.time(moment))}
                    </strong>
                </span>
                <button type="button" class="back-to-live" on:click=move |_| state.at.set(None)>"Back to live"</button>
            </div>
        </Show>
    }
}

/// Every time on the page is in the browser's zone, or in UTC at a click.
#[component]
fn ZoneToggle() -> impl IntoView {
    let state = expect_context::<FleetState>();
    let zone = move || {
        if state.hydrated.get() && !state.utc.get() {
            time_format::zone_name()
        } else {
            "UTC".to_string()
        }
    };
    view! {
        <button
            type="button"
            class="zone-toggle"
            aria-pressed=move || state.utc.get().to_string()
            title="Switch between your time zone and UTC"
            on:click=move |_| state.utc.update(|utc| *utc = !*utc)
        >
            "Times: " {zone}
        </button>
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
