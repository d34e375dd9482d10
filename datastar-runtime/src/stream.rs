//! A stream of events as an HTTP body: one frame per event, keep-alive comments, and a clean
//! end when the client goes away.
//!
//! The body encodes lazily: it learns its [`Dialect`] (the router's keep-alive, and the
//! compression negotiated for the request) on its first poll, from a [`Slot`] that
//! [`DatastarLayer`](crate::DatastarLayer) fills after the handler returned and before the
//! server polls the body. Without a layer the slot stays empty and the defaults apply.
//!
//! Its items come from a [`Source`]: a stream of events ([`EventSource`]), or a hub
//! subscription whose events arrive already encoded, shared by every subscriber.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_core::{Stream, TryStream};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tracing::Span;

use crate::compress::{Coding, Compression, Compressor};
use crate::encode::{Dialect, Encoder, Unsupported, encode, encode_comment, room_for};
use crate::event::Event;

/// How often an idle stream sends a keep-alive comment unless told otherwise.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Longer keep-alive intervals are cut to this, which is as good as never.
const LONGEST_KEEP_ALIVE: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// The text of the keep-alive comment (`: keep-alive`), which clients ignore.
const KEEP_ALIVE_TEXT: &str = "keep-alive";

/// What a router's [`DatastarLayer`](crate::DatastarLayer) decided for every stream under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RouterConfig {
    pub(crate) dialect: Dialect,
    /// `None`: the layer left the keep-alive alone.
    pub(crate) keep_alive: Option<Option<Duration>>,
    /// The `Content-Encoding` negotiated for this request, when the layer compresses.
    pub(crate) coding: Option<Coding>,
    /// How to compress, when `coding` says to.
    pub(crate) compression: Compression,
}

/// A response extension shared between an SSE body and the layer above it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot(Arc<OnceLock<RouterConfig>>);

impl Slot {
    /// Gives the body its router's config. The innermost layer answers first and wins, so a
    /// nested router keeps its own dialect. Whether this call was the one that decided.
    pub(crate) fn fill(&self, config: RouterConfig) -> bool {
        self.0.set(config).is_ok()
    }

    fn get(&self) -> Option<RouterConfig> {
        self.0.get().copied()
    }
}

/// What an SSE body sends next: an event to encode in the stream's dialect, or bytes already
/// encoded for it (shared with other streams by the [`Hub`](crate::Hub)).
pub(crate) enum Item {
    Event(Event),
    /// The bytes of an event, or (`Err`) the comment that says it could not be sent.
    Encoded(Result<Bytes, Bytes>),
}

/// Where an SSE body takes its items from. The dialect is the stream's, known from its first poll.
pub(crate) trait Source {
    fn poll_item(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dialect: Dialect,
    ) -> Poll<Option<Item>>;
}

pin_project! {
    /// A stream of events as a [`Source`].
    pub(crate) struct EventSource<S> {
        #[pin]
        pub(crate) stream: S,
    }
}

impl<S> Source for EventSource<S>
where
    S: Stream,
    S::Item: Into<Event>,
{
    fn poll_item(self: Pin<&mut Self>, cx: &mut Context<'_>, _: Dialect) -> Poll<Option<Item>> {
        self.project()
            .stream
            .poll_next(cx)
            .map(|event| event.map(|event| Item::Event(event.into())))
    }
}

pin_project! {
    /// The body of every SSE response of this crate.
    pub(crate) struct SseBody<S> {
        #[pin]
        source: S,
        slot: Slot,
        // The response's own keep-alive choice, which beats the router's.
        keep_alive: Option<Option<Duration>>,
        running: Option<Running>,
        trace: Trace,
    }
}

/// What the body needs once it knows its dialect.
struct Running {
    dialect: Dialect,
    // Made at the first event that needs it: a stream fed by a hub may never need one.
    encoder: Option<Encoder>,
    keep_alive: Option<(Duration, Pin<Box<Sleep>>)>,
    // Boxed: 144 bytes inline that every uncompressed stream, one per open connection, would
    // carry for nothing.
    compressor: Option<Box<Compressor>>,
    done: bool,
}

impl<S> SseBody<S> {
    pub(crate) fn new(source: S, keep_alive: Option<Option<Duration>>, slot: Slot) -> Self {
        SseBody {
            source,
            slot,
            keep_alive,
            running: None,
            trace: Trace::new(),
        }
    }
}

