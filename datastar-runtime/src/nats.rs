//! One [`Hub`] across server processes, on [NATS](https://nats.io) (feature `nats`).
//!
//! Connect once per process with [`Nats::connect`], and give each hub the connection and a
//! subject prefix with [`Hub::with_nats`]. Nothing else changes: handlers subscribe and
//! publish as before, and a publish on any process reaches every subscriber of its topic on
//! every process whose hub has the same prefix.
//!
//! ```no_run
//! use datastar_runtime::nats::Nats;
//! use datastar_runtime::{Hub, PatchElements};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let nats = Nats::connect("nats://127.0.0.1:4222").await?;
//! let hub: Hub<String> = Hub::new(|room: &String| [PatchElements::new(format!(r#"<p id="room">{room}</p>"#))])
//!     .with_nats(&nats, "chat")
//!     .await?;
//! hub.publish("lobby", PatchElements::new(r#"<p id="room">hello</p>"#));
//! # Ok(()) }
//! ```
//!
//! # On the wire
//!
//! - **Subjects.** Topic `t` of a hub with prefix `p` is the subject `p.t` followed by the
//!   [`Topic::subject_bytes`] of `t` in lowercase hexadecimal (topic `"room"` is
//!   `p.t726f6f6d`). Whatever a topic holds, its subject is one token of `0-9a-f` after
//!   `p.t`: no topic can reach another's subject, a wildcard or the hubs' control subjects
//!   `p.probe` and `p.rejoin`. The prefix itself is checked by [`Hub::with_nats`]: dot-separated tokens of
//!   ASCII letters, digits, `-` and `_`.
//! - **Payload.** The typed event, once per publish, as compact JSON (its HTML or signals as
//!   text, its selector, mode and options as fields), never pre-encoded SSE: each process
//!   encodes it at most once per [`Dialect`](crate::Dialect) its subscribers speak and shares
//!   the bytes among them, as for a local publish. A received event is checked as one made
//!   here is (selectors, ids, signal JSON); one that fails is dropped with a warning and its
//!   topic's subscribers resynchronized. The event keeps the id its hub gave it (see
//!   [`Hub`], "Resume"), so a tab may resume on any process.
//! - **Each process listens to `p.*`**, one NATS subscription whatever the number of topics,
//!   and drops the events of topics it has no subscriber for. A NATS `SUB` is never
//!   acknowledged, so [`Hub::with_nats`] returns only once a probe it published on `p.probe`
//!   after subscribing has come back to it: from then on no publish of another process can
//!   pass the subscription by.
//! - **No double delivery.** A publish reaches the subscribers of its own process at once,
//!   without the broker (so they get it even while the broker is down), and goes to the
//!   others through NATS. Every message carries the random 64-bit id of the hub that sent it,
//!   and a hub ignores its own messages when the broker echoes them back.
//!
//! # Faults
//!
//! - **Publishing never waits for the broker.** Events for NATS wait in a queue of
//!   [`DEFAULT_NATS_QUEUE`] events per hub ([`Nats::queue`] sets it), then in the client's own
//!   buffer ([`ConnectOptions::client_capacity`], 2048 commands by default). While the broker
//!   is unreachable they wait there and are sent once it is back. When the queue is full,
//!   [`Hub::try_publish`] returns a [`PublishError`] (and
//!   [`Hub::publish`] logs a warning): this process's subscribers got the event, the others
//!   did not, and they are resynchronized when the connection comes back.
//! - **Reconnecting.** The client reconnects and resubscribes by itself. Once it is back, the
//!   hub publishes a probe on `p.rejoin`, behind the events it queued during the outage. When
//!   the probe comes back, the server has the subscription again and has taken those
//!   events: every subscriber of every topic in this process is sent its resync (the fat
//!   morph), and misses nothing published after. Every other process that gets the probe
//!   resyncs its subscribers too, since events sent just before the connection broke may
//!   have been lost with it (one that does not get it was not subscribed either, and resyncs
//!   when it rejoins itself). So after any outage every tab ends on the state that `resync`
//!   reads, which must therefore be the shared, true state (a database, or state every
//!   process keeps up to date). Resyncing also drops the topics' resume windows, which may
//!   have gaps.
//! - Connection changes are logged with `tracing`: `NATS connected` (info), `NATS connection
//!   lost` (warn), `NATS connection back: rejoining` and `NATS reconnected: subscribers
//!   resynchronized` (info), and `NATS: another process rejoined: subscribers resynchronized`
//!   (info).
//!
//! A process that restarts connects and subscribes as on its first start: its new
//! subscribers start from [`Subscription::first`](crate::Subscription::first), as always.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

