//! Follows the server's live updates (server-sent events) and keeps the connection state.

use super::state::FleetState;

/// Opens `/live`; reconnects by itself (the browser retries, and after a hard failure so do we).
pub fn follow(state: FleetState) {
    #[cfg(feature = "hydrate")]
    browser::follow(state);
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{EventSource, MessageEvent};

    use crate::app::state::{Connection, FleetState};
    use crate::fleet::live_updates::LiveUpdate;

    pub fn follow(state: FleetState) {
        let Ok(source) = EventSource::new("/live") else {
            state.connection.set(Connection::Offline);
            return;
        };
        // Anything that happened while we were not listening is in a fresh copy of the fleet.
        let on_open = Closure::<dyn FnMut()>::new(move || {
            state.connection.set(Connection::Live);
            state.reload();
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(update) = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<LiveUpdate>(&text).ok())
            {
                state.apply(update);
            }
        });
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_resync = Closure::<dyn FnMut()>::new(move || state.reload());
        let _ =
            source.add_event_listener_with_callback("resync", on_resync.as_ref().unchecked_ref());
        let on_error = {
            let source = source.clone();
            Closure::<dyn FnMut()>::new(move || {
                if source.ready_state() == EventSource::CLOSED {
                    state.connection.set(Connection::Offline);
                    set_timeout(move || follow(state), Duration::from_secs(3));
                } else {
                    state.connection.set(Connection::Reconnecting);
                }
            })
        };
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The handlers live as long as the page.
        on_open.forget();
        on_message.forget();
        on_resync.forget();
        on_error.forget();
    }
}
