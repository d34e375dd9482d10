//! Events as axum responses: one event, a finite sequence ([`Events`]) or a stream ([`Sse`]).

use std::fmt;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use futures_core::{Stream, TryStream};
use http::{StatusCode, header};

use crate::error::InvalidValue;
use crate::event::{
    Event, ExecuteScript, IntoEvent, PatchElements, PatchSignals, RemoveElements, RemoveSignals,
};
use crate::headers;
use crate::stream::{EventSource, Finite, FiniteBody, Slot, Source, SseBody, TryEvents};

/// A stream of events as a Server-Sent Events response.
///
/// Each event is encoded in the router's [`Dialect`](crate::Dialect) (see
/// [`DatastarLayer`](crate::DatastarLayer); V1 without a layer) and sent as its own body frame
/// the moment the stream yields it. While the stream is idle a keep-alive comment
/// (`: keep-alive`) is sent every 15 seconds, which Datastar clients ignore.
///
/// When the client goes away, the server drops the response and with it the stream: put
/// clean-up in the stream's `Drop`, or watch [`Sender::send`](crate::Sender::send) fail.
///
/// The response is `200 OK` with `Content-Type: text/event-stream`, `Cache-Control: no-cache`
/// and `X-Accel-Buffering: no` (nginx must not buffer it); under a
/// [`DatastarLayer`](crate::DatastarLayer), also `Connection: keep-alive` on HTTP/1.1.
///
/// An event the dialect cannot express (a script for [`Dialect::Seed`](crate::Dialect),
/// say) is not sent: it is logged with `tracing` at error level and replaced on the wire by an
/// SSE comment that names it, and the stream goes on.
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use datastar_runtime::{PatchElements, Sse};
///
/// async fn clock() -> Sse<impl futures_core::Stream<Item = PatchElements<datastar_runtime::ById>>> {
///     let ticks = futures_util::stream::unfold(0u64, |n| async move {
///         tokio::time::sleep(Duration::from_secs(1)).await;
///         Some((PatchElements::new(format!(r#"<span id="clock">{n}</span>"#)), n + 1))
///     });
///     Sse::new(ticks)
/// }
///
/// let app: Router = Router::new().route("/clock", get(clock));
/// ```
#[must_use = "a response does nothing until it is returned"]
pub struct Sse<S> {
    stream: S,
    keep_alive: Option<Option<Duration>>,
}

impl<S> Sse<S>
where
    S: Stream + Send + 'static,
    S::Item: Into<Event>,
{
    /// Sends every event of `stream`, until it ends or the client goes away.
    pub fn new(stream: S) -> Self {
        Sse {
            stream,
            keep_alive: None,
        }
    }
}

impl<S> Sse<TryEvents<S>>
where
    S: TryStream + Send + 'static,
    S::Ok: Into<Event>,
    S::Error: fmt::Display,
{
    /// Sends every event of `stream` until its first error, which ends the response (a
    /// stream cannot change its status once it started) and is logged at error level.
    ///
    /// ```
    /// use datastar_runtime::{PatchSignals, Sse};
    /// use serde_json::json;
    ///
    /// let updates = futures_util::stream::iter([
    ///     PatchSignals::new(&json!({ "step": 1 })),
    ///     PatchSignals::new(&json!({ "step": 2 })),
    /// ]);
    /// let response = Sse::try_new(updates);
    /// # let _ = response;
    /// ```
    pub fn try_new(stream: S) -> Self {
        Sse::new(TryEvents::new(stream))
    }
}

impl<S> Sse<S> {
    /// Sends a keep-alive comment (`: keep-alive`) after `every` without an event, or never
    /// with `None`. This beats the router's setting; the default is 15 seconds.
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = Some(every);
        self
    }
}

impl<S> fmt::Debug for Sse<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sse")
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<S> IntoResponse for Sse<S>
where
    S: Stream + Send + 'static,
    S::Item: Into<Event>,
{
    fn into_response(self) -> Response {
        sse_response(
            EventSource {
                stream: self.stream,
            },
            self.keep_alive,
        )
    }
}

/// The SSE response of every stream of this crate, whatever feeds it.
pub(crate) fn sse_response<S>(source: S, keep_alive: Option<Option<Duration>>) -> Response
where
    S: Source + Send + 'static,
{
    let slot = Slot::default();
    let body = SseBody::new(source, keep_alive, slot.clone());
    let mut response = Response::new(Body::new(body));
    event_stream(&mut response, slot);
    response
}

/// A finite sequence of events, sent as one SSE response that ends after the last one.
///
/// It holds a tuple of events of any kinds, in the order they are sent, or a `Vec` or array
/// of one kind; each item is anything [`IntoEvent`], so no `.into()` is needed.
///
/// ```
/// use datastar_runtime::{Events, InvalidValue, PatchElements, PatchSignals, signals};
///
/// async fn save() -> Events<(PatchElements<datastar_runtime::ById>, PatchSignals)> {
///     Events((
///         PatchElements::new(r#"<p id="status">saved</p>"#),
///         signals!({ "dirty": false }),
///     ))
/// }
///
/// // Built at run time: collect into `Events<Vec<Event>>`.
/// async fn rows(n: u32) -> Events<Vec<datastar_runtime::Event>> {
///     (0..n).map(|i| PatchElements::new(format!(r#"<tr id="row-{i}"></tr>"#))).collect()
/// }
/// ```
///
/// ## Nothing to send: `204 No Content`
///
/// No events at all (`Events(())`, an empty `Vec`) are answered with `204 No Content` and no
/// body, which the Datastar 1.0 client takes as "done, nothing to patch", with no retry. Use it
/// for a request that only changes state on the server (a click counted, a form field saved
/// while the page already shows it) or whose answer comes to the page another way, such as a
/// [`Hub`](crate::Hub) stream that every tab has open.
///
/// ```
/// use datastar_runtime::Events;
///
/// async fn track_click() -> Events<()> {
///     // ...count the click...
///     Events(())
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a response does nothing until it is returned"]
pub struct Events<T>(pub T);

