//! [`Hub`]: one event, published once, sent to every stream subscribed to its topic.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_util::sync::ReusableBoxFuture;

use crate::encode::{Dialect, Encoder};
use crate::event::{Event, EventId, IntoEvent};
use crate::response::sse_response;
use crate::stream::{Item, Source, encode_or_comment};

/// How many published events a hub keeps for subscribers that fall behind, unless told otherwise.
pub const DEFAULT_HUB_CAPACITY: usize = 64;

/// How many bytes of published events a topic keeps for subscribers that fall behind, unless
/// told otherwise: 4 MiB. See [`Hub`], "Memory", for what a topic costs at most.
pub const DEFAULT_HUB_BUDGET: usize = 4 * 1024 * 1024;

/// The full state of a topic, sent to a subscriber that fell behind.
type Resync<K> = Arc<dyn Fn(&K) -> Vec<Event> + Send + Sync>;

/// Told of every change in the number of subscribers of a topic.
type Watcher<K> = Arc<dyn Fn(&Hub<K>, &K, usize) + Send + Sync>;

/// Where a hub's publishes go beyond this process, and how it learns which topics this
/// process listens to: the NATS backplane (`crate::nats`), when the feature is on.
#[cfg_attr(not(feature = "nats"), allow(dead_code))]
pub(crate) trait Backplane<K>: Send + Sync {
    /// Sends `event` of `topic` to the other processes, without waiting.
    fn publish(&self, topic: &K, event: &Event) -> Result<(), PublishError>;
    /// `topic` gained its first subscriber in this process.
    fn joined(&self, topic: &K);
    /// `topic` lost its last subscriber in this process.
    fn left(&self, topic: &K);
}

/// A publish that reached this process's subscribers but not the other processes of the
/// hub's backplane (see [`Hub::try_publish`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishError {
    why: String,
}

impl PublishError {
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn new(why: impl Into<String>) -> Self {
        PublishError { why: why.into() }
    }

    /// Why the other processes were not reached.
    pub fn why(&self) -> &str {
        &self.why
    }
}

impl fmt::Display for PublishError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the publish reached only this process: {}", self.why)
    }
}

impl std::error::Error for PublishError {}

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
///   `capacity` events, and no more than `budget` bytes of them; a subscriber whose client
///   reads too slowly to keep up falls behind, and when it has missed events it does not get
///   them late: it skips to the newest and sends the topic's full state instead, made by the
///   `resync` function given to the hub (the "fat morph": one patch of the whole page part,
///   which morphing makes cheap for the browser). So a slow tab catches up in one step and the
///   others never notice it.
/// - **Cheap to join and leave.** Subscribing and leaving take a lock for a map lookup. When
///   the client goes away the server drops the response, which leaves the topic at once; a
///   topic without subscribers is forgotten, and publishing to it does nothing.
///
/// # Resume
///
/// Every published event gets an id (`id:` on the wire; an id the event had is replaced),
/// unique and increasing per topic: `CLOCK-NODE`, where `NODE` is the hub's random 64-bit
/// id (in hexadecimal) and `CLOCK` a hybrid logical clock in microseconds (decimal): the
/// system time, but always more than the last id this hub gave or received. The browser sends
/// the last one it saw back as `Last-Event-ID` when it reconnects, and
/// [`resume`](Hub::resume) starts the stream with exactly the events published after it,
/// in order, shared bytes and all, before any new one, when the topic still keeps them: its
/// window is the same bounds as for slow subscribers (below, "Memory"). A subscriber whose id
/// is no longer kept, was never given, or is not an id at all gets the topic's resync instead.
/// A resync's last event carries the id of the newest event it covers, so a tab that comes
/// back after a resync resumes from there.
///
/// A topic keeps its window while it has subscribers: a tab that was the only subscriber of
/// its topic comes back to the resync.
///
/// With the `nats` feature the ids are made so by construction, not by the broker (core NATS
/// gives messages no sequence): the event crosses the wire with its id, every process keeps
/// it, and a hub's clock moves past every id it receives. A tab may therefore resume on
/// another process than the one it streamed from, if that process has subscribers to the
/// topic. Publishes of one topic on two processes less than a broker round trip apart have no
/// single order: each process sends them in the order they reached it, and one that received
/// them out of their ids' order resyncs a tab that resumes from between them instead (it
/// cannot know what the tab saw). After a broker outage, windows are dropped (they may have
/// gaps): tabs resume to the resync.
///
/// # Memory
///
/// A topic keeps its last events until they fall out of its bounds, for the subscribers that
/// have not sent them yet and for those that come back (see "Resume"), or until its last
/// subscriber leaves: [`DEFAULT_HUB_CAPACITY`] events and [`DEFAULT_HUB_BUDGET`] bytes,
/// or those given to [`with_bounds`](Hub::with_bounds). An event costs its text plus its
/// bytes on the wire in each [`Dialect`] a subscriber speaks (so about twice its size under
/// one dialect); the newest event of a topic is always kept, whatever its cost. So whatever
/// its subscribers do, a topic holds at most
///
/// ```text
/// max(budget, cost of its largest event) + capacity × 0.5 KiB
/// ```
///
/// (the second term: a small record per event, kept until the event falls out of the count).
/// With the defaults and events under 2 MiB, that is 4 MiB + 32 KiB.
/// [`retained_bytes`](Hub::retained_bytes) says what a topic holds now. A subscriber whose
/// client stopped reading, over HTTP/1 or as one stalled HTTP/2 stream, adds only what the
/// server has already handed to its connection: the event being written, the server's write
/// buffer (hyper's: about 400 KiB) and the kernel's socket buffers.
///
/// Because a subscriber that fell behind skips to the state given by `resync`, publish events
/// that carry state rather than changes: a morph of an element by its id (sending the same
/// thing twice does no harm) rather than an append. Events published while a resync is being
/// made may be sent both inside it and after it.
///
/// # Across processes
///
/// By default a hub lives in one process and needs nothing else. With the `nats` feature,
/// `Hub::with_nats` shares it with the hubs of other processes through a NATS
/// server: publishing and subscribing stay as they are, a publish reaches the subscribers of
/// every process, and [`try_publish`](Hub::try_publish) says when the others could not be
/// reached. See the `datastar_runtime::nats` module (documented with the feature on).
///
/// # Per-tab state and the fat morph
///
/// A published morph makes the element what the server rendered, in every tab: whatever one
/// tab changed inside it by itself goes away. A half-typed edit form that one tab opened
/// inside a published `#board` is replaced by the board as it is on the server the next time
/// anyone publishes. Keep such state out of the published element:
///
/// - put the per-tab part beside it (an `#editor` outside `#board`, patched only by that tab's
///   own requests), or
/// - keep it in signals (`data-bind` inputs keep what was typed, since signals are not part of
///   the morph), or
/// - mark the element the tab owns with `data-ignore-morph`, which the morph leaves alone.
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