pub use async_nats;
use async_nats::{Client, ConnectOptions, ServerAddr, ToServerAddrs};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

use crate::event::{
    Event, EventId, ExecuteScript, Meta, PatchElements, PatchSignals, RemoveElements,
    RemoveSignals, Selector, SignalPath,
};
use crate::hub::{Backplane, Hub, Inner, PublishError};
use crate::{Mode, Namespace};

/// How many events a hub keeps for NATS while the broker is unreachable, unless told
/// otherwise with [`Nats::queue`].
pub const DEFAULT_NATS_QUEUE: usize = 1024;

/// A hub topic that has a NATS subject: the bytes it is known by across processes.
///
/// Two topics with the same bytes are the same topic on every process. Implemented for
/// strings and byte strings (their bytes), integers (their decimal digits), `()` (no bytes:
/// a hub with one topic) and references to any of them.
pub trait Topic {
    /// The bytes the topic's subject is made from (hex-encoded, see the [module](self)).
    fn subject_bytes(&self) -> Cow<'_, [u8]>;
}

impl Topic for str {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl Topic for String {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl Topic for [u8] {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl Topic for Vec<u8> {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(self)
    }
}

impl Topic for () {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&[])
    }
}

impl<T: Topic + ?Sized> Topic for &T {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        (**self).subject_bytes()
    }
}

impl<T: Topic + ?Sized> Topic for Box<T> {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        (**self).subject_bytes()
    }
}

impl<T: Topic + ?Sized> Topic for Arc<T> {
    fn subject_bytes(&self) -> Cow<'_, [u8]> {
        (**self).subject_bytes()
    }
}

macro_rules! integer_topics {
    ($($ty:ty),*) => {$(
        impl Topic for $ty {
            fn subject_bytes(&self) -> Cow<'_, [u8]> {
                Cow::Owned(self.to_string().into_bytes())
            }
        }
    )*};
}
integer_topics!(
    u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize
);

/// The subject token of `topic`: `t` and its bytes in lowercase hexadecimal.
fn token(topic: &(impl Topic + ?Sized)) -> String {
    use std::fmt::Write;
    let bytes = topic.subject_bytes();
    let mut token = String::with_capacity(1 + 2 * bytes.len());
    token.push('t');
    for byte in bytes.iter() {
        let _ = write!(token, "{byte:02x}");
    }
    token
}

/// A connection to NATS, shared by every hub of a process (a handle: clones share it).
#[derive(Clone)]
pub struct Nats {
    client: Client,
    link: broadcast::Sender<Link>,
    queue: usize,
}

/// What the connection's events tell the hubs.
#[derive(Debug, Clone, Copy)]
enum Link {
    Connected,
    Lost,
}

impl Nats {
    /// Connects to the NATS server(s) at `addrs` (such as `nats://127.0.0.1:4222`). Fails when
    /// no server answers; once connected, the client reconnects by itself for as long as the
    /// process runs.
    pub async fn connect(addrs: impl ToServerAddrs) -> Result<Self, async_nats::ConnectError> {
        Self::connect_with_options(addrs, ConnectOptions::new()).await
    }

    /// [`connect`](Nats::connect) with `options` (credentials, TLS, names, buffers…). Their
    /// event callback is replaced by the hub's, which logs every event with `tracing`; their
    /// reconnect settings stay, but they should keep reconnecting forever (the default):
    /// a client that gives up leaves the hubs local only.
    pub async fn connect_with_options(
        addrs: impl ToServerAddrs,
        options: ConnectOptions,
    ) -> Result<Self, async_nats::ConnectError> {
        let (link, _) = broadcast::channel(16);
        let sender = link.clone();
        let options = options.event_callback(move |event| {
            let sender = sender.clone();
            async move {
                match event {
                    async_nats::Event::Connected => {
                        tracing::info!("NATS connected");
                        let _ = sender.send(Link::Connected);
                    }
                    async_nats::Event::Disconnected => {
                        tracing::warn!("NATS connection lost");
                        let _ = sender.send(Link::Lost);
                    }
                    other => tracing::info!(event = %other, "NATS"),
                }
            }
        });
        let addrs: Vec<ServerAddr> = addrs
            .to_server_addrs()
            .map_err(|e| {
                async_nats::ConnectError::with_source(async_nats::ConnectErrorKind::ServerParse, e)
            })?
            .collect();
        let client = options.connect(addrs).await?;
        Ok(Nats {
            client,
            link,
            queue: DEFAULT_NATS_QUEUE,
        })
    }

