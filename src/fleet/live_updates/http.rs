use std::collections::HashSet;
use std::convert::Infallible;

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use event_store::EventStore;
use futures::Stream;
use tokio_stream::{wrappers::BroadcastStream, StreamExt};
use uuid::Uuid;

use super::{LiveFeed, LiveUpdate};
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/live", Access::Read, handle)
}

/// How long one stream lasts. Access is checked when a stream opens, so a stream ends after this
/// and the browser reconnects (EventSource does so by itself) through the checks again: a
/// revoked token, a disabled user or an ended session stops receiving positions within 10
/// minutes. The app resyncs on reconnection, so nothing is missed.
const STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// `GET /live`: server-sent events, one JSON [`super::LiveUpdate`] each, of the vehicles the
/// caller sees. A browser too slow to keep up, or whose vehicles changed groups, gets a `resync`
/// event and reloads the fleet.
async fn handle(
    State(feed): State<LiveFeed>,
    State(store): State<EventStore>,
    scope: Scope,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    // Subscribed before the groups are read: a placement in between comes as an update.
    let updates = feed.subscribe();
    // If the read fails, the stream shows nothing rather than what it may not show.
    let mut seen = Vehicle::seen_ids(store.pool(), &scope)
        .await
        .unwrap_or_else(|_| Some(HashSet::new()));
    let stream = BroadcastStream::new(updates).filter_map(move |update| match update {
        Ok(LiveUpdate::VehiclePlacedInGroup {
            vehicle_registered_id,
            group_id,
        }) => regroup(&mut seen, &scope, vehicle_registered_id, group_id).map(Ok),
        Ok(update) => shows(&seen, update.vehicle_id()).then(|| Ok(as_event(&update))),
        Err(_lagged) => Some(Ok(Event::default().event("resync").data("lagged"))),
    });
    let stream = futures::StreamExt::take_until(stream, tokio::time::sleep(STREAM_LIFETIME));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// The vehicles a stream shows: `None` for the whole fleet.
type SeenVehicles = Option<HashSet<Uuid>>;

fn shows(seen: &SeenVehicles, vehicle_id: Uuid) -> bool {
    seen.as_ref().is_none_or(|seen| seen.contains(&vehicle_id))
}

/// A vehicle was placed in a group: from the event itself (the read models may not have it yet),
/// a stream limited to groups now shows the vehicle or not, and has the browser reload if it
/// came or went.
fn regroup(
    seen: &mut SeenVehicles,
    scope: &Scope,
    vehicle_id: Uuid,
    group_id: Uuid,
) -> Option<Event> {
    let seen = seen.as_mut()?;
    let changed = if scope.sees(Some(group_id)) {
        seen.insert(vehicle_id)
    } else {
        seen.remove(&vehicle_id)
    };
    changed.then(|| Event::default().event("resync").data("groups"))
}

fn as_event(update: &LiveUpdate) -> Event {
    Event::default()
        .json_data(update)
        .unwrap_or_else(|_| Event::default().event("resync"))
}