pub(crate) struct Inner<K> {
    topics: Mutex<HashMap<K, Topic>>,
    capacity: usize,
    budget: usize,
    resync: Resync<K>,
    watcher: RwLock<Option<Watcher<K>>>,
    backplane: OnceLock<Arc<dyn Backplane<K>>>,
    /// This hub's part of every id it gives, random: ids from two hubs never collide.
    pub(crate) node: u64,
    /// The clock of the ids this hub gives.
    clock: Clock,
}

/// The id of a published event, `CLOCK-NODE` (decimal, then hexadecimal): see [`Hub`],
/// "Resume". Ordered by clock, then node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Id {
    clock: u64,
    node: u64,
}

impl Id {
    /// The id written as `text`, exactly as [`Display`](fmt::Display) writes it.
    pub(crate) fn parse(text: &str) -> Option<Id> {
        let (clock, node) = text.split_once('-')?;
        let id = Id {
            clock: clock.parse().ok()?,
            node: u64::from_str_radix(node, 16).ok()?,
        };
        // One spelling per id: no sign, no leading zeros, lowercase.
        (id.to_string() == text).then_some(id)
    }

    fn event_id(self) -> EventId {
        EventId::new(self.to_string()).expect("digits and a dash fit on one line")
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:x}", self.clock, self.node)
    }
}

/// A hybrid logical clock: microseconds since the Unix epoch, but never less than one more
/// than any clock it gave or saw, so that its ids increase even if the system clock steps
/// back, and an id given after seeing another's is greater than it.
struct Clock(AtomicU64);

