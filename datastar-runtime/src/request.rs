//! Facts about a request that Datastar handlers ask for.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use crate::headers;
use crate::layer::RequestConfig;

/// Whether the request was made by the Datastar client (`Datastar-Request: true`).
///
/// Handy for a route that serves a full page to a browser and a patch to Datastar. Under a
/// [`DatastarLayer`](crate::DatastarLayer), reading it adds `Vary: Datastar-Request` to the
/// response, so caches keep the two answers apart.
///
/// ```
/// use axum::response::{Html, IntoResponse, Response};
/// use datastar_runtime::{DatastarRequest, PatchElements};
///
/// async fn counter(DatastarRequest(datastar): DatastarRequest) -> Response {
///     let counter = r#"<p id="counter">1</p>"#;
///     if datastar {
///         PatchElements::new(counter).into_response()
///     } else {
///         Html(format!("<body>{counter}</body>")).into_response()
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatastarRequest(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for DatastarRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        if let Some(config) = parts.extensions.get::<RequestConfig>() {
            config.vary.mark();
        }
        let value = parts.headers.get(headers::DATASTAR_REQUEST);
        Ok(DatastarRequest(value == Some(&headers::TRUE)))
    }
}

/// The id of the last event the client saw (`Last-Event-ID`), sent when it reconnects after
/// losing a stream whose events had an [`id`](crate::PatchElements::id), so the stream can
/// resume where it stopped.
///
/// `None` on a first connection. A header that is not UTF-8 is rejected with `400 Bad Request`.
///
/// ```
/// use datastar_runtime::{LastEventId, PatchElements, Sse};
///
/// async fn feed(LastEventId(last): LastEventId) -> Sse<impl futures_core::Stream<Item = PatchElements<datastar_runtime::ById>>> {
///     let start: u64 = last.and_then(|id| id.parse().ok()).map_or(0, |n: u64| n + 1);
///     Sse::new(futures_util::stream::iter((start..start + 3).map(|n| {
///         PatchElements::new(format!(r#"<p id="line">{n}</p>"#)).id(n)
///     })))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastEventId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for LastEventId {
    type Rejection = InvalidLastEventId;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, InvalidLastEventId> {
        match parts.headers.get(headers::LAST_EVENT_ID) {
            None => Ok(LastEventId(None)),
            Some(value) => match std::str::from_utf8(value.as_bytes()) {
                Ok(id) => Ok(LastEventId(Some(id.to_owned()))),
                Err(_) => Err(InvalidLastEventId),
            },
        }
    }
}

/// The `Last-Event-ID` header was not UTF-8: `400 Bad Request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidLastEventId;

impl IntoResponse for InvalidLastEventId {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            [(http::header::CONTENT_TYPE, headers::TEXT)],
            "the Last-Event-ID header is not valid UTF-8",
        )
            .into_response()
    }
}
