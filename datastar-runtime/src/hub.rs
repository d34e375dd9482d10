//! [`Hub`]: one event, published once, sent to every stream subscribed to its topic.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::ReusableBoxFuture;

use crate::encode::{Dialect, Encoder};
use crate::event::Event;
use crate::response::sse_response;
use crate::stream::{Item, Source, encode_or_comment};

/// How many published events a hub keeps for subscribers that fall behind, unless told otherwise.
pub const DEFAULT_HUB_CAPACITY: usize = 64;

/// The full state of a topic, sent to a subscriber that fell behind.
type Resync<K> = Arc<dyn Fn(&K) -> Vec<Event> + Send + Sync>;

/// A broadcast of events to every open stream of a topic: the many tabs that show one page.
///
/// A handler answers with [`subscribe`](Hub::subscribe), a streaming response that lasts as
/// long as the tab; anyone holding the hub (a clone: it is a handle) [`publish`](Hub::publish)es
/// an event to a topic, and every subscriber of the topic sends it.
///
/// - **Encoded once.** A published event is encoded at most once per [`Dialect`] in use, by
///   the first subscriber that sends it; every other subscriber sends the same [`Bytes`], so
///   encoding costs the same for ten subscribers or ten thousand. (Under a compressing
///   [`DatastarLayer`](crate::DatastarLayer) each stream still runs the shared bytes through
///   its own compressor, whose state is per connection.)
/// - **Nobody waits for the slowest.** Publishing never waits. Each topic keeps its last
///   `capacity` events; a subscriber whose client reads too slowly to keep up falls behind,
///   and when it has missed events it does not get them late: it skips to the newest and
///   sends the topic's full state instead, made by the `resync` function given to the hub
///   (the "fat morph": one patch of the whole page part, which morphing makes cheap for the
///   browser). So a slow tab catches up in one step and the others never notice it.
/// - **Cheap to join and leave.** Subscribing and leaving take a lock for a map lookup. When
///   the client goes away the server drops the response, which leaves the topic at once; a
///   topic without subscribers is forgotten, and publishing to it does nothing.
///
/// Because a subscriber that fell behind skips to the state given by `resync`, publish events
/// that carry state rather than changes: a morph of an element by its id (sending the same
/// thing twice does no harm) rather than an append. Events published while a resync is being
/// made may be sent both inside it and after it.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use axum::{Router, extract::State, routing::{get, post}};
/// use datastar_runtime::{Hub, PatchElements, Subscription};
///
/// #[derive(Clone)]
/// struct App {
///     score: Arc<Mutex<u32>>,
///     hub: Hub<&'static str>,
/// }
///
/// fn scoreboard(score: u32) -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(format!(r#"<p id="score">{score}</p>"#))
/// }
///
/// // Every tab opens this stream on load (`data-init="@get('/score')"`).
/// async fn watch(State(app): State<App>) -> Subscription<&'static str> {
///     // Subscribe first, then read the state: no publish falls between the two.
///     let subscription = app.hub.subscribe("score");
///     let now = *app.score.lock().unwrap();
///     subscription.first([scoreboard(now)])
/// }
///
/// async fn goal(State(app): State<App>) {
///     let score = {
///         let mut score = app.score.lock().unwrap();
///         *score += 1;
///         *score
///     };
///     app.hub.publish(&"score", scoreboard(score));
/// }
///
/// let score = Arc::new(Mutex::new(0));
/// let hub = Hub::new({
///     let score = score.clone();
///     // A tab that fell behind gets the scoreboard as it is now.
///     move |_topic: &&'static str| [scoreboard(*score.lock().unwrap())]
/// });
/// let app: Router = Router::new()
///     .route("/score", get(watch))
///     .route("/goal", post(goal))
///     .with_state(App { score, hub });
/// ```
pub struct Hub<K> {
    inner: Arc<Inner<K>>,
}

struct Inner<K> {
    topics: Mutex<HashMap<K, broadcast::Sender<Arc<Published>>>>,
    capacity: usize,
    resync: Resync<K>,
}

/// One published event and its bytes in each dialect, filled by the first subscriber that
/// sends it in that dialect.
struct Published {
    event: Event,
    encoded: [OnceLock<Result<Bytes, Bytes>>; 3],
}

impl Published {
    fn bytes(&self, dialect: Dialect) -> Result<Bytes, Bytes> {
        let at = match dialect {
            Dialect::V1 => 0,
            Dialect::Beta => 1,
            Dialect::Seed => 2,
        };
        self.encoded[at]
            .get_or_init(|| encode_or_comment(&mut Encoder::new(dialect), &self.event))
            .clone()
    }
}

