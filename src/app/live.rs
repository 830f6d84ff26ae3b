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
        follow_after(state, StoredValue::new_local(None));
    }

    /// Opens `/live`, resuming after `last_id` (the id of the last update received) when there is
    /// one: the server first sends what was missed. The browser's own reconnections send it as
    /// `Last-Event-ID`; a connection opened again after a hard failure names it in the URL.
    fn follow_after(state: FleetState, last_id: StoredValue<Option<String>, LocalStorage>) {
        let url = match last_id.get_value() {
            Some(id) => format!("/live?lastEventId={id}"),
            None => "/live".to_string(),
        };
        let Ok(source) = EventSource::new(&url) else {
            state.connection.set(Connection::Offline);
            return;
        };
        // Until an update has come, nothing says where to resume: anything that happened before
        // the stream opened is in a fresh copy of the fleet. After that, the server replays.
        let on_open = Closure::<dyn FnMut()>::new(move || {
            state.connection.set(Connection::Live);
            if last_id.get_value().is_none() {
                state.reload();
            }
        });
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let id = event.last_event_id();
            if !id.is_empty() {
                last_id.set_value(Some(id));
            }
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
                    set_timeout(move || follow_after(state, last_id), Duration::from_secs(3));
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
