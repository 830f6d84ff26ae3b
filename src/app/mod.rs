//! The web app: server-rendered, then hydrated in the browser.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    StaticSegment,
};

use crate::fleet::list_vehicles::list_vehicles;

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
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
                <Route path=StaticSegment("") view=FleetPage/>
            </Routes>
        </Router>
    }
}

#[component]
fn FleetPage() -> impl IntoView {
    let vehicles = Resource::new(|| (), |_| list_vehicles());
    view! {
        <header class="topbar"><h1>"Fleetline"</h1></header>
        <main>
            <Suspense fallback=|| view! { <p>"Loading vehicles…"</p> }>
                {move || Suspend::new(async move {
                    match vehicles.await {
                        Ok(list) => view! {
                            <ul class="vehicle-list">
                                {list.into_iter().map(|v| view! { <li>{v.vehicle_license_plate}</li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="error">{error.message}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