impl<K> Hub<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// A hub that keeps the last [`DEFAULT_HUB_CAPACITY`] events of each topic, and gives a
    /// subscriber that fell further behind the events made by `resync` for its topic.
    pub fn new<F, I>(resync: F) -> Self
    where
        F: Fn(&K) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        Self::with_capacity(DEFAULT_HUB_CAPACITY, resync)
    }

    /// A hub that keeps the last `capacity` events (at least one) of each topic: the most a
    /// subscriber may fall behind before it is resynchronized.
    pub fn with_capacity<F, I>(capacity: usize, resync: F) -> Self
    where
        F: Fn(&K) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        Hub {
            inner: Arc::new(Inner {
                topics: Mutex::default(),
                capacity: capacity.max(1),
                resync: Arc::new(move |topic| resync(topic).into_iter().map(Into::into).collect()),
            }),
        }
    }

    /// Sends `event` to every subscriber of `topic`, without waiting for any of them, and
    /// says how many there were (0: nobody listens, and the event is dropped).
    pub fn publish(&self, topic: &K, event: impl Into<Event>) -> usize {
        // Clone the sender and let go of the map before waking every subscriber.
        let sender = self.inner.topics().get(topic).cloned();
        let Some(sender) = sender else { return 0 };
        let published = Arc::new(Published {
            event: event.into(),
            encoded: Default::default(),
        });
        sender.send(published).unwrap_or(0)
    }

    /// A streaming response that sends every event published to `topic` from now on, until
    /// the client goes away.
    pub fn subscribe(&self, topic: K) -> Subscription<K> {
        let receiver = self
            .inner
            .topics()
            .entry(topic.clone())
            .or_insert_with(|| broadcast::channel(self.inner.capacity).0)
            .subscribe();
        Subscription {
            receiver,
            member: Member {
                hub: self.inner.clone(),
                topic,
            },
            first: VecDeque::new(),
            resync: None,
            keep_alive: None,
        }
    }

    /// How many streams are subscribed to `topic` now.
    pub fn subscribers(&self, topic: &K) -> usize {
        self.inner
            .topics()
            .get(topic)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    /// The events the hub's `resync` function makes for `topic`: the full state that a
    /// subscriber that fell behind is sent.
    pub fn resync(&self, topic: &K) -> Vec<Event> {
        (self.inner.resync)(topic)
    }
}

impl<K> Inner<K> {
    fn topics(&self) -> std::sync::MutexGuard<'_, HashMap<K, broadcast::Sender<Arc<Published>>>> {
        // The map is never left half-changed: a panic elsewhere while it was locked is harmless.
        self.topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K> Clone for Hub<K> {
    fn clone(&self) -> Self {
        Hub {
            inner: self.inner.clone(),
        }
    }
}

impl<K> fmt::Debug for Hub<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("topics", &self.inner.topics().len())
            .field("capacity", &self.inner.capacity)
            .finish_non_exhaustive()
    }
}

/// A stream of the events published to one topic of a [`Hub`], as a Server-Sent Events
/// response (the same headers, keep-alive and dialect as [`Sse`](crate::Sse)).
///
/// It is subscribed from the moment [`Hub::subscribe`] returns, so read the state to show
/// after subscribing and pass it to [`first`](Self::first): no publish can fall between the two.
#[must_use = "a response does nothing until it is returned"]
pub struct Subscription<K: Eq + Hash> {
    // Declared (so dropped) before `member`, whose drop must see it gone.
    receiver: Receiver,
    member: Member<K>,
    first: VecDeque<Event>,
    resync: Option<Resync<K>>,
    keep_alive: Option<Option<Duration>>,
}

impl<K> Subscription<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Sends `events` first, before any published event: typically the page part as it is now.
    pub fn first<I>(mut self, events: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        self.first.extend(events.into_iter().map(Into::into));
        self
    }

    /// Resynchronizes this subscriber with `resync` instead of the hub's function when it
    /// falls behind.
    pub fn resync<F, I>(mut self, resync: F) -> Self
    where
        F: Fn(&K) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        self.resync = Some(Arc::new(move |topic| {
            resync(topic).into_iter().map(Into::into).collect()
        }));
        self
    }

    /// Sends a keep-alive comment after `every` without an event, or never with `None`, as
    /// [`Sse::keep_alive`](crate::Sse::keep_alive).
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.keep_alive = Some(every);
        self
    }
}

impl<K: Eq + Hash> fmt::Debug for Subscription<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("first", &self.first.len())
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}

impl<K> IntoResponse for Subscription<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    fn into_response(self) -> Response {
        let resync = self
            .resync
            .unwrap_or_else(|| self.member.hub.resync.clone());
        sse_response(
            Feed {
                next: ReusableBoxFuture::new(recv(self.receiver)),
                member: self.member,
                pending: self.first,
                resync,
            },
            self.keep_alive,
        )
    }
}

