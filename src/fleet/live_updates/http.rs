use std::collections::HashSet;
use std::convert::Infallible;

use axum::{
    extract::{Query, State},
    http::HeaderMap,
    response::sse::{Event, KeepAlive, Sse},
};
use event_store::{Cursor, EventStore};
use futures::Stream;
use tokio_stream::{wrappers::BroadcastStream, StreamExt};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{feed::positioned, LiveFeed, LiveStreams, LiveUpdate, Positioned};
use crate::error::{AppError, ErrorCode};
use crate::fleet::access::{Access, Scope};
use crate::fleet::vehicle::Vehicle;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().add(Access::Read, utoipa_axum::routes!(handle))
}

/// How long one stream lasts. Access is checked when a stream opens, so a stream ends after this
/// and the browser reconnects (EventSource does so by itself) through the checks again: a
/// revoked token, a disabled user or an ended session stops receiving positions within 10
/// minutes. The browser resumes from the last event it got, so nothing is missed.
const STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// The most events a reconnecting stream replays from the log. A browser further behind (away
/// for long, at some 100 fixes a second for a fleet of 1,000) gets `resync` and reloads the
/// fleet, which is one query instead.
const MOST_REPLAYED: i64 = 10_000;

/// Server-sent events: one JSON update per registration or fix of the vehicles the caller sees
///
/// Each event is a `LiveUpdate` with its place in the log as its id. A client reconnecting with
/// `Last-Event-ID` (or `?lastEventId=`) first gets what it missed (up to 10,000 updates). A
/// client too slow to keep up, too far behind, or whose vehicles changed groups gets a `resync`
/// event and reloads the fleet. A stream ends after 10 minutes (the client reconnects through
/// the access checks again) and when the server shuts down. Beyond `--max-live-streams` open at
/// once: 503 `too_many_live_streams`.
#[utoipa::path(get, path = "/live",
    params(
        ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received: resume after it", pattern = r"^[0-9]+\.[0-9]+$"),
        ("lastEventId" = Option<String>, Query, description = "The same, for a client that opens a new stream", pattern = r"^[0-9]+\.[0-9]+$"),
    ),
    responses(
        (status = 200, description = "An event stream of `LiveUpdate`s (`text/event-stream`)", content_type = "text/event-stream", body = String),
    ))]
async fn handle(
    State(feed): State<LiveFeed>,
    State(store): State<EventStore>,
    State(shutdown): State<CancellationToken>,
    State(streams): State<LiveStreams>,
    headers: HeaderMap,
    Query(resume): Query<Resume>,
    scope: Scope,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let Some(place) = streams.open() else {
        return Err(AppError::new(
            ErrorCode::TooManyLiveStreams,
            "this server has as many live streams open as it allows; try again shortly",
        ));
    };
    // Subscribed before the log and the groups are read: anything committed in between comes
    // as an update (and one already replayed is skipped by its place).
    let updates = feed.subscribe();
    let after = last_event_id(&headers).or_else(|| resume.cursor());
    let missed = match after {
        Some(after) => Some(store.read_committed(after, MOST_REPLAYED).await?),
        None => None,
    };
    // If the read fails, the stream shows nothing rather than what it may not show.
    let mut seen = Vehicle::seen_ids(store.pool(), &scope)
        .await
        .unwrap_or_else(|_| Some(HashSet::new()));
    let (replayed, mut resent_up_to) = match &missed {
        Some(events) if events.len() as i64 == MOST_REPLAYED => (Vec::new(), None),
        // Nothing newer than what the browser has is sent again, even by an instance whose
        // feed is behind the one it came from.
        Some(events) => (
            events.iter().filter_map(positioned).map(Ok).collect(),
            events.last().map(|e| e.cursor()).max(after),
        ),
        None => (Vec::new(), None),
    };
    let too_far_behind = missed.is_some_and(|events| events.len() as i64 == MOST_REPLAYED);
    let live = BroadcastStream::new(updates).filter(move |item| match item {
        // Replayed already.
        Ok(item) if resent_up_to.is_some_and(|up_to| item.cursor <= up_to) => false,
        _ => {
            resent_up_to = None;
            true
        }
    });
    let stream = tokio_stream::iter(replayed)
        .chain(live)
        .filter_map(move |item| match item {
            Ok(Positioned {
                update:
                    LiveUpdate::VehiclePlacedInGroup {
                        vehicle_registered_id,
                        group_id,
                    },
                ..
            }) => regroup(&mut seen, &scope, vehicle_registered_id, group_id).map(Ok),
            Ok(item) => shows(&seen, item.update.vehicle_id()).then(|| Ok(as_event(&item))),
            Err(_lagged) => Some(Ok(Event::default().event("resync").data("lagged"))),
        });
    let behind = too_far_behind.then(|| Ok(Event::default().event("resync").data("behind")));
    let stream = tokio_stream::iter(behind).chain(stream);
    let ends = async move {
        tokio::select! {
            _ = tokio::time::sleep(STREAM_LIFETIME) => {}
            _ = shutdown.cancelled() => {}
        }
    };
    let stream = futures::StreamExt::take_until(stream, Box::pin(ends)).map(move |event| {
        // The stream's place is given back when the stream is dropped.
        let _held = &place;
        event
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// `?lastEventId=`: where a browser that opens a new stream after a hard failure resumes (a new
/// `EventSource` sends no `Last-Event-ID`).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Resume {
    last_event_id: Option<String>,
}

impl Resume {
    fn cursor(&self) -> Option<Cursor> {
        parse_event_id(self.last_event_id.as_deref()?)
    }
}

/// The place in the log a reconnecting browser got to: `Last-Event-ID` as this stream wrote it
/// (`<transaction id>.<position>`); `None` for a first connection or an id not of ours.
fn last_event_id(headers: &HeaderMap) -> Option<Cursor> {
    parse_event_id(headers.get("last-event-id")?.to_str().ok()?)
}

fn parse_event_id(id: &str) -> Option<Cursor> {
    let (transaction_id, position) = id.split_once('.')?;
    Some(Cursor {
        transaction_id: transaction_id.parse().ok()?,
        position: position.parse().ok()?,
    })
}

fn event_id(cursor: Cursor) -> String {
    format!("{}.{}", cursor.transaction_id, cursor.position)
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

fn as_event(item: &Positioned) -> Event {
    Event::default()
        .id(event_id(item.cursor))
        .json_data(&item.update)
        .unwrap_or_else(|_| Event::default().event("resync"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_id_reads_back_as_its_place_in_the_log() {
        let cursor = Cursor {
            transaction_id: 9_007_199,
            position: 42,
        };
        let mut headers = HeaderMap::new();
        headers.insert("last-event-id", event_id(cursor).parse().unwrap());
        assert_eq!(last_event_id(&headers), Some(cursor));
        for foreign in ["", "42", "a.b", "1.2.3", "-"] {
            headers.insert("last-event-id", foreign.parse().unwrap());
            assert_eq!(last_event_id(&headers), None, "{foreign:?}");
        }
    }
}