    /// Keeps at most `events` events (at least one) per hub for NATS while the broker is
    /// unreachable, for hubs given this handle from now on; see the [module](self), "Faults".
    pub fn queue(mut self, events: usize) -> Self {
        self.queue = events.max(1);
        self
    }

    /// The NATS client, for the application's own subjects.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

impl fmt::Debug for Nats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nats")
            .field("state", &self.client.connection_state())
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// Why [`Hub::with_nats`] failed.
#[derive(Debug)]
pub enum NatsError {
    /// The prefix is not dot-separated tokens of ASCII letters, digits, `-` and `_`.
    Prefix(String),
    /// The hub already has a backplane.
    AlreadyConnected,
    /// Subscribing to the prefix's subjects failed.
    Subscribe(async_nats::SubscribeError),
    /// The subscription could not be flushed to the server.
    Flush(async_nats::client::FlushError),
    /// The server did not show that it had the subscription: a probe sent on it did not
    /// come back.
    Join(String),
}

impl fmt::Display for NatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NatsError::Prefix(prefix) => write!(
                f,
                "`{prefix}` is not a NATS subject prefix: use dot-separated tokens of ASCII \
                 letters, digits, `-` and `_`"
            ),
            NatsError::AlreadyConnected => f.write_str("the hub already has a backplane"),
            NatsError::Subscribe(e) => write!(f, "subscribing on NATS failed: {e}"),
            NatsError::Flush(e) => write!(f, "NATS did not confirm the subscription: {e}"),
            NatsError::Join(why) => write!(f, "NATS did not confirm the subscription: {why}"),
        }
    }
}

impl std::error::Error for NatsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NatsError::Subscribe(e) => Some(e),
            NatsError::Flush(e) => Some(e),
            _ => None,
        }
    }
}

fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl<K> Hub<K>
where
    K: Topic + Eq + Hash + Clone + Send + Sync + 'static,
{
    /// Shares this hub with every hub on `nats` with the same `prefix`, in this process or
    /// any other: from now on a publish reaches every subscriber of its topic on all of them.
    /// Returns once the server has confirmed the subscription. See the [module](self) for
    /// the subjects, the payload and what happens when the broker goes away.
    pub async fn with_nats(self, nats: &Nats, prefix: &str) -> Result<Self, NatsError> {
        if !valid_prefix(prefix) {
            return Err(NatsError::Prefix(prefix.to_owned()));
        }
        let mut subscriber = nats
            .client
            .subscribe(format!("{prefix}.*"))
            .await
            .map_err(NatsError::Subscribe)?;
        let node = self.inner().node;
        joined(&nats.client, &mut subscriber, prefix, node).await?;
        let (queue, queued) = mpsc::channel(nats.queue);
        let plane = Arc::new(Plane {
            prefix: prefix.to_owned(),
            node,
            queue,
            capacity: nats.queue,
            max_payload: nats.client.max_payload(),
            subjects: Mutex::default(),
            rejoining: AtomicBool::new(false),
        });
        if !self.inner().set_backplane(plane.clone()) {
            return Err(NatsError::AlreadyConnected);
        }
        let (inner, weak_plane) = (Arc::downgrade(self.inner()), Arc::downgrade(&plane));
        tokio::spawn(forward(nats.client.clone(), queued, weak_plane.clone()));
        tokio::spawn(receive(subscriber, inner, weak_plane.clone()));
        tokio::spawn(watch_link(nats.link.subscribe(), weak_plane));
        tracing::info!(prefix, "hub shared on NATS");
        Ok(self)
    }
}

/// How long [`Hub::with_nats`] waits for the server to confirm the hub's subscription.
const JOIN_PATIENCE: Duration = Duration::from_secs(10);

