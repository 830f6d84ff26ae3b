use std::convert::Infallible;

use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::Stream;
use tokio_stream::{wrappers::BroadcastStream, StreamExt};

use super::LiveFeed;
use crate::fleet::access::Access;
use crate::http::routes::Routes;

pub fn routes() -> Routes {
    Routes::new().get("/live", Access::Read, handle)
}

/// How long one stream lasts. Access is checked when a stream opens, so a stream ends after this
/// and the browser reconnects (EventSource does so by itself) through the checks again: a
/// revoked token, a disabled user or an ended session stops receiving positions within 10
/// minutes. The app resyncs on reconnection, so nothing is missed.
const STREAM_LIFETIME: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// `GET /live`: server-sent events, one JSON [`super::LiveUpdate`] each. A browser too slow to
/// keep up gets a `resync` event and reloads the fleet.
async fn handle(
    State(feed): State<LiveFeed>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = BroadcastStream::new(feed.subscribe()).map(|update| {
        Ok(match update {
            Ok(update) => Event::default()
                .json_data(update)
                .unwrap_or_else(|_| Event::default().event("resync")),
            Err(_lagged) => Event::default().event("resync").data("lagged"),
        })
    });
    let stream = futures::StreamExt::take_until(stream, tokio::time::sleep(STREAM_LIFETIME));
    Sse::new(stream).keep_alive(KeepAlive::default())
}