impl<S: Source> Body for SseBody<S> {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.project();
        // Only a span some subscriber wants: entering and leaving a disabled one still costs
        // two calls into `log` (axum's default `tower-log` feature turns on tracing's `log`),
        // about 75 instructions of every event's 1,300 (callgrind, a 1 KiB line).
        let _entered = (!this.trace.span.is_disabled()).then(|| this.trace.span.enter());
        let running = this.running.get_or_insert_with(|| {
            let router = this.slot.get();
            let dialect = router.map_or(Dialect::default(), |r| r.dialect);
            let coding = router.and_then(|r| Some((r.coding?, r.compression)));
            let keep_alive = this
                .keep_alive
                .or(router.and_then(|r| r.keep_alive))
                .unwrap_or(Some(DEFAULT_KEEP_ALIVE));
            this.trace
                .span
                .record("dialect", tracing::field::display(dialect));
            tracing::debug!(
                ?keep_alive,
                coding = coding.map(|(coding, _)| coding.as_str()),
                "stream opened"
            );
            // Only allocation can fail; the header already says compressed, so end instead.
            let compressor = coding
                .map(|(coding, settings)| Compressor::new(coding, settings).map(Box::new))
                .transpose()
                .inspect_err(|error| {
                    tracing::error!(%error, "could not start a compressor: ending the stream");
                });
            Running {
                dialect,
                encoder: None,
                keep_alive: keep_alive.filter(|every| !every.is_zero()).map(|every| {
                    // `Instant + Duration::MAX` panics; a year is as good as never.
                    let every = every.min(LONGEST_KEEP_ALIVE);
                    (every, Box::pin(tokio::time::sleep(every)))
                }),
                done: compressor.is_err(),
                compressor: compressor.ok().flatten(),
            }
        });
        if running.done {
            return Poll::Ready(None);
        }
        let bytes = match this.source.poll_item(cx, running.dialect) {
            Poll::Ready(Some(item)) => {
                running.reset_keep_alive();
                let encoded = match item {
                    Item::Event(event) => running.encode(&event),
                    Item::Encoded(encoded) => encoded,
                };
                match encoded {
                    Ok(bytes) => {
                        this.trace.sent += 1;
                        bytes
                    }
                    Err(comment) => {
                        this.trace.unsupported += 1;
                        comment
                    }
                }
            }
            Poll::Ready(None) => {
                running.done = true;
                this.trace.outcome = Outcome::Ended;
                return match running
                    .compressor
                    .take()
                    .map(|compressor| compressor.finish())
                {
                    Some(Ok(end)) => Poll::Ready(Some(Ok(Frame::data(end)))),
                    Some(Err(error)) => {
                        tracing::error!(%error, "could not end the compressed stream");
                        Poll::Ready(None)
                    }
                    None => Poll::Ready(None),
                };
            }
            Poll::Pending => {
                let Some((every, sleep)) = &mut running.keep_alive else {
                    return Poll::Pending;
                };
                ready!(sleep.as_mut().poll(cx));
                sleep.as_mut().reset(Instant::now() + *every);
                running.encoder().comment(KEEP_ALIVE_TEXT)
            }
        };
        let Some(compressor) = &mut running.compressor else {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        };
        match compressor.frame(&bytes) {
            Ok(compressed) => Poll::Ready(Some(Ok(Frame::data(compressed)))),
            Err(error) => {
                // Cannot happen when writing to memory; end the stream rather than send garbage.
                tracing::error!(%error, "could not compress an event: ending the stream");
                running.done = true;
                Poll::Ready(None)
            }
        }
    }
}

impl Running {
    fn reset_keep_alive(&mut self) {
        if let Some((every, sleep)) = &mut self.keep_alive {
            sleep.as_mut().reset(Instant::now() + *every);
        }
    }

    fn encoder(&mut self) -> &mut Encoder {
        let dialect = self.dialect;
        self.encoder.get_or_insert_with(|| Encoder::new(dialect))
    }

    /// The bytes of `event`, or, when the dialect cannot say it, an SSE comment that says so
    /// (logged at error level): the stream goes on, and nothing vanishes without a trace.
    fn encode(&mut self, event: &Event) -> Result<Bytes, Bytes> {
        encode_or_comment(self.encoder(), event)
    }
}

/// The bytes of `event`, or, when the encoder's dialect cannot say it, an SSE comment that says
/// so (logged at error level).
pub(crate) fn encode_or_comment(encoder: &mut Encoder, event: &Event) -> Result<Bytes, Bytes> {
    encoder
        .encode(event)
        .map_err(|unsupported| encoder.comment(&not_sent(unsupported)))
}

