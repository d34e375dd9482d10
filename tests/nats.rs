//! The hub across two server processes' worth of nodes on a real `nats-server`, started and
//! stopped here on a free loopback port: two axum apps on their own ports, each with its own
//! hub and its own NATS connection, read over real TCP under V1 and Beta routers at once.
//!
//! Needs `nats-server` on PATH (`scripts/test` installs it); without it these tests fail.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::nats::{Nats, async_nats::ConnectOptions};
use datastar_runtime::{DatastarLayer, Dialect, Hub, LastEventId, PatchElements, Subscription};
use datastar_tests::{Broker, PATIENCE, Stream, read_until, serve, split_events, wait_until};

const TOPIC: &str = "room";

/// How many events each node's hub keeps per topic: the window a tab can resume in.
const CAPACITY: usize = 16;

/// What `tracing` logs on this test's thread (a `#[tokio::test]` runs every task there).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Log {
    fn capture() -> Log {
        Log::default()
    }

    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Waits until both nodes of a test logged that they are back after an outage.
    async fn rejoined(&self) {
        wait_until("both nodes rejoin", 4 * PATIENCE, || {
            self.text()
                .matches("NATS reconnected: subscribers resynchronized")
                .count()
                == 2
        })
        .await;
    }
}

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The true state every node's resync reads: shared, as a database would be.
type Store = Arc<Mutex<u32>>;

