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
    Sse::new(stream).keep_alive(KeepAlive::default())
}