/// Waits until the server delivers on `subscriber`: sends a probe (`p.probe`) and reads until
/// it comes back. A NATS `SUB` is never acknowledged, and a flush only says it was written:
/// until the server has processed it, publishes from other connections pass this one by. The
/// server handles a connection's commands in order, so once the probe published after the
/// `SUB` comes back, every later publish reaches the subscription. Messages read meanwhile
/// are for a hub that has no subscriber yet.
async fn joined(
    client: &Client,
    subscriber: &mut async_nats::Subscriber,
    prefix: &str,
    node: u64,
) -> Result<(), NatsError> {
    use futures_core::Stream;
    let probe = probe(node);
    client
        .publish(format!("{prefix}.probe"), probe.clone())
        .await
        .map_err(|e| NatsError::Join(e.to_string()))?;
    client.flush().await.map_err(NatsError::Flush)?;
    let back = async {
        while let Some(message) =
            std::future::poll_fn(|cx| Pin::new(&mut *subscriber).poll_next(cx)).await
        {
            if message.payload == probe {
                return true;
            }
        }
        false
    };
    match tokio::time::timeout(JOIN_PATIENCE, back).await {
        Ok(true) => Ok(()),
        Ok(false) => Err(NatsError::Join("the subscription ended".into())),
        Err(_) => Err(NatsError::Join(format!(
            "the probe did not come back within {JOIN_PATIENCE:?}"
        ))),
    }
}

/// The payload of a probe of hub `node`: its own, read back.
fn probe(node: u64) -> Bytes {
    serde_json::to_vec(&Wire { node, event: None })
        .unwrap_or_default()
        .into()
}

/// A hub's side of NATS, owned by the hub: its tasks hold it weakly and end with it.
struct Plane<K> {
    prefix: String,
    node: u64,
    queue: mpsc::Sender<(String, Bytes)>,
    capacity: usize,
    max_payload: usize,
    /// The subject token of every topic with a subscriber in this process, and the topic.
    subjects: Mutex<HashMap<String, K>>,
    /// The connection came back and the probe sent behind the queued events has not yet.
    rejoining: AtomicBool,
}

impl<K> Plane<K> {
    fn subjects(&self) -> std::sync::MutexGuard<'_, HashMap<String, K>> {
        self.subjects
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl<K: Topic + Clone + Send + Sync> Backplane<K> for Plane<K> {
    fn publish(&self, topic: &K, event: &Event) -> Result<(), PublishError> {
        let payload = serde_json::to_vec(&Wire {
            node: self.node,
            event: Some(WireEvent::from(event)),
        })
        .map_err(|e| PublishError::new(format!("the event could not be serialized: {e}")))?;
        if payload.len() > self.max_payload {
            return Err(PublishError::new(format!(
                "the event is {} bytes, more than the {} the NATS server takes",
                payload.len(),
                self.max_payload
            )));
        }
        let subject = format!("{}.{}", self.prefix, token(topic));
        self.queue
            .try_send((subject, payload.into()))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => PublishError::new(format!(
                    "the NATS broker is unreachable and {} events already wait for it",
                    self.capacity
                )),
                mpsc::error::TrySendError::Closed(_) => {
                    PublishError::new("the NATS connection is closed")
                }
            })
    }

    fn joined(&self, topic: &K) {
        self.subjects().insert(token(topic), topic.clone());
    }

    fn left(&self, topic: &K) {
        self.subjects().remove(&token(topic));
    }
}

/// Hands queued events to the client, one at a time: the client's `publish` waits while its
/// buffer is full (the broker is unreachable), and the hub's queue fills meanwhile.
async fn forward<K>(
    client: Client,
    mut queued: mpsc::Receiver<(String, Bytes)>,
    plane: Weak<Plane<K>>,
) {
    while let Some((subject, payload)) = queued.recv().await {
        if let Err(error) = client.publish(subject, payload).await {
            tracing::warn!(%error, "NATS publish failed");
            if plane.upgrade().is_none() {
                return;
            }
        }
    }
}