impl Clock {
    /// The next clock value: greater than every one given or seen before.
    fn tick(&self) -> u64 {
        let now = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_micros(),
        )
        .unwrap_or(u64::MAX - 1);
        let mut last = self.0.load(Ordering::Relaxed);
        loop {
            let next = now.max(last.saturating_add(1));
            match self
                .0
                .compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    /// Another hub gave `clock`: the next one given here is greater.
    fn observe(&self, clock: u64) {
        self.0.fetch_max(clock, Ordering::Relaxed);
    }
}

/// A random id for a hub, unique among the hubs of a cluster with overwhelming likelihood.
fn node_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// One topic: the channel that wakes its subscribers, and what it keeps of its events.
#[derive(Clone)]
struct Topic {
    sender: broadcast::Sender<Arc<Published>>,
    backlog: Arc<Backlog>,
}

impl Topic {
    /// A new receiver, from the next publish on, and the id of the newest event kept: a cut
    /// of the topic, with no publish between the two.
    fn cut(&self) -> (Receiver, Option<Id>) {
        let events = self.backlog.events();
        (self.sender.subscribe(), newest(&events))
    }
}

/// The id of the newest event of `events` that has one.
fn newest(events: &VecDeque<Arc<Published>>) -> Option<Id> {
    events.iter().rev().find_map(|published| published.id)
}

/// The events a topic keeps, oldest first, within its bounds: for its subscribers that have
/// not sent them yet, and for those that come back with a `Last-Event-ID` (see [`Hub`],
/// "Resume").
///
/// An event that falls out of the bounds loses its content, and a subscriber that receives it
/// empty has fallen behind.
struct Backlog {
    events: Mutex<VecDeque<Arc<Published>>>,
    /// The cost of every event of the topic still holding its content.
    bytes: AtomicUsize,
    capacity: usize,
    budget: usize,
}

impl Backlog {
    /// Publishes `event` with `id`: keeps it, drops what no longer fits, and sends it. The
    /// caller holds the backlog's lock (`events`), so that every subscriber sees the topic's
    /// events in one order, the order of the kept window.
    fn publish(
        self: &Arc<Self>,
        events: &mut VecDeque<Arc<Published>>,
        sender: &broadcast::Sender<Arc<Published>>,
        event: Event,
        id: Option<Id>,
    ) -> usize {
        let cost = size_of::<Event>() + event.text_bytes();
        self.bytes.fetch_add(cost, Ordering::Relaxed);
        let published = Arc::new(Published {
            content: RwLock::new(Some(Content {
                event,
                encoded: Default::default(),
                cost,
            })),
            id,
            backlog: Arc::downgrade(self),
        });
        events.push_back(published.clone());
        self.trim(events);
        sender.send(published).unwrap_or(0)
    }

    /// Sends every subscriber an event without content, which it takes as missed events:
    /// it resynchronizes. The kept events are forgotten too: they may have gaps, so nobody
    /// resumes from them. Says how many subscribers there were.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    fn missed(self: &Arc<Self>, sender: &broadcast::Sender<Arc<Published>>) -> usize {
        let mut events = self.events();
        events.clear();
        sender
            .send(Arc::new(Published {
                content: RwLock::new(None),
                id: None,
                backlog: Arc::downgrade(self),
            }))
            .unwrap_or(0)
    }

    /// Empties the oldest events until the topic is within its bounds, the newest excepted.
    fn trim(&self, events: &mut VecDeque<Arc<Published>>) {
        while events.len() > self.capacity
            || (events.len() > 1 && self.bytes.load(Ordering::Relaxed) > self.budget)
        {
            if let Some(oldest) = events.pop_front() {
                oldest.evict();
            }
        }
    }

    /// The kept events after the one with id `last`, for a subscriber that saw every event up
    /// to it: `None` when `last` is not an id of this topic's window, or when events came in
    /// an order that is not the order of their ids around it (publishes that raced on two
    /// processes), where what the subscriber saw is not known.
    fn after(events: &VecDeque<Arc<Published>>, last: &str) -> Option<VecDeque<Arc<Published>>> {
        let last = Id::parse(last)?;
        let at = events.iter().position(|e| e.id == Some(last))?;
        let ordered = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.id.map(|id| (i, id)))
            .all(|(i, id)| (i < at) == (id < last) || i == at);
        ordered.then(|| events.iter().skip(at + 1).cloned().collect())
    }

    fn events(&self) -> MutexGuard<'_, VecDeque<Arc<Published>>> {
        // Never left half-changed: a panic elsewhere while it was locked is harmless.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// One published event, shared by every subscriber of its topic: its content until it falls
/// out of the topic's bounds.
struct Published {
    content: RwLock<Option<Content>>,
    /// Its id, when it has one of this hub's form (an event from another process may not).
    id: Option<Id>,
    /// Weak: the backlog holds its events, and a topic forgotten frees both.
    backlog: Weak<Backlog>,
}

/// A published event and its bytes in each dialect, filled by the first subscriber that sends
/// it in that dialect.
struct Content {
    event: Event,
    encoded: [Option<Result<Bytes, Bytes>>; 3],
    /// What it counts for in its backlog's bytes.
    cost: usize,
}

