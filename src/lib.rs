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

/// Every server-side binary (the server, the benchmark, the tests) allocates with jemalloc:
/// glibc's malloc kept what the server freed in its per-thread arenas, and the 20-minute soak's
/// resident memory crept up 2.5 MB a minute with the live heap flat (docs/benchmarks.md).
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
