//! Fleetline: event-sourced vehicle tracking.
//!
//! The event store (`crates/event-store`) knows nothing of vehicles; `fleet` holds one folder per use case; `app` is the
//! Leptos UI; `server` and `http` wire it all to axum. Server-only code sits behind `ssr`.

pub mod app;
pub mod error;
pub mod fleet;
#[cfg(feature = "ssr")]
pub mod json;
#[cfg(feature = "ssr")]
pub mod random;

#[cfg(feature = "ssr")]
pub mod http;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(test)]
mod test_support;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