/// Delivers the events other processes publish to this process's subscribers, and
/// resynchronizes them when the hub rejoins after an outage.
async fn receive<K>(
    mut subscriber: async_nats::Subscriber,
    inner: Weak<Inner<K>>,
    plane: Weak<Plane<K>>,
) where
    K: Eq + Hash + Clone + Send + Sync + 'static,
{
    use futures_core::Stream;
    while let Some(message) =
        std::future::poll_fn(|cx| Pin::new(&mut subscriber).poll_next(cx)).await
    {
        let (Some(inner), Some(plane)) = (inner.upgrade(), plane.upgrade()) else {
            return;
        };
        let token = message
            .subject
            .as_str()
            .strip_prefix(plane.prefix.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or_default();
        let wire = serde_json::from_slice::<Wire<'_>>(&message.payload);
        let ours = matches!(&wire, Ok(wire) if wire.node == plane.node);
        match token {
            // A hub joining for the first time: its probe is its own business.
            "probe" => continue,
            // A hub back after an outage, with every event it queued meanwhile out before
            // this. Ours: the server has our subscription again, so subscribers resync now
            // and miss nothing published from here on. Another's: what it queued may have
            // been lost with the connection, and it came after the events it queued, so
            // resyncing now puts every subscriber on the state after all of them.
            "rejoin" => {
                if ours && plane.rejoining.swap(false, Ordering::AcqRel) {
                    let subscribers = inner.resync_all(None);
                    tracing::info!(subscribers, "NATS reconnected: subscribers resynchronized");
                } else if !ours && wire.is_ok() {
                    let subscribers = inner.resync_all(None);
                    tracing::info!(
                        subscribers,
                        "NATS: another process rejoined: subscribers resynchronized"
                    );
                }
                continue;
            }
            _ if ours => continue, // our own publish, already delivered here
            _ => {}
        }
        let Some(topic) = plane.subjects().get(token).cloned() else {
            continue; // nobody here listens to it
        };
        match wire
            .map_err(|e| e.to_string())
            .and_then(|wire| wire.event.ok_or_else(|| "no event".to_owned()))
            .and_then(|event| event.into_event())
        {
            Ok(event) => {
                inner.deliver(&topic, event);
            }
            Err(why) => {
                tracing::warn!(subject = %message.subject, why, "malformed event from NATS: resynchronizing its topic");
                inner.resync_all(Some(&topic));
            }
        }
    }
}

/// When the connection comes back, sends the probe after which `receive` resynchronizes
/// every subscriber and asks the other processes to do the same.
async fn watch_link<K>(mut link: broadcast::Receiver<Link>, plane: Weak<Plane<K>>) {
    let mut lost = false;
    loop {
        let back = match link.recv().await {
            Ok(Link::Lost) => {
                lost = true;
                false
            }
            Ok(Link::Connected) => std::mem::take(&mut lost),
            // Missed connection events: maybe an outage.
            Err(broadcast::error::RecvError::Lagged(_)) => true,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let Some(plane) = plane.upgrade() else {
            return;
        };
        if back {
            // Behind the events queued during the outage: when it comes back (see
            // `receive`), the subscription is back and those events are out.
            plane.rejoining.store(true, Ordering::Release);
            tracing::info!("NATS connection back: rejoining");
            if plane
                .queue
                .send((format!("{}.rejoin", plane.prefix), probe(plane.node)))
                .await
                .is_err()
            {
                tracing::warn!("NATS: could not rejoin");
            }
        }
    }
}

/// What crosses the wire for one publish, or (without an event) a request to resync.
#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    /// The hub that sent it.
    node: u64,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    event: Option<WireEvent<'a>>,
}

/// An [`Event`] as fields, borrowed when sent and when read.
#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireEvent<'a> {
    PatchElements {
        #[serde(borrow)]
        elements: Cow<'a, str>,
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        selector: Option<Cow<'a, str>>,
        mode: Cow<'a, str>,
        #[serde(default, skip_serializing_if = "is_false")]
        view_transition: bool,
        #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
        view_transition_selector: Option<Cow<'a, str>>,
        namespace: Cow<'a, str>,
        #[serde(default, skip_serializing_if = "is_zero")]
        settle_ms: u64,
        #[serde(borrow, flatten)]
        meta: WireMeta<'a>,
    },
    RemoveElements {
        #[serde(borrow)]
        selector: Cow<'a, str>,
        #[serde(default, skip_serializing_if = "is_false")]
        view_transition: bool,
        #[serde(borrow, flatten)]
        meta: WireMeta<'a>,
    },
    PatchSignals {
        #[serde(borrow)]
        json: Cow<'a, str>,
        #[serde(default, skip_serializing_if = "is_false")]
        only_if_missing: bool,
        #[serde(borrow, flatten)]
        meta: WireMeta<'a>,
    },
    RemoveSignals {
        #[serde(borrow)]
        paths: Vec<Cow<'a, str>>,
        #[serde(borrow, flatten)]
        meta: WireMeta<'a>,
    },
    ExecuteScript {
        #[serde(borrow)]
        script: Cow<'a, str>,
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        auto_remove: bool,
        #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
        attributes: Vec<(Cow<'a, str>, Cow<'a, str>)>,
        #[serde(borrow, flatten)]
        meta: WireMeta<'a>,
    },
}