/// Logs an event that its dialect cannot express, and gives the comment sent in its place.
fn not_sent(unsupported: Unsupported) -> String {
    tracing::error!(%unsupported, "event not sent: its dialect cannot express it");
    format!("datastar: event not sent: {unsupported}")
}

/// The body of a response whose events are all known when it is made ([`Events`] and the
/// one-event replies): encoded in one piece, in a single write. Under a
/// [`DatastarLayer`](crate::DatastarLayer), which fills the slot before the server asks for the
/// body's size, it goes out with a `Content-Length`; without one the server sees no size yet
/// and sends it chunked.
///
/// [`Events`]: crate::Events
pub(crate) struct FiniteBody {
    events: Finite,
    slot: Slot,
    encoded: OnceLock<Bytes>,
    sent: bool,
}

/// The events of a [`FiniteBody`]: most replies hold one.
pub(crate) enum Finite {
    One(Event),
    Many(Vec<Event>),
}

impl FiniteBody {
    pub(crate) fn new(events: Finite, slot: Slot) -> Self {
        FiniteBody {
            events,
            slot,
            encoded: OnceLock::new(),
            sent: false,
        }
    }

    fn bytes(&self) -> &Bytes {
        self.encoded.get_or_init(|| {
            let router = self.slot.get();
            let dialect = router.map_or(Dialect::default(), |r| r.dialect);
            let events = match &self.events {
                Finite::One(event) => std::slice::from_ref(event),
                Finite::Many(events) => events,
            };
            let mut out = BytesMut::with_capacity(events.iter().map(room_for).sum());
            for event in events {
                if let Err(unsupported) = encode(event, dialect, &mut out) {
                    encode_comment(&not_sent(unsupported), &mut out);
                }
            }
            let Some((coding, settings)) = router.and_then(|r| Some((r.coding?, r.compression)))
            else {
                return out.freeze();
            };
            let compressed = Compressor::new(coding, settings).and_then(|mut compressor| {
                let head = compressor.frame(&out)?;
                Ok([head, compressor.finish()?].concat())
            });
            match compressed {
                Ok(bytes) => Bytes::from(bytes),
                Err(error) => {
                    // Cannot happen when writing to memory.
                    tracing::error!(%error, "could not compress a reply: sending nothing");
                    Bytes::new()
                }
            }
        })
    }
}