impl Published {
    /// The event's bytes in `dialect`, or `None` once it fell out of its topic's bounds.
    fn bytes(&self, dialect: Dialect) -> Option<Result<Bytes, Bytes>> {
        let at = match dialect {
            Dialect::V1 => 0,
            Dialect::Beta => 1,
            Dialect::Seed => 2,
        };
        let encoded = self.read().as_ref().and_then(|c| c.encoded[at].clone());
        if encoded.is_some() {
            return encoded;
        }
        let bytes = {
            let mut content = self.write();
            let content = content.as_mut()?;
            if let Some(bytes) = &content.encoded[at] {
                return Some(bytes.clone());
            }
            let bytes = encode_or_comment(&mut Encoder::new(dialect), &content.event);
            let len = bytes.as_ref().map_or_else(Bytes::len, Bytes::len);
            content.cost += len;
            if let Some(backlog) = self.backlog.upgrade() {
                backlog.bytes.fetch_add(len, Ordering::Relaxed);
            }
            content.encoded[at] = Some(bytes.clone());
            bytes
        };
        // The new bytes count: older events may no longer fit.
        if let Some(backlog) = self.backlog.upgrade() {
            backlog.trim(&mut backlog.events());
        }
        Some(bytes)
    }

    /// Frees the content: a subscriber that has not sent it yet has fallen behind.
    fn evict(&self) {
        if let (Some(content), Some(backlog)) = (self.write().take(), self.backlog.upgrade()) {
            backlog.bytes.fetch_sub(content.cost, Ordering::Relaxed);
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Content>> {
        self.content
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Content>> {
        self.content
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        // Read by every subscriber (or dropped by the channel): no longer held.
        let content = self
            .content
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let (Some(content), Some(backlog)) = (content.take(), self.backlog.upgrade()) {
            backlog.bytes.fetch_sub(content.cost, Ordering::Relaxed);
        }
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

    /// A hub that keeps the last `capacity` events (at least one) of each topic, within
    /// [`DEFAULT_HUB_BUDGET`] bytes: the most a subscriber may fall behind before it is
    /// resynchronized.
    pub fn with_capacity<F, I>(capacity: usize, resync: F) -> Self
    where
        F: Fn(&K) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        Self::with_bounds(capacity, DEFAULT_HUB_BUDGET, resync)
    }

    /// A hub that keeps at most the last `capacity` events (at least one) of each topic and
    /// at most `budget` bytes of them (the newest event is kept whatever its size): a
    /// subscriber that falls further behind is resynchronized. See "Memory" above for what
    /// a topic costs.
    ///
    /// ```
    /// use datastar_runtime::{Hub, PatchElements};
    ///
    /// // Up to 16 events and 1 MiB per topic.
    /// let hub = Hub::with_bounds(16, 1 << 20, |_: &()| {
    ///     [PatchElements::new(r#"<ul id="posts"></ul>"#)]
    /// });
    /// # let _ = hub;
    /// ```
    pub fn with_bounds<F, I>(capacity: usize, budget: usize, resync: F) -> Self
    where
        F: Fn(&K) -> I + Send + Sync + 'static,
        I: IntoIterator,
        I::Item: Into<Event>,
    {
        Hub {
            inner: Arc::new(Inner {
                topics: Mutex::default(),
                capacity: capacity.max(1),
                budget,
                resync: Arc::new(move |topic| resync(topic).into_iter().map(Into::into).collect()),
                watcher: RwLock::new(None),
                backplane: OnceLock::new(),
                node: node_id(),
                clock: Clock(AtomicU64::new(0)),
            }),
        }
    }

    /// Sends `event` to every subscriber of `topic`, without waiting for any of them, and
    /// says how many there were in this process (0: nobody listens here).
    ///
    /// The topic is borrowed as for a `HashMap` lookup: a `Hub<String>` publishes to a `&str`
    /// with no allocation.
    ///
    /// On a hub with a backplane (`with_nats`, feature `nats`), the event also goes to every
    /// other process; when it cannot (see [`try_publish`](Hub::try_publish)), this process's
    /// subscribers still get it and the failure is logged as a warning.
    pub fn publish<Q>(&self, topic: &Q, event: impl IntoEvent) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized + ToOwned<Owned = K>,
    {
        let (sent, failed) = self.publish_everywhere(topic, event.into_event());
        if let Some(error) = failed {
            tracing::warn!(%error, "publish not sent to the other processes");
        }
        sent
    }

    /// [`publish`](Hub::publish), and says whether the other processes of the hub's backplane
    /// were reached: `Err` when they were not (this process's subscribers got the event all
    /// the same). A hub without a backplane never fails.
    ///
    /// ```
    /// use datastar_runtime::{Hub, PatchElements};
    ///
    /// let hub: Hub<String> = Hub::new(|_| [PatchElements::new(r#"<p id="a"></p>"#)]);
    /// assert_eq!(hub.try_publish("room", PatchElements::new(r#"<p id="a">1</p>"#)), Ok(0));
    /// ```
    pub fn try_publish<Q>(&self, topic: &Q, event: impl IntoEvent) -> Result<usize, PublishError>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized + ToOwned<Owned = K>,
    {
        match self.publish_everywhere(topic, event.into_event()) {
            (_, Some(error)) => Err(error),
            (sent, None) => Ok(sent),
        }
    }

    fn publish_everywhere<Q>(&self, topic: &Q, mut event: Event) -> (usize, Option<PublishError>)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized + ToOwned<Owned = K>,
    {
        let inner = &self.inner;
        // The event gets its id, goes to the backplane (which needs no copy of it) and to
        // this process's subscribers, all under the topic's lock: ids increase in the order
        // the subscribers get them.
        let stamp_and_share = |event: &mut Event| {
            let id = Id {
                clock: inner.clock.tick(),
                node: inner.node,
            };
            event.meta_mut().id = Some(id.event_id());
            let failed = inner
                .backplane
                .get()
                .and_then(|backplane| backplane.publish(&topic.to_owned(), event).err());
            (id, failed)
        };
        // Clone the topic and let go of the map before waking every subscriber.
        let found = inner.topics().get(topic).cloned();
        match found {
            Some(Topic { sender, backlog }) => {
                let mut events = backlog.events();
                let (id, failed) = stamp_and_share(&mut event);
                (
                    backlog.publish(&mut events, &sender, event, Some(id)),
                    failed,
                )
            }
            None => (0, stamp_and_share(&mut event).1),
        }
    }

    /// Calls `watch` each time a topic gains or loses a subscriber, with the hub, the topic
    /// and its number of subscribers now (0 when the last one left), as a "3 viewing" counter
    /// needs: no polling. It runs on the task that subscribed or that dropped the stream,
    /// after the hub let go of its locks, so it may publish, for example the new count to the
    /// topic itself. Calling it again replaces the previous one.
    ///
    /// ```
    /// use datastar_runtime::{Hub, PatchElements};
    ///
    /// let hub: Hub<String> = Hub::new(|_| Vec::<PatchElements<datastar_runtime::ById>>::new());
    /// hub.on_subscribers(|hub, topic, n| {
    ///     hub.publish(topic, PatchElements::new(format!(r#"<span id="viewers">{n} viewing</span>"#)));
    /// });
    /// let tab = hub.subscribe("board".to_owned());
    /// assert_eq!(hub.subscribers("board"), 1);
    /// drop(tab);
    /// assert_eq!(hub.subscribers("board"), 0);
    /// ```
    pub fn on_subscribers<F>(&self, watch: F)
    where
        F: Fn(&Hub<K>, &K, usize) + Send + Sync + 'static,
    {
        *self
            .inner
            .watcher
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(watch));
    }

    /// A streaming response that sends every event published to `topic` from now on, until
    /// the client goes away.
    pub fn subscribe(&self, topic: K) -> Subscription<K> {
        self.resume(topic, None)
    }

    /// [`subscribe`](Hub::subscribe) for a client that may be coming back: with the
    /// `Last-Event-ID` it sent ([`LastEventId`](crate::LastEventId)), the stream starts with
    /// exactly the events of `topic` published after that one, when the topic still keeps
    /// them, and otherwise with the topic's resync. Without one it is a new subscriber, sent
    /// [`first`](Subscription::first). See "Resume" above.
    ///
    /// ```
    /// use axum::extract::State;
    /// use datastar_runtime::{Hub, LastEventId, PatchElements, Subscription};
    ///
    /// async fn feed(State(hub): State<Hub<String>>, LastEventId(last): LastEventId) -> Subscription<String> {
    ///     let subscription = hub.resume("feed".to_owned(), last.as_deref());
    ///     // Sent only to a new subscriber: one that resumes has it already.
    ///     subscription.first([PatchElements::new(r#"<ul id="feed"></ul>"#)])
    /// }
    /// ```
    pub fn resume(&self, topic: K, last_event_id: Option<&str>) -> Subscription<K> {
        let mut topics = self.inner.topics();
        let found = topics
            .entry(topic.clone())
            .or_insert_with(|| {
                if let Some(backplane) = self.inner.backplane.get() {
                    backplane.joined(&topic);
                }
                Topic {
                    sender: broadcast::channel(self.inner.capacity).0,
                    backlog: Arc::new(Backlog {
                        events: Mutex::default(),
                        bytes: AtomicUsize::new(0),
                        capacity: self.inner.capacity,
                        budget: self.inner.budget,
                    }),
                }
            })
            .clone();
        let (receiver, start) = {
            // The receiver and what it resumes from are one cut of the topic.
            let events = found.backlog.events();
            let start = match last_event_id {
                None => Start::Fresh,
                Some(last) => match Backlog::after(&events, last) {
                    Some(missed) => Start::Resumed(missed),
                    None => Start::Resync(newest(&events)),
                },
            };
            (found.sender.subscribe(), start)
        };
        drop(topics);
        self.inner.tell(&topic);
        Subscription {
            receiver,
            member: Member {
                hub: self.inner.clone(),
                topic,
            },
            cut: found,
            start,
            first: VecDeque::new(),
            resync: None,
            keep_alive: None,
        }
    }

    /// How many streams are subscribed to `topic` now.
    pub fn subscribers<Q>(&self, topic: &Q) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.inner
            .topics()
            .get(topic)
            .map_or(0, |topic| topic.sender.receiver_count())
    }

    /// How many bytes of published events `topic` holds now, for subscribers that have not
    /// sent them yet and for those that may come back: never more than the hub's budget, or
    /// the cost of the newest event when that alone is more (see "Memory" above).
    pub fn retained_bytes<Q>(&self, topic: &Q) -> usize
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.inner
            .topics()
            .get(topic)
            .map_or(0, |topic| topic.backlog.bytes.load(Ordering::Relaxed))
    }