#[derive(Serialize, Deserialize)]
struct WireMeta<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    id: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retry_ms: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl<'a> From<&'a Meta> for WireMeta<'a> {
    fn from(meta: &'a Meta) -> Self {
        WireMeta {
            id: meta.id.as_ref().map(|id| Cow::Borrowed(id.as_str())),
            retry_ms: meta.retry.map(millis),
        }
    }
}

impl WireMeta<'_> {
    fn into_meta(self) -> Result<Meta, String> {
        Ok(Meta {
            id: self
                .id
                .map(|id| EventId::new(id.into_owned()))
                .transpose()
                .map_err(|e| e.to_string())?,
            retry: self.retry_ms.map(Duration::from_millis),
        })
    }
}

impl<'a> From<&'a Event> for WireEvent<'a> {
    fn from(event: &'a Event) -> Self {
        let text = |s: &'a str| Cow::Borrowed(s);
        match event {
            Event::PatchElements(e) => WireEvent::PatchElements {
                elements: text(&e.elements),
                selector: e.selector.as_ref().map(|s| text(s.as_str())),
                mode: text(e.mode.as_str()),
                view_transition: e.view_transition.is_some(),
                view_transition_selector: e
                    .view_transition
                    .as_ref()
                    .and_then(|scope| scope.as_ref().map(|s| text(s.as_str()))),
                namespace: text(e.namespace.as_str()),
                settle_ms: millis(e.settle),
                meta: (&e.meta).into(),
            },
            Event::RemoveElements(e) => WireEvent::RemoveElements {
                selector: text(e.selector.as_str()),
                view_transition: e.view_transition,
                meta: (&e.meta).into(),
            },
            Event::PatchSignals(e) => WireEvent::PatchSignals {
                json: text(&e.json),
                only_if_missing: e.only_if_missing,
                meta: (&e.meta).into(),
            },
            Event::RemoveSignals(e) => WireEvent::RemoveSignals {
                paths: e.paths.iter().map(|p| text(p.as_str())).collect(),
                meta: (&e.meta).into(),
            },
            Event::ExecuteScript(e) => WireEvent::ExecuteScript {
                script: text(&e.script),
                auto_remove: e.auto_remove,
                attributes: e
                    .attributes
                    .iter()
                    .map(|(name, value)| (text(name), text(value)))
                    .collect(),
                meta: (&e.meta).into(),
            },
        }
    }
}

