//! Temporary: SSE responses straight from the runtime's encoder until the axum layer lands.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use datastar_runtime::{Dialect, Encoder, Event};

/// One SSE response holding `events`, encoded in `dialect`.
pub fn respond(dialect: Dialect, events: impl IntoIterator<Item = Event>) -> Response {
    let mut encoder = Encoder::new(dialect);
    let mut body = Vec::new();
    for event in events {
        body.extend_from_slice(&encoder.encode(&event).unwrap());
    }
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}
