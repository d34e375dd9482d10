//! A stream of events as an HTTP body: one frame per event, keep-alive comments, and a clean
//! end when the client goes away.
//!
//! The body encodes lazily: it learns its [`Dialect`] (and the router's keep-alive) on its first
//! poll, from a [`Slot`] that [`DatastarLayer`](crate::DatastarLayer) fills after the handler
//! returned and before the server polls the body. Without a layer the slot stays empty and the
//! defaults apply.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_core::{Stream, TryStream};
use http_body::{Body, Frame};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tracing::Span;

use crate::encode::{Dialect, Encoder};
use crate::event::Event;

/// How often an idle stream sends a keep-alive comment unless told otherwise.
pub const DEFAULT_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The text of the keep-alive comment (`: keep-alive`), which clients ignore.
const KEEP_ALIVE_TEXT: &str = "keep-alive";

/// What a router's [`DatastarLayer`](crate::DatastarLayer) decided for every stream under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RouterConfig {
    pub(crate) dialect: Dialect,
    /// `None`: the layer left the keep-alive alone.
    pub(crate) keep_alive: Option<Option<Duration>>,
}

/// A response extension shared between an SSE body and the layer above it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Slot(Arc<OnceLock<RouterConfig>>);

impl Slot {
    /// Gives the body its router's config. The innermost layer answers first and wins, so a
    /// nested router keeps its own dialect.
    pub(crate) fn fill(&self, config: RouterConfig) {
        let _ = self.0.set(config);
    }

    fn get(&self) -> Option<RouterConfig> {
        self.0.get().copied()
    }
}

pin_project! {
    /// The body of every SSE response of this crate.
    pub(crate) struct SseBody<S> {
        #[pin]
        stream: S,
        slot: Slot,
        // The response's own keep-alive choice, which beats the router's.
        keep_alive: Option<Option<Duration>>,
        running: Option<Running>,
        trace: Trace,
    }
}

/// What the body needs once it knows its dialect.
struct Running {
    encoder: Encoder,
    keep_alive: Option<(Duration, Pin<Box<Sleep>>)>,
    done: bool,
}

impl<S> SseBody<S> {
    pub(crate) fn new(stream: S, keep_alive: Option<Option<Duration>>, slot: Slot) -> Self {
        SseBody {
            stream,
            slot,
            keep_alive,
            running: None,
            trace: Trace::new(),
        }
    }
}

impl<S> Body for SseBody<S>
where
    S: Stream,
    S::Item: Into<Event>,
{
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.project();
        let _entered = this.trace.span.enter();
        let running = this.running.get_or_insert_with(|| {
            let router = this.slot.get();
            let dialect = router.map_or(Dialect::default(), |r| r.dialect);
            let keep_alive = this
                .keep_alive
                .or(router.and_then(|r| r.keep_alive))
                .unwrap_or(Some(DEFAULT_KEEP_ALIVE));
            this.trace
                .span
                .record("dialect", tracing::field::display(dialect));
            tracing::debug!(?keep_alive, "stream opened");
            Running {
                encoder: Encoder::new(dialect),
                keep_alive: keep_alive
                    .filter(|every| !every.is_zero())
                    .map(|every| (every, Box::pin(tokio::time::sleep(every)))),
                done: false,
            }
        });
        if running.done {
            return Poll::Ready(None);
        }
        match this.stream.poll_next(cx) {
            Poll::Ready(Some(event)) => {
                running.reset_keep_alive();
                let bytes = match running.encode(&event.into()) {
                    Ok(bytes) => {
                        this.trace.sent += 1;
                        bytes
                    }
                    Err(comment) => {
                        this.trace.unsupported += 1;
                        comment
                    }
                };
                return Poll::Ready(Some(Ok(Frame::data(bytes))));
            }
            Poll::Ready(None) => {
                running.done = true;
                this.trace.outcome = Outcome::Ended;
                return Poll::Ready(None);
            }
            Poll::Pending => {}
        }
        if let Some((every, sleep)) = &mut running.keep_alive {
            ready!(sleep.as_mut().poll(cx));
            sleep.as_mut().reset(Instant::now() + *every);
            return Poll::Ready(Some(Ok(Frame::data(
                running.encoder.comment(KEEP_ALIVE_TEXT),
            ))));
        }
        Poll::Pending
    }
}

impl Running {
    fn reset_keep_alive(&mut self) {
        if let Some((every, sleep)) = &mut self.keep_alive {
            sleep.as_mut().reset(Instant::now() + *every);
        }
    }

    /// The bytes of `event`, or, when the dialect cannot say it, an SSE comment that says so
    /// (logged at error level): the stream goes on, and nothing vanishes without a trace.
    fn encode(&mut self, event: &Event) -> Result<Bytes, Bytes> {
        self.encoder.encode(event).map_err(|unsupported| {
            tracing::error!(%unsupported, "event not sent: its dialect cannot express it");
            self.encoder
                .comment(&format!("datastar: event not sent: {unsupported}"))
        })
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
    use crate::event::{PatchElements, PatchSignals};
    use http_body_util::BodyExt;

    async fn next(body: &mut Pin<Box<SseBody<impl Stream<Item = Event>>>>) -> Option<Bytes> {
        let frame = body.frame().await?.expect("infallible");
        Some(frame.into_data().expect("data"))
    }

    fn boxed<S: Stream<Item = Event>>(
        stream: S,
        keep_alive: Option<Option<Duration>>,
        slot: Slot,
    ) -> Pin<Box<SseBody<S>>> {
        Box::pin(SseBody::new(stream, keep_alive, slot))
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

    #[tokio::test]
    async fn the_layer_slot_sets_the_dialect_and_its_keep_alive_yields_to_the_response() {
        let slot = Slot::default();
        slot.fill(RouterConfig {
            dialect: Dialect::Seed,
            keep_alive: Some(Some(Duration::from_millis(1))),
        });
        let events = futures_util::stream::iter([
            Event::from(PatchSignals::raw("{}").unwrap()),
            Event::from(PatchElements::new("<p id=\"a\"></p>")),
        ]);
        let mut body = boxed(events, Some(None), slot);
        assert_eq!(
            next(&mut body).await.unwrap(),
            ": datastar: event not sent: the Seed dialect cannot express patch-signals\n\n"
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