impl WireEvent<'_> {
    /// The event, checked as one made in this process is.
    fn into_event(self) -> Result<Event, String> {
        let selector = |s: Cow<'_, str>| Selector::new(s.into_owned()).map_err(|e| e.to_string());
        Ok(match self {
            WireEvent::PatchElements {
                elements,
                selector: target,
                mode,
                view_transition,
                view_transition_selector,
                namespace,
                settle_ms,
                meta,
            } => {
                let mode =
                    Mode::from_name(&mode).ok_or_else(|| format!("unknown mode `{mode}`"))?;
                let target = target.map(selector).transpose()?;
                if mode.needs_selector() && target.is_none() {
                    return Err(format!("mode `{}` needs a selector", mode.as_str()));
                }
                Event::PatchElements(PatchElements {
                    elements: Cow::Owned(elements.into_owned()),
                    selector: target,
                    mode,
                    view_transition: match (view_transition, view_transition_selector) {
                        (_, Some(scope)) => Some(Some(selector(scope)?)),
                        (true, None) => Some(None),
                        (false, None) => None,
                    },
                    namespace: Namespace::from_name(&namespace)
                        .ok_or_else(|| format!("unknown namespace `{namespace}`"))?,
                    settle: Duration::from_millis(settle_ms),
                    meta: meta.into_meta()?,
                    target: std::marker::PhantomData,
                })
            }
            WireEvent::RemoveElements {
                selector: target,
                view_transition,
                meta,
            } => {
                let mut event = RemoveElements::new(selector(target)?);
                event.view_transition = view_transition;
                event.meta = meta.into_meta()?;
                Event::RemoveElements(event)
            }
            WireEvent::PatchSignals {
                json,
                only_if_missing,
                meta,
            } => {
                let mut event = PatchSignals::raw(json.into_owned()).map_err(|e| e.to_string())?;
                event.only_if_missing = only_if_missing;
                event.meta = meta.into_meta()?;
                Event::PatchSignals(event)
            }
            WireEvent::RemoveSignals { paths, meta } => {
                let paths = paths
                    .into_iter()
                    .map(|p| SignalPath::new(p.into_owned()).map_err(|e| e.to_string()))
                    .collect::<Result<Vec<_>, _>>()?;
                let mut event = RemoveSignals::new(paths);
                event.meta = meta.into_meta()?;
                Event::RemoveSignals(event)
            }
            WireEvent::ExecuteScript {
                script,
                auto_remove,
                attributes,
                meta,
            } => {
                let mut event = ExecuteScript::new(script.into_owned());
                event.auto_remove = auto_remove;
                for (name, value) in attributes {
                    event = event
                        .attribute(name.into_owned(), value.into_owned())
                        .map_err(|e| e.to_string())?;
                }
                event.meta = meta.into_meta()?;
                Event::ExecuteScript(event)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(event: impl Into<Event>) {
        let event = event.into();
        let json = serde_json::to_vec(&Wire {
            node: 7,
            event: Some(WireEvent::from(&event)),
        })
        .unwrap();
        let wire: Wire<'_> = serde_json::from_slice(&json).unwrap();
        assert_eq!(wire.node, 7);
        assert_eq!(wire.event.unwrap().into_event().unwrap(), event);
    }

    #[test]
    fn every_event_crosses_the_wire_unchanged() {
        round_trip(PatchElements::new(r#"<p id="a">1</p>"#));
        round_trip(
            PatchElements::new("<li>x</li>")
                .selector(Selector::new("#feed").unwrap())
                .mode(Mode::Append)
                .view_transition_selector(Selector::new("#feed").unwrap())
                .namespace(Namespace::Svg)
                .settle(Duration::from_millis(300))
                .id(42u64)
                .retry(Duration::from_secs(3)),
        );
        round_trip(PatchElements::new("<p id=\"a\"></p>").view_transition());
        round_trip(RemoveElements::by_id("x y").view_transition().id(1u64));
        round_trip(
            PatchSignals::raw(r#"{"a":{"b":1}}"#)
                .unwrap()
                .only_if_missing(),
        );
        round_trip(RemoveSignals::new([SignalPath::new("a.b").unwrap()]));
        round_trip(
            ExecuteScript::new("console.log(1)")
                .keep()
                .attribute("type", "module")
                .unwrap(),
        );
    }

    #[test]
    fn a_hostile_event_is_refused_with_the_reason() {
        let refuse = |json: &str| {
            let wire: Wire<'_> = serde_json::from_str(json).unwrap();
            wire.event.unwrap().into_event().unwrap_err()
        };
        assert!(
            refuse(r##"{"node":1,"event":{"type":"remove_elements","selector":"#a\nevent: x"}}"##)
                .contains("selector")
        );
        assert!(
            refuse(r#"{"node":1,"event":{"type":"patch_signals","json":"[1]"}}"#)
                .contains("object")
        );
        assert!(refuse(r#"{"node":1,"event":{"type":"patch_elements","elements":"","mode":"append","namespace":"html"}}"#).contains("needs a selector"));
        assert!(refuse(r#"{"node":1,"event":{"type":"patch_elements","elements":"","mode":"outer","namespace":"html","id":"a\nb"}}"#).contains("event id"));
    }

    #[test]
    fn no_topic_reaches_another_subject_or_a_wildcard() {
        assert_eq!(token("room"), "t726f6f6d");
        assert_eq!(token(&()), "t");
        assert_eq!(token(&7u32), "t37");
        for hostile in ["a.b", "*", ">", "a b", "resync", "", "\r\n"] {
            let token = token(hostile);
            assert!(token.starts_with('t'));
            assert!(
                token[1..]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
                "{token}"
            );
        }
        assert_ne!(token("ab"), token("a.b"));
        assert!(valid_prefix("gallery.live-feed_1"));
        for bad in ["", "a..b", "a.*", "a.>", "a b", ".a", "a."] {
            assert!(!valid_prefix(bad), "{bad}");
        }
    }
}