    /// What the hub's handles share, for its backplane.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn inner(&self) -> &Arc<Inner<K>> {
        &self.inner
    }

    /// The events the hub's `resync` function makes for `topic`: the full state that a
    /// subscriber that fell behind is sent.
    pub fn resync(&self, topic: &K) -> Vec<Event> {
        (self.inner.resync)(topic)
    }
}

impl<K: Eq + Hash> Inner<K> {
    /// Sends `event`, published by another process, to this process's subscribers of
    /// `topic`: how many there were. Its id, when it has one of the hub's form, is kept, and
    /// the ids this hub gives from now on are greater.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn deliver(&self, topic: &K, event: Event) -> usize {
        let id = event.meta().id().and_then(|id| Id::parse(id.as_str()));
        if let Some(id) = id {
            self.clock.observe(id.clock);
        }
        // Clone the topic and let go of the map before waking every subscriber.
        let found = self.topics().get(topic).cloned();
        let Some(Topic { sender, backlog }) = found else {
            return 0;
        };
        let mut events = backlog.events();
        backlog.publish(&mut events, &sender, event, id)
    }

    /// Makes every subscriber of `topics` (every topic with `None`) in this process send its
    /// resync next, in place of anything it has not sent yet: for events it may have missed.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn resync_all(&self, topics: Option<&K>) -> usize {
        let found: Vec<Topic> = match topics {
            Some(topic) => self.topics().get(topic).cloned().into_iter().collect(),
            None => self.topics().values().cloned().collect(),
        };
        found
            .iter()
            .map(|topic| topic.backlog.missed(&topic.sender))
            .sum()
    }

    /// Gives the hub its backplane; `false` when it already had one.
    #[cfg_attr(not(feature = "nats"), allow(dead_code))]
    pub(crate) fn set_backplane(&self, backplane: Arc<dyn Backplane<K>>) -> bool {
        let topics = self.topics();
        if self.backplane.set(backplane.clone()).is_err() {
            return false;
        }
        // Under the map's lock: no topic joins or leaves meanwhile.
        for topic in topics.keys() {
            backplane.joined(topic);
        }
        true
    }

    /// Tells the watcher, if any, how many subscribers `topic` has now. Called with no lock
    /// held, so that the watcher may publish.
    fn tell(self: &Arc<Self>, topic: &K) {
        let watcher = self
            .watcher
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        if let Some(watcher) = watcher {
            let count = self
                .topics()
                .get(topic)
                .map_or(0, |topic| topic.sender.receiver_count());
            watcher(
                &Hub {
                    inner: self.clone(),
                },
                topic,
                count,
            );
        }
    }
}