fn state(n: u32) -> PatchElements<datastar_runtime::ById> {
    PatchElements::new(format!(r#"<p id="n">{n}</p>"#))
}

/// A tab's stream: it resumes when the client sends the `Last-Event-ID` it saw last.
async fn feed(
    State(hub): State<Hub<String>>,
    LastEventId(last): LastEventId,
) -> Subscription<String> {
    hub.resume(TOPIC.to_owned(), last.as_deref())
}

/// One node: its own hub and NATS connection, serving `/v1/feed` and `/beta/feed`.
async fn node(broker: &Broker, store: &Store) -> (Hub<String>, SocketAddr) {
    let options = ConnectOptions::new().reconnect_delay_callback(|_| Duration::from_millis(50));
    let nats = Nats::connect_with_options(broker.url(), options)
        .await
        .unwrap();
    node_on(nats, store).await
}

/// A node on the connection `nats`.
async fn node_on(nats: Nats, store: &Store) -> (Hub<String>, SocketAddr) {
    let store = store.clone();
    let hub = Hub::with_capacity(CAPACITY, move |_: &String| [state(*store.lock().unwrap())])
        .with_nats(&nats, "test.hub")
        .await
        .unwrap();
    let router = |dialect| {
        Router::new()
            .route("/feed", get(feed))
            .with_state(hub.clone())
            .layer(DatastarLayer::new().dialect(dialect))
    };
    let app = Router::new()
        .nest("/v1", router(Dialect::V1))
        .nest("/beta", router(Dialect::Beta));
    (hub, serve(app).await)
}

/// A subscriber's stream and what it has read that is not yet an event.
struct Tab {
    stream: Stream,
    buffer: String,
}

impl Tab {
    async fn open(addr: SocketAddr, path: &str) -> Tab {
        Self::open_with(addr, path, &[]).await
    }

    async fn open_with(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Tab {
        Tab {
            stream: Stream::get(addr, path, headers).await,
            buffer: String::new(),
        }
    }

    /// A tab that comes back to `addr` after seeing the event with id `last`.
    async fn resume(addr: SocketAddr, path: &str, last: &str) -> Tab {
        Self::open_with(addr, path, &[("last-event-id", last)]).await
    }

    /// The next complete event.
    async fn next(&mut self) -> String {
        // One deadline for the event, keep-alive comments or not.
        let deadline = tokio::time::Instant::now() + 4 * PATIENCE;
        loop {
            let (events, rest) = split_events(&self.buffer);
            if let Some(first) = events.first() {
                let (first, at) = (first.to_string(), first.len() + 1);
                let _ = rest;
                self.buffer.drain(..at);
                if first.lines().all(|line| line.starts_with(':')) {
                    continue; // a keep-alive comment
                }
                return first;
            }
            // More patient than `Stream::next_chunk`: two nodes and a broker share the CPU.
            let frame = tokio::time::timeout_at(
                deadline,
                http_body_util::BodyExt::frame(self.stream.response.body_mut()),
            )
            .await
            .expect("an event in time")
            .expect("the stream ended")
            .expect("a frame");
            let Ok(chunk) = frame.into_data() else {
                continue;
            };
            self.buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    }

    /// Reads events until one shows state `n`: what it read, that one last.
    async fn until(&mut self, n: u32) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let event = self.next().await;
            let done = event.contains(&format!(">{n}</p>"));
            seen.push(event);
            if done {
                return seen;
            }
        }
    }

    /// Reads events until one shows state `n`, failing on any that shows another state than
    /// `n` or `before` (a resync of the state before `n` may come first).
    async fn until_only(&mut self, before: u32, n: u32, tab: usize) {
        for event in self.until(n).await {
            assert!(
                [before, n]
                    .iter()
                    .any(|m| event.contains(&format!(">{m}</p>"))),
                "tab {tab}: waiting for {n}, got {event:?}"
            );
        }
    }
}

/// The `id:` of an event.
fn id_of(event: &str) -> &str {
    event
        .lines()
        .find_map(|line| line.strip_prefix("id: "))
        .unwrap_or_else(|| panic!("no id in {event:?}"))
}

/// Four tabs: V1 and Beta on node A, V1 and Beta on node B.
async fn tabs(a: SocketAddr, b: SocketAddr) -> Vec<Tab> {
    let mut tabs = Vec::new();
    for addr in [a, b] {
        for path in ["/v1/feed", "/beta/feed"] {
            tabs.push(Tab::open(addr, path).await);
        }
    }
    tabs
}

fn assert_shows(event: &str, dialect_line: &str, n: u32) {
    assert!(
        event.contains(&format!("{dialect_line} <p id=\"n\">{n}</p>")),
        "expected state {n} as `{dialect_line}`, got {event:?}"
    );
}

fn dialect_line(i: usize) -> &'static str {
    if i.is_multiple_of(2) {
        "data: elements"
    } else {
        "data: fragments"
    }
}

#[tokio::test]
async fn a_publish_on_either_node_reaches_every_stream_on_both_exactly_once() {
    let broker = Broker::start().await;
    let store = Store::default();
    let (hub_a, a) = node(&broker, &store).await;
    let (hub_b, b) = node(&broker, &store).await;
    let mut tabs = tabs(a, b).await;
    wait_until("both nodes have their two subscribers", PATIENCE, || {
        hub_a.subscribers(TOPIC) == 2 && hub_b.subscribers(TOPIC) == 2
    })
    .await;

    // Each node delivers to its own two tabs and, through NATS, to the other's two. Each
    // publish is read everywhere before the next (publishes racing on two nodes have no one
    // order), and the event after it is the next publish: an echo would show as a repeat.
    for (n, hub) in [(1, &hub_a), (2, &hub_b), (3, &hub_a)] {
        assert_eq!(
            hub.try_publish(TOPIC, state(n)),
            Ok(2),
            "this node's two tabs"
        );
        for (i, tab) in tabs.iter_mut().enumerate() {
            let event = tab.next().await;
            assert!(
                event.contains(&format!(">{n}</p>")),
                "tab {i}, publish {n}: {event:?}"
            );
            assert_shows(&event, dialect_line(i), n);
        }
    }
    // Nothing more: the next event on every tab is the next publish.
    hub_b.publish(TOPIC, state(4));
    for (i, tab) in tabs.iter_mut().enumerate() {
        assert_shows(&tab.next().await, dialect_line(i), 4);
    }
    // Another topic reaches nobody here.
    assert_eq!(hub_a.publish("elsewhere", state(9)), 0);
    hub_a.publish(TOPIC, state(5));
    for (i, tab) in tabs.iter_mut().enumerate() {
        assert_shows(&tab.next().await, dialect_line(i), 5);
    }
}

/// The broker is killed mid-stream, a publish is made on A while it is down, and the broker
/// comes back: every tab on both nodes ends on the true state, and publishing works again.
#[tokio::test]
async fn after_a_broker_restart_every_stream_ends_on_the_true_state() {
    let log = Log::capture();
    let _guard = log.install();
    let mut broker = Broker::start().await;
    let store = Store::default();
    let (hub_a, a) = node(&broker, &store).await;
    let (hub_b, b) = node(&broker, &store).await;
    let mut tabs = tabs(a, b).await;
    wait_until("both nodes have their two subscribers", PATIENCE, || {
        hub_a.subscribers(TOPIC) == 2 && hub_b.subscribers(TOPIC) == 2
    })
    .await;
    *store.lock().unwrap() = 1;
    hub_a.publish(TOPIC, state(1));
    for tab in &mut tabs {
        tab.until(1).await;
    }

    broker.stop().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // During the outage: A's own tabs get it at once; for B it waits in A's queue.
    *store.lock().unwrap() = 2;
    assert_eq!(hub_a.try_publish(TOPIC, state(2)), Ok(2));
    for tab in &mut tabs[..2] {
        tab.until(2).await;
    }
    broker.run().await;

    log.rejoined().await;
    // B's tabs got state 2 after the reconnect: A's queued publish, or a resync (each node
    // resyncs its own tabs once it is back, and once it sees the other come back). Nothing
    // shows state 1 again.
    for (i, tab) in tabs[2..].iter_mut().enumerate() {
        tab.until_only(2, 2, i + 2).await;
    }
    back_and_linked(&store, &hub_a, &hub_b, &mut tabs, 3).await;
    let log = log.text();
    for line in [
        "NATS connection lost",
        "NATS connection back: rejoining",
        "NATS reconnected: subscribers resynchronized",
    ] {
        assert!(log.contains(line), "`{line}` is logged: {log}");
    }
}

/// With the smallest buffers (one event in the hub's queue, one command in the client's), a
/// long outage fills them: `try_publish` says so, while this node's tabs still get every
/// event; once the broker is back, the other node's tabs end on the true state.
#[tokio::test]
async fn a_publish_that_cannot_wait_for_the_broker_is_reported() {
    let log = Log::capture();
    let _guard = log.install();
    let mut broker = Broker::start().await;
    let store = Store::default();
    let options = ConnectOptions::new()
        .client_capacity(1)
        .reconnect_delay_callback(|_| Duration::from_millis(50));
    let nats = Nats::connect_with_options(broker.url(), options)
        .await
        .unwrap()
        .queue(1);
    let (hub_a, a) = node_on(nats, &store).await;
    let (hub_b, b) = node(&broker, &store).await;
    let mut tabs = tabs(a, b).await;
    wait_until("both nodes have their two subscribers", PATIENCE, || {
        hub_a.subscribers(TOPIC) == 2 && hub_b.subscribers(TOPIC) == 2
    })
    .await;

    broker.stop().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut refused = None;
    for n in 1..=20 {
        *store.lock().unwrap() = n;
        match hub_a.try_publish(TOPIC, state(n)) {
            Ok(sent) => assert_eq!(sent, 2),
            Err(error) => {
                assert!(error.why().contains("unreachable"), "{error}");
                refused = Some(n);
                break;
            }
        }
        // Let the forwarding task take it, so that the buffers fill one by one.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = refused.expect("a full queue is reported");
    // This node's tabs got every publish, the refused one too.
    for (i, tab) in tabs[..2].iter_mut().enumerate() {
        for n in 1..=refused {
            assert_shows(&tab.next().await, dialect_line(i), n);
        }
    }
    broker.run().await;
    log.rejoined().await;
    // Once back, every tab on both nodes is resynced to the true state; B's tabs, which
    // missed some publishes, skip them.
    for tab in &mut tabs {
        tab.until(refused).await;
    }
    back_and_linked(&store, &hub_a, &hub_b, &mut tabs, refused + 1).await;
}

/// After an outage, once both nodes have rejoined: a publish `n` on A reaches every tab
/// (B's tabs may first get late events that A queued during the outage, and resyncs), and
/// nothing comes after it but the true state; then a publish `n + 1` on B reaches every tab.
async fn back_and_linked(
    store: &Store,
    hub_a: &Hub<String>,
    hub_b: &Hub<String>,
    tabs: &mut [Tab],
    n: u32,
) {
    *store.lock().unwrap() = n;
    hub_a.publish(TOPIC, state(n));
    for tab in tabs.iter_mut() {
        tab.until(n).await;
    }
    *store.lock().unwrap() = n + 1;
    hub_b.publish(TOPIC, state(n + 1));
    for (i, tab) in tabs.iter_mut().enumerate() {
        tab.until_only(n, n + 1, i).await;
    }
}

#[allow(dead_code)]
#[path = "../examples/gallery/main.rs"]
mod gallery;

/// Reads `tab` until an event holds `text`.
async fn until_text(tab: &mut Tab, text: &str) {
    while !tab.next().await.contains(text) {}
}

/// Two gallery processes' apps on one broker, as `gallery --nats URL` runs them: a post on
/// either reaches the live feed's tabs on both, and a tab that opens later on the other
/// process starts with it.
#[tokio::test]
async fn the_gallery_live_feed_is_shared_by_two_processes() {
    let broker = Broker::start().await;
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let nats = Nats::connect(broker.url()).await.unwrap();
        let app = gallery::cluster_app(gallery::Client::Cdn, &nats)
            .await
            .unwrap();
        nodes.push(serve(app).await);
    }
    let (a, b) = (nodes[0], nodes[1]);
    let feed = "/examples/live_feed/updates";
    let mut tabs = [Tab::open(a, feed).await, Tab::open(b, feed).await];
    for tab in &mut tabs {
        until_text(tab, "● live").await;
    }
    for (poster, message) in [(b, "hello from B"), (a, "and from A")] {
        let mut client = datastar_tests::Client::http1(poster).await;
        let response = client
            .send(
                http::Method::POST,
                "/examples/live_feed/post",
                &[
                    ("datastar-request", "true"),
                    ("content-type", "application/json"),
                ],
                serde_json::json!({ "message": message }).to_string(),
            )
            .await;
        assert_eq!(response.status(), 200);
        for tab in &mut tabs {
            until_text(tab, message).await;
        }
    }
    // Each process keeps the list: a tab opening on A starts with B's post (which reaches
    // A's list on its own subject, so soon after, if not already).
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let snapshot = Tab::open(a, feed).await.next().await;
        if snapshot.contains("hello from B") && snapshot.contains("and from A") {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{snapshot}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Publishes state `n` on `hub` and reads it on every tab: it has one id, the same on every
/// tab of both nodes, greater than the last of `ids`, to which it is added.
async fn publish_and_read(
    store: &Store,
    n: u32,
    hub: &Hub<String>,
    tabs: &mut [Tab],
    ids: &mut Vec<String>,
) {
    *store.lock().unwrap() = n;
    hub.publish(TOPIC, state(n));
    let mut seen = Vec::new();
    for tab in tabs.iter_mut() {
        let event = tab.next().await;
        assert!(event.contains(&format!(">{n}</p>")), "{event:?}");
        seen.push(id_of(&event).to_owned());
    }
    assert!(seen.iter().all(|id| *id == seen[0]), "one id: {seen:?}");
    if let Some(last) = ids.last() {
        assert!(order(last) < order(&seen[0]), "{last} then {}", seen[0]);
    }
    ids.push(seen.remove(0));
}

/// `(clock, node)` of an id `CLOCK-NODE`: the order ids increase in.
fn order(id: &str) -> (u64, u64) {
    let (clock, node) = id.split_once('-').expect("CLOCK-NODE");
    (
        clock.parse().unwrap(),
        u64::from_str_radix(node, 16).unwrap(),
    )
}

/// A tab that saw events on A comes back to B (and one on B to A, under the other dialect)
/// with the `Last-Event-ID` it saw last, over real TCP: it gets exactly the events it missed,
/// with the ids every tab saw them with, in order, then the next publish. A tab whose id is
/// no longer kept, unknown or malformed gets the resync instead, with an id to resume from.
#[tokio::test]
async fn a_tab_resumes_on_the_other_node_with_its_last_event_id() {
    let broker = Broker::start().await;
    let store = Store::default();
    let (hub_a, a) = node(&broker, &store).await;
    let (hub_b, b) = node(&broker, &store).await;
    let mut tabs = tabs(a, b).await;
    wait_until("both nodes have their two subscribers", PATIENCE, || {
        hub_a.subscribers(TOPIC) == 2 && hub_b.subscribers(TOPIC) == 2
    })
    .await;

    let mut ids: Vec<String> = Vec::new();
    let publish = async |n: u32, hub: &Hub<String>, tabs: &mut [Tab], ids: &mut Vec<String>| {
        publish_and_read(&store, n, hub, tabs, ids).await;
    };
    publish(1, &hub_a, &mut tabs, &mut ids).await;
    publish(2, &hub_b, &mut tabs, &mut ids).await;
    // Tab 0 (A, V1) and tab 3 (B, Beta) go away after 2; 3 and 4 are published meanwhile.
    let (left_a, left_b) = (tabs.remove(3), tabs.remove(0));
    drop((left_a, left_b));
    publish(3, &hub_a, &mut tabs, &mut ids).await;
    publish(4, &hub_b, &mut tabs, &mut ids).await;

    for (addr, path, line) in [
        (b, "/v1/feed", "data: elements"),
        (a, "/beta/feed", "data: fragments"),
    ] {
        let mut back = Tab::resume(addr, path, &ids[1]).await;
        for (n, id) in [(3, &ids[2]), (4, &ids[3])] {
            let event = back.next().await;
            assert_shows(&event, line, n);
            assert_eq!(id_of(&event), id);
        }
        // Then what is published next, and nothing in between.
        tabs.push(back);
    }
    publish(5, &hub_a, &mut tabs, &mut ids).await;

    // 16 more: the window (16 events) no longer holds id 2.
    for n in 6..6 + CAPACITY as u32 {
        publish(
            n,
            if n % 2 == 0 { &hub_a } else { &hub_b },
            &mut tabs,
            &mut ids,
        )
        .await;
    }
    let now = 5 + CAPACITY as u32;
    for last in [ids[1].as_str(), "1-0", "not an id", ""] {
        for (addr, path, line) in [
            (a, "/v1/feed", "data: elements"),
            (b, "/beta/feed", "data: fragments"),
        ] {
            let mut back = Tab::resume(addr, path, last).await;
            let resync = back.next().await;
            assert_shows(&resync, line, now);
            // The resync has the id of the newest event it covers: resuming from it gets
            // exactly what comes after.
            assert_eq!(id_of(&resync), ids.last().unwrap(), "{last:?}");
        }
    }
    let mut back = Tab::resume(b, "/v1/feed", ids.last().unwrap()).await;
    publish(now + 1, &hub_a, &mut tabs, &mut ids).await;
    assert_shows(&back.next().await, "data: elements", now + 1);
}

/// A client on B that stops reading while A publishes 1000 events of 16 KiB (more than the
/// kernel buffers hold): A's tab and B's reading tab get every event, each before the next
/// publish, so the stalled one slowed nobody; when it reads at last it finds a prefix of the
/// events in order, then the resync (the true state), then what is published next.
#[tokio::test]
async fn a_slow_subscriber_on_b_resyncs_without_slowing_a() {
    use tokio::io::AsyncWriteExt;
    const EVENTS: u32 = 1000;
    let broker = Broker::start().await;
    let store = Store::default();
    let (hub_a, a) = node(&broker, &store).await;
    let (hub_b, b) = node(&broker, &store).await;
    let mut readers = [
        Tab::open(a, "/v1/feed").await,
        Tab::open(b, "/beta/feed").await,
    ];
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(b).await.unwrap();
    stalled
        .write_all(b"GET /v1/feed HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    wait_until("A has one subscriber, B two", PATIENCE, || {
        hub_a.subscribers(TOPIC) == 1 && hub_b.subscribers(TOPIC) == 2
    })
    .await;

    let padding = "x".repeat(16 * 1024);
    for n in 1..=EVENTS {
        *store.lock().unwrap() = n;
        let html = format!(r#"<p id="n" data-pad="{padding}">{n}</p>"#);
        hub_a.publish(TOPIC, PatchElements::new(html));
        for reader in &mut readers {
            let event = reader.next().await;
            assert!(
                event.contains(&format!("\">{n}</p>")),
                "event {n} in order: {event:.100}"
            );
        }
    }

    // The stalled client reads now: a prefix of the padded events, then the unpadded resync.
    let mut received = Vec::new();
    let resync = format!("<p id=\"n\">{EVENTS}</p>");
    let end = read_until(&mut stalled, &mut received, 4 * PATIENCE, resync.as_bytes())
        .await
        .expect("the stalled subscriber got no resync");
    let text = String::from_utf8_lossy(&received[..end]).into_owned();
    let before = text.as_str();
    let seen: Vec<u32> = before
        .split("\">")
        .skip(1)
        .filter_map(|rest| rest.split_once("</p>")?.0.parse().ok())
        .collect();
    assert_eq!(
        seen,
        (1..=seen.len() as u32).collect::<Vec<_>>(),
        "a prefix, in order"
    );
    assert!(
        seen.len() < EVENTS as usize / 2,
        "it fell behind: {} events",
        seen.len()
    );
    hub_b.publish(TOPIC, state(EVENTS + 1));
    let next = format!(">{}</p>", EVENTS + 1);
    read_until(&mut stalled, &mut received, 4 * PATIENCE, next.as_bytes())
        .await
        .expect("the resynchronized subscriber goes on");
}
