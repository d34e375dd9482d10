//! Imperative streams: a task sends events through a bounded queue to a response.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::event::Event;
use crate::response::Sse;

/// A response and the [`Sender`] that feeds it, for handlers that push events from a task.
///
/// The handler hands the sender to a task and returns the response at once. The queue holds at
/// most `capacity` events (at least one): when the client reads slowly,
/// [`send`](Sender::send) waits, so a slow client slows the task down instead of filling
/// memory. When the client goes away the response is dropped and `send` fails, so the task
/// can stop.
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, response::IntoResponse, routing::get};
/// use datastar_runtime::{PatchElements, channel};
///
/// async fn progress() -> impl IntoResponse {
///     let (sender, response) = channel(16);
///     tokio::spawn(async move {
///         for percent in (0..=100).step_by(10) {
///             let bar = format!(r#"<progress id="bar" value="{percent}" max="100"></progress>"#);
///             if sender.send(PatchElements::new(bar)).await.is_err() {
///                 return; // the client left
///             }
///             tokio::time::sleep(Duration::from_millis(100)).await;
///         }
///     });
///     response
/// }
///
/// let app: Router = Router::new().route("/progress", get(progress));
/// ```
pub fn channel(capacity: usize) -> (Sender, Sse<Receiver>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (Sender { tx }, Sse::new(Receiver { rx }))
}

/// Sends events to the response made by [`channel`]. Clone it to send from several tasks.
#[derive(Clone)]
pub struct Sender {
    tx: mpsc::Sender<Event>,
}

impl Sender {
    /// Queues `event`, waiting while the queue is full.
    ///
    /// Fails once the client has gone away (the response was dropped), handing the event back.
    pub async fn send(&self, event: impl Into<Event>) -> Result<(), Disconnected> {
        self.tx
            .send(event.into())
            .await
            .map_err(|mpsc::error::SendError(event)| Disconnected(event))
    }

    /// Waits until the client has gone away, for tasks that wait for something else between
    /// events (use it in `tokio::select!`).
    pub async fn closed(&self) {
        self.tx.closed().await;
    }

    /// Whether the client has gone away.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// The client has gone away: the event was not sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Disconnected(pub Event);

impl fmt::Display for Disconnected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the client has gone away")
    }
}

impl std::error::Error for Disconnected {}

/// The receiving end of a [`channel`]: a stream of the events sent to it.
#[derive(Debug)]
pub struct Receiver {
    rx: mpsc::Receiver<Event>,
}

impl Stream for Receiver {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.rx.poll_recv(cx)
    }
}