impl<K> Inner<K> {
    fn topics(&self) -> MutexGuard<'_, HashMap<K, Topic>> {
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
            .field("budget", &self.inner.budget)
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
    /// The topic's channel and window, to resubscribe from when it falls behind.
    cut: Topic,
    start: Start,
    first: VecDeque<Event>,
    resync: Option<Resync<K>>,
    keep_alive: Option<Option<Duration>>,
}

impl<K> Subscription<K>
where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Sends `events` first, before any published event: typically the page part as it is
    /// now. Not sent to a subscriber that [resumes](Hub::resume) or is resynchronized there.
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

    /// How it starts: `None` for a new subscriber (no `Last-Event-ID`), `Some(true)` when it
    /// [resumes](Hub::resume) after the event it last saw, `Some(false)` when that event is
    /// no longer kept (or never was) and it starts with the topic's resync instead.
    pub fn resumed(&self) -> Option<bool> {
        match self.start {
            Start::Fresh => None,
            Start::Resumed(_) => Some(true),
            Start::Resync(_) => Some(false),
        }
    }
}

/// How a subscription starts.
enum Start {
    /// With its `first` events.
    Fresh,
    /// With the events it missed.
    Resumed(VecDeque<Arc<Published>>),
    /// With the topic's resync, marked with the id of the newest event kept then.
    Resync(Option<Id>),
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
        let mut feed = Feed {
            next: ReusableBoxFuture::new(recv(self.receiver)),
            member: self.member,
            cut: self.cut,
            pending: VecDeque::new(),
            resync,
        };
        match self.start {
            Start::Fresh => feed
                .pending
                .extend(self.first.into_iter().map(Pending::Event)),
            Start::Resumed(missed) => feed
                .pending
                .extend(missed.into_iter().map(Pending::Published)),
            Start::Resync(newest) => feed.queue_resync(newest),
        }
        sse_response(feed, self.keep_alive)
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
        {
            let mut topics = self.hub.topics();
            // Under the lock, so that a subscriber joining now keeps the topic.
            if topics
                .get(&self.topic)
                .is_some_and(|topic| topic.sender.receiver_count() == 0)
            {
                topics.remove(&self.topic);
                if let Some(backplane) = self.hub.backplane.get() {
                    backplane.left(&self.topic);
                }
            }
        }
        self.hub.tell(&self.topic);
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
    cut: Topic,
    /// Events to send before the next published one: `first` or the missed events, then any
    /// resync.
    pending: VecDeque<Pending>,
    resync: Resync<K>,
}