/// What [`Events`] can hold: a tuple of up to twelve events of any kinds, or a `Vec` or an
/// array of events of one kind; `()` holds none.
#[diagnostic::on_unimplemented(
    message = "`Events` cannot send `{Self}`",
    label = "expected a tuple, `Vec` or array of events",
    note = "write `Events((patch!(…), signals!({{ … }}), …))` for events of several kinds, or collect an iterator into `Events<Vec<Event>>`"
)]
pub trait EventList {
    /// The events, in order.
    fn into_events(self) -> Vec<Event>;
}

impl<E: IntoEvent> EventList for Vec<E> {
    fn into_events(self) -> Vec<Event> {
        self.into_iter().map(IntoEvent::into_event).collect()
    }
}

impl<E: IntoEvent, const N: usize> EventList for [E; N] {
    fn into_events(self) -> Vec<Event> {
        self.into_iter().map(IntoEvent::into_event).collect()
    }
}

macro_rules! tuple_event_list {
    ($($name:ident)+) => {
        impl<$($name: IntoEvent),+> EventList for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_events(self) -> Vec<Event> {
                let ($($name,)+) = self;
                vec![$($name.into_event()),+]
            }
        }
    };
}
/// No events: a `204 No Content`.
impl EventList for () {
    fn into_events(self) -> Vec<Event> {
        Vec::new()
    }
}

tuple_event_list!(A);
tuple_event_list!(A B);
tuple_event_list!(A B C);
tuple_event_list!(A B C D);
tuple_event_list!(A B C D E);
tuple_event_list!(A B C D E F);
tuple_event_list!(A B C D E F G);
tuple_event_list!(A B C D E F G H);
tuple_event_list!(A B C D E F G H I);
tuple_event_list!(A B C D E F G H I J);
tuple_event_list!(A B C D E F G H I J K);
tuple_event_list!(A B C D E F G H I J K L);

impl<E: IntoEvent> FromIterator<E> for Events<Vec<Event>> {
    fn from_iter<I: IntoIterator<Item = E>>(iter: I) -> Self {
        Events(iter.into_iter().map(IntoEvent::into_event).collect())
    }
}

impl<T: EventList> IntoResponse for Events<T> {
    fn into_response(self) -> Response {
        events_response(self.0.into_events())
    }
}

/// The response of events that are all known now; one event needs no `Vec`'s work.
pub(crate) fn events_response(mut events: Vec<Event>) -> Response {
    if events.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    if events.len() == 1 {
        let event = events.pop().expect("one event");
        return finite_response(Finite::One(event));
    }
    finite_response(Finite::Many(events))
}

/// The response of `first`, then `then`: with nothing after it, one event and no `Vec`.
pub(crate) fn first_then_response(first: Event, mut then: Vec<Event>) -> Response {
    if then.is_empty() {
        return finite_response(Finite::One(first));
    }
    then.insert(0, first);
    finite_response(Finite::Many(then))
}

/// The headers of every event stream, and the slot its layer fills.
fn event_stream(response: &mut Response, slot: Slot) {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, headers::EVENT_STREAM);
    headers.insert(header::CACHE_CONTROL, headers::NO_CACHE);
    headers.insert(headers::X_ACCEL_BUFFERING, headers::NO);
    response.extensions_mut().insert(slot);
}

/// The response of events that are all known now: sent in one piece, with a length.
fn finite_response(events: Finite) -> Response {
    let slot = Slot::default();
    let mut response = Response::new(Body::new(FiniteBody::new(events, slot.clone())));
    event_stream(&mut response, slot);
    response
}

/// One event is a complete SSE response.
macro_rules! one_event_response {
    ($($ty:ty),*) => {$(
        impl IntoResponse for $ty {
            fn into_response(self) -> Response {
                finite_response(Finite::One(Event::from(self)))
            }
        }
    )*};
}
one_event_response!(
    Event,
    RemoveElements,
    PatchSignals,
    RemoveSignals,
    ExecuteScript
);

impl<T> IntoResponse for PatchElements<T> {
    fn into_response(self) -> Response {
        finite_response(Finite::One(Event::from(self)))
    }
}

/// A value that could not become an event is a bug on the server: `500 Internal Server Error`,
/// with the reason in the body and in the log.
///
/// It lets a handler use `?` on event builders:
///
/// ```
/// use datastar_runtime::{InvalidValue, PatchSignals};
///
/// #[derive(serde::Serialize)]
/// struct Cart { items: u32 }
///
/// async fn cart() -> Result<PatchSignals, InvalidValue> {
///     PatchSignals::new(&Cart { items: 3 })
/// }
/// ```
impl IntoResponse for InvalidValue {
    fn into_response(self) -> Response {
        tracing::error!(error = %self, "could not build a Datastar event");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, headers::TEXT)],
            self.to_string(),
        )
            .into_response()
    }
}