impl Body for FiniteBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent {
            return Poll::Ready(None);
        }
        self.sent = true;
        let bytes = self.bytes().clone();
        Poll::Ready((!bytes.is_empty()).then(|| Ok(Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent
    }

    fn size_hint(&self) -> SizeHint {
        if self.sent {
            return SizeHint::with_exact(0);
        }
        // Before the layer has spoken the dialect is unknown: no length, and no encoding yet.
        if self.slot.get().is_none() && self.encoded.get().is_none() {
            return SizeHint::default();
        }
        SizeHint::with_exact(self.bytes().len() as u64)
    }
}

/// The tracing of one stream: its span, and a line when it closes that says why.
struct Trace {
    span: Span,
    sent: u64,
    unsupported: u64,
    outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Dropped while the stream still had events to give: the client went away (or the
    /// server shut down).
    Running,
    /// The stream ended.
    Ended,
}

impl Trace {
    fn new() -> Self {
        Trace {
            span: tracing::debug_span!("datastar_sse", dialect = tracing::field::Empty),
            sent: 0,
            unsupported: 0,
            outcome: Outcome::Running,
        }
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        let _entered = self.span.enter();
        let why = match self.outcome {
            Outcome::Running => "client went away",
            Outcome::Ended => "stream ended",
        };
        tracing::debug!(
            events = self.sent,
            unsupported = self.unsupported,
            why,
            "stream closed"
        );
    }
}

pin_project! {
    /// A stream of `Result`s seen as a stream of events that ends, after logging the error,
    /// at the first `Err`. Made by [`Sse::try_new`](crate::Sse::try_new).
    pub struct TryEvents<S> {
        #[pin]
        stream: S,
        failed: bool,
    }
}

impl<S> TryEvents<S> {
    pub(crate) fn new(stream: S) -> Self {
        TryEvents {
            stream,
            failed: false,
        }
    }
}

impl<S> fmt::Debug for TryEvents<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryEvents")
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<S> Stream for TryEvents<S>
where
    S: TryStream,
    S::Ok: Into<Event>,
    S::Error: fmt::Display,
{
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let this = self.project();
        if *this.failed {
            return Poll::Ready(None);
        }
        match ready!(this.stream.try_poll_next(cx)) {
            Some(Ok(event)) => Poll::Ready(Some(event.into())),
            Some(Err(error)) => {
                *this.failed = true;
                tracing::error!(%error, "event stream failed: ending the response");
                Poll::Ready(None)
            }
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ExecuteScript, PatchElements};
    use http_body_util::BodyExt;

    type Boxed<S> = Pin<Box<SseBody<EventSource<S>>>>;

    async fn next(body: &mut Boxed<impl Stream<Item = Event>>) -> Option<Bytes> {
        let frame = body.frame().await?.expect("infallible");
        Some(frame.into_data().expect("data"))
    }

    fn boxed<S: Stream<Item = Event>>(
        stream: S,
        keep_alive: Option<Option<Duration>>,
        slot: Slot,
    ) -> Boxed<S> {
        Box::pin(SseBody::new(EventSource { stream }, keep_alive, slot))
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_stream_sends_a_keep_alive_every_fifteen_seconds_by_default() {
        let mut body = boxed(futures_util::stream::pending(), None, Slot::default());
        let start = Instant::now();
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), DEFAULT_KEEP_ALIVE);
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), 2 * DEFAULT_KEEP_ALIVE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_keep_alive_too_long_for_the_clock_is_as_good_as_never() {
        let events =
            futures_util::stream::iter([Event::from(PatchElements::new("<p id=\"a\"></p>"))]);
        let mut body = boxed(events, Some(Some(Duration::MAX)), Slot::default());
        // The event resets the keep-alive timer: `now + Duration::MAX` used to panic here.
        assert!(next(&mut body).await.unwrap().starts_with(b"event: "));
        assert_eq!(next(&mut body).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn an_event_pushes_the_next_keep_alive_back() {
        let events = futures_util::stream::unfold(0, |n| async move {
            if n == 1 {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_secs(10)).await;
            Some((Event::from(PatchElements::new("<p id=\"a\"></p>")), n + 1))
        });
        let mut body = boxed(events, Some(Some(Duration::from_secs(15))), Slot::default());
        let start = Instant::now();
        assert!(next(&mut body).await.unwrap().starts_with(b"event: "));
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), Duration::from_secs(25));
    }

    /// A slot filled as by a layer with `.keep_alive(Some(1 s))`.
    fn slot_with_router_keep_alive() -> Slot {
        let slot = Slot::default();
        slot.fill(RouterConfig {
            dialect: Dialect::V1,
            keep_alive: Some(Some(Duration::from_secs(1))),
            coding: None,
            compression: Compression::new(),
        });
        slot
    }

    #[tokio::test(start_paused = true)]
    async fn a_responses_own_keep_alive_beats_the_routers() {
        let own = Some(Some(Duration::from_secs(10)));
        let mut body = boxed(
            futures_util::stream::pending(),
            own,
            slot_with_router_keep_alive(),
        );
        let start = Instant::now();
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn without_its_own_keep_alive_a_response_takes_the_routers() {
        let mut body = boxed(
            futures_util::stream::pending(),
            None,
            slot_with_router_keep_alive(),
        );
        let start = Instant::now();
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert_eq!(next(&mut body).await.unwrap(), ": keep-alive\n\n");
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn the_layer_slot_sets_the_dialect_and_its_keep_alive_yields_to_the_response() {
        let slot = Slot::default();
        slot.fill(RouterConfig {
            dialect: Dialect::Seed,
            keep_alive: Some(Some(Duration::from_millis(1))),
            coding: None,
            compression: Compression::new(),
        });
        let events = futures_util::stream::iter([
            Event::from(ExecuteScript::new("go()")),
            Event::from(PatchElements::new("<p id=\"a\"></p>")),
        ]);
        let mut body = boxed(events, Some(None), slot);
        assert_eq!(
            next(&mut body).await.unwrap(),
            ": datastar: event not sent: the Seed dialect cannot express execute-script\n\n"
        );
        assert!(
            next(&mut body)
                .await
                .unwrap()
                .starts_with(b"event: datastar-fragment\n")
        );
        assert_eq!(next(&mut body).await, None);
        assert_eq!(next(&mut body).await, None, "an ended body stays ended");
    }
}