/// An event a feed sends before it receives again.
enum Pending {
    Event(Event),
    /// A kept event, for a subscriber that resumes: its bytes are shared.
    Published(Arc<Published>),
}

// Nothing in a feed is pinned in place (the future is boxed), whatever the topic type.
impl<K: Eq + Hash> Unpin for Feed<K> {}

impl<K: Eq + Hash> Feed<K> {
    /// Skips what this subscriber missed and queues the topic's state instead.
    fn fell_behind(&mut self, missed: u64) -> Receiver {
        tracing::debug!(missed, "subscriber fell behind: resynchronizing");
        // From the next event on; the resync covers everything before it.
        let (receiver, newest) = self.cut.cut();
        self.pending.clear();
        self.queue_resync(newest);
        receiver
    }

    /// Queues the topic's resync, its last event marked with `newest`, the id of the newest
    /// event it covers: a client that comes back with it resumes after that event.
    fn queue_resync(&mut self, newest: Option<Id>) {
        let mut events = (self.resync)(&self.member.topic);
        if let (Some(last), Some(id)) = (events.last_mut(), newest) {
            last.meta_mut().id = Some(id.event_id());
        }
        self.pending.extend(events.into_iter().map(Pending::Event));
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
            match this.pending.pop_front() {
                Some(Pending::Event(event)) => return Poll::Ready(Some(Item::Event(event))),
                Some(Pending::Published(published)) => match published.bytes(dialect) {
                    Some(bytes) => return Poll::Ready(Some(Item::Encoded(bytes))),
                    // It fell out of the topic's bounds before this subscriber sent it.
                    None => {
                        let receiver = this.fell_behind(1);
                        this.next.set(recv(receiver));
                        continue;
                    }
                },
                None => {}
            }
            let (received, receiver) = std::task::ready!(this.next.poll(cx));
            match received {
                Ok(published) => match published.bytes(dialect) {
                    Some(bytes) => {
                        this.next.set(recv(receiver));
                        return Poll::Ready(Some(Item::Encoded(bytes)));
                    }
                    // It fell out of the topic's byte budget before this subscriber sent it.
                    None => {
                        // The new receiver first: the topic never looks empty meanwhile.
                        let fresh = this.fell_behind(1);
                        drop(receiver);
                        this.next.set(recv(fresh));
                    }
                },
                Err(RecvError::Lagged(missed)) => {
                    let fresh = this.fell_behind(missed);
                    drop(receiver);
                    this.next.set(recv(fresh));
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
        let hub = hub();
        let mut receiver = hub.subscribe(1).receiver;
        hub.publish(&1, PatchElements::new("<p id=\"a\">1</p>"));
        let published = receiver.try_recv().unwrap();
        let first = published.bytes(Dialect::V1).unwrap().unwrap();
        let second = published.bytes(Dialect::V1).unwrap().unwrap();
        assert_eq!(
            first.as_ptr(),
            second.as_ptr(),
            "the same bytes, not a copy"
        );
        assert!(first.starts_with(b"event: datastar-patch-elements\n"));
        let beta = published.bytes(Dialect::Beta).unwrap().unwrap();
        assert!(beta.starts_with(b"event: datastar-merge-fragments\n"));
    }

    #[test]
    fn a_topic_keeps_no_more_bytes_than_its_budget() {
        let hub = Hub::with_bounds(64, 100_000, |_: &u32| {
            [PatchElements::new("<p id=\"a\"></p>")]
        });
        let mut slow = hub.subscribe(1).receiver;
        let event =
            |n: usize| PatchElements::new(format!("<p id=\"a\">{n}{}</p>", "x".repeat(30_000)));
        for n in 0..10 {
            hub.publish(&1, event(n));
            assert!(
                hub.retained_bytes(&1) <= 100_000,
                "{}",
                hub.retained_bytes(&1)
            );
        }
        // Within the count, but out of the budget: the oldest come empty, the newest whole.
        let received: Vec<_> = (0..10).map(|_| slow.try_recv().unwrap()).collect();
        assert!(
            received[0].bytes(Dialect::V1).is_none(),
            "the oldest was dropped"
        );
        let newest = received[9].bytes(Dialect::V1).unwrap().unwrap();
        assert!(newest.windows(2).any(|w| w == b"9x"));
        // Encoding counts too, and still within the budget.
        assert!(hub.retained_bytes(&1) <= 100_000);
        drop(received);
        // Read by everyone, the newest are still kept for subscribers that come back, within
        // the budget; a topic nobody subscribes to any more is forgotten with them.
        assert!(hub.retained_bytes(&1) > 30_000);
        assert!(hub.retained_bytes(&1) <= 100_000);
        drop(slow);
        hub.inner.topics().clear();
        assert_eq!(hub.retained_bytes(&1), 0);
    }

    #[test]
    fn a_forgotten_topic_frees_its_window() {
        let hub = hub();
        let subscription = hub.subscribe(1);
        hub.publish(&1, PatchElements::new("<p id=\"a\">1</p>"));
        let backlog = Arc::downgrade(&hub.inner.topics().get(&1).unwrap().backlog);
        let published = Arc::downgrade(&backlog.upgrade().unwrap().events()[0]);
        drop(subscription);
        assert!(hub.inner.topics().is_empty());
        // No cycle between a topic's window and its events.
        assert!(backlog.upgrade().is_none() && published.upgrade().is_none());
    }

    #[test]
    fn an_id_has_one_spelling() {
        let id = Id {
            clock: 1_764_633_600_000_123,
            node: 0x3fa2,
        };
        assert_eq!(id.to_string(), "1764633600000123-3fa2");
        assert_eq!(Id::parse("1764633600000123-3fa2"), Some(id));
        for other in [
            "+1764633600000123-3fa2",
            "01764633600000123-3fa2",
            "1764633600000123-3FA2",
            "1764633600000123-03fa2",
            "1764633600000123",
            "-3fa2",
            "1-",
            "",
            "1-2-3",
        ] {
            assert_eq!(Id::parse(other), None, "{other}");
        }
    }

    #[test]
    fn ids_increase_even_when_the_clock_does_not() {
        let clock = Clock(AtomicU64::new(u64::MAX / 2));
        let a = clock.tick();
        let b = clock.tick();
        assert!(b > a && a > u64::MAX / 2);
        clock.observe(b + 1000);
        assert!(clock.tick() > b + 1000);
    }

    #[test]
    fn resuming_needs_the_id_and_the_order_around_it() {
        let hub = hub();
        let receiver = hub.subscribe(1);
        for n in 0..3 {
            hub.publish(&1, PatchElements::new(format!("<p id=\"a\">{n}</p>")));
        }
        let topic = hub.inner.topics().get(&1).cloned().unwrap();
        let events = topic.backlog.events();
        let ids: Vec<String> = events.iter().map(|e| e.id.unwrap().to_string()).collect();
        assert_eq!(Backlog::after(&events, &ids[0]).unwrap().len(), 2);
        assert_eq!(Backlog::after(&events, &ids[2]).unwrap().len(), 0);
        assert!(Backlog::after(&events, "1-1").is_none());
        assert!(Backlog::after(&events, "x").is_none());
        drop(events);
        // An event from another process that came in after a later one: around it, what a
        // subscriber saw is not known, so nobody resumes across it.
        let early = Id::parse(&ids[0]).unwrap();
        let mut late = PatchElements::new("<p id=\"a\">late</p>").into_event();
        late.meta_mut().id = Some(
            Id {
                clock: early.clock,
                node: early.node.wrapping_add(1),
            }
            .event_id(),
        );
        hub.inner.deliver(&1, late);
        let events = topic.backlog.events();
        assert!(
            Backlog::after(&events, &ids[0]).is_some(),
            "before it, in order"
        );
        assert!(Backlog::after(&events, &ids[1]).is_none());
        assert!(Backlog::after(&events, &ids[2]).is_none());
        drop(receiver);
    }

    #[test]
    fn the_newest_event_is_kept_whatever_its_size() {
        let hub = Hub::with_bounds(4, 10, |_: &u32| [PatchElements::new("<p id=\"a\"></p>")]);
        let mut receiver = hub.subscribe(1).receiver;
        hub.publish(
            &1,
            PatchElements::new("<p id=\"a\">far more than ten bytes</p>"),
        );
        let published = receiver.try_recv().unwrap();
        assert!(published.bytes(Dialect::V1).is_some());
    }
}