type Receiver = broadcast::Receiver<Arc<Published>>;

/// A subscriber's place in its topic; leaving it (dropping it) forgets a topic left empty.
/// Whatever holds the subscriber's receiver drops it first.
struct Member<K: Eq + Hash> {
    hub: Arc<Inner<K>>,
    topic: K,
}

impl<K: Eq + Hash> Drop for Member<K> {
    fn drop(&mut self) {
        let mut topics = self.hub.topics();
        // Under the lock, so that a subscriber joining now keeps the topic.
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

/// The receiver and what it received, handed back by the future that waited for it.
type Received = (Result<Arc<Published>, RecvError>, Receiver);

async fn recv(mut receiver: Receiver) -> Received {
    let received = receiver.recv().await;
    (received, receiver)
}

/// The [`Source`] of a subscription's body.
struct Feed<K: Eq + Hash> {
    /// The next receive, in one box reused for every publish. Declared (so dropped) before
    /// `member`, whose drop must see the receiver it holds gone.
    next: ReusableBoxFuture<'static, Received>,
    member: Member<K>,
    /// Events to send before the next published one: `first`, then any resync.
    pending: VecDeque<Event>,
    resync: Resync<K>,
}

// Nothing in a feed is pinned in place (the future is boxed), whatever the topic type.
impl<K: Eq + Hash> Unpin for Feed<K> {}

impl<K: Eq + Hash> Feed<K> {
    /// Skips what this subscriber missed and queues the topic's state instead.
    fn fell_behind(&mut self, receiver: Receiver, missed: u64) -> Receiver {
        tracing::debug!(missed, "subscriber fell behind: resynchronizing");
        // From the newest event on; the resync covers everything before it.
        let receiver = receiver.resubscribe();
        self.pending.extend((self.resync)(&self.member.topic));
        receiver
    }
}

impl<K: Eq + Hash> Source for Feed<K> {
    fn poll_item(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dialect: Dialect,
    ) -> Poll<Option<Item>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.pending.pop_front() {
                return Poll::Ready(Some(Item::Event(event)));
            }
            let (received, receiver) = std::task::ready!(this.next.poll(cx));
            match received {
                Ok(published) => {
                    this.next.set(recv(receiver));
                    return Poll::Ready(Some(Item::Encoded(published.bytes(dialect))));
                }
                Err(RecvError::Lagged(missed)) => {
                    let receiver = this.fell_behind(receiver, missed);
                    this.next.set(recv(receiver));
                }
                Err(RecvError::Closed) => {
                    // Polled again, a closed receiver answers `Closed` again at once.
                    this.next.set(recv(receiver));
                    return Poll::Ready(None);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::PatchElements;

    fn hub() -> Hub<u32> {
        Hub::with_capacity(4, |topic: &u32| {
            [PatchElements::new(format!("<p id=\"t{topic}\">resync</p>"))]
        })
    }

    #[test]
    fn publishing_to_a_topic_without_subscribers_does_nothing() {
        let hub = hub();
        assert_eq!(hub.publish(&1, PatchElements::new("<p id=\"a\"></p>")), 0);
        assert_eq!(hub.subscribers(&1), 0);
    }

    #[test]
    fn a_topic_is_forgotten_when_its_last_subscriber_leaves() {
        let hub = hub();
        let a = hub.subscribe(1);
        let b = hub.subscribe(1);
        let c = hub.subscribe(2);
        assert_eq!((hub.subscribers(&1), hub.subscribers(&2)), (2, 1));
        assert_eq!(hub.publish(&1, PatchElements::new("<p id=\"a\"></p>")), 2);
        drop(a);
        assert_eq!(hub.subscribers(&1), 1);
        drop(b);
        assert_eq!(hub.subscribers(&1), 0);
        assert_eq!(
            hub.inner.topics().len(),
            1,
            "topic 1 forgotten, topic 2 kept"
        );
        drop(c);
        assert!(hub.inner.topics().is_empty());
    }

    #[test]
    fn each_dialect_is_encoded_once_and_shared() {
        let published = Published {
            event: PatchElements::new("<p id=\"a\">1</p>").into(),
            encoded: Default::default(),
        };
        let first = published.bytes(Dialect::V1).unwrap();
        let second = published.bytes(Dialect::V1).unwrap();
        assert_eq!(
            first.as_ptr(),
            second.as_ptr(),
            "the same bytes, not a copy"
        );
        assert!(first.starts_with(b"event: datastar-patch-elements\n"));
        let beta = published.bytes(Dialect::Beta).unwrap();
        assert!(beta.starts_with(b"event: datastar-merge-fragments\n"));
    }
}
