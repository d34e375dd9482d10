//! The hub across two server processes' worth of nodes on a real `nats-server`, started and
//! stopped here on a free loopback port: two axum apps on their own ports, each with its own
//! hub and its own NATS connection, read over real TCP under V1 and Beta routers at once.
//!
//! Needs `nats-server` on PATH (`scripts/test` installs it); without it these tests fail.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::nats::{Nats, async_nats::ConnectOptions};
use datastar_runtime::{DatastarLayer, Dialect, Hub, PatchElements, Subscription};
use datastar_tests::{PATIENCE, Stream, serve, split_events, wait_until};
use tokio::process::{Child, Command};

const TOPIC: &str = "room";

/// A `nats-server` of this test, killed when dropped.
struct Broker {
    port: u16,
    child: Option<Child>,
}

impl Broker {
    /// A `nats-server` on a loopback port it chooses itself (`-p -1`), so that no other test
    /// can take the port between choosing and binding it.
    async fn start() -> Broker {
        let mut broker = Broker {
            port: 0,
            child: None,
        };
        broker.run().await;
        broker
    }

    /// Starts the server, on the port it had before if it had one.
    async fn run(&mut self) {
        use tokio::io::AsyncBufReadExt;
        let port = if self.port == 0 {
            "-1".to_owned()
        } else {
            self.port.to_string()
        };
        let mut child = Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("`nats-server` is not installed (scripts/test installs it with apt)");
        let mut log = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let listening = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = log.next_line().await.unwrap() {
                if let Some((_, at)) = line.split_once("Listening for client connections on ") {
                    return at
                        .rsplit(':')
                        .next()
                        .unwrap()
                        .trim()
                        .parse::<u16>()
                        .unwrap();
                }
            }
            panic!("nats-server exited before listening");
        })
        .await
        .expect("nats-server did not start");
        // Keep reading its log, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
        self.port = listening;
        self.child = Some(child);
    }

    async fn stop(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().await.unwrap();
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

/// The true state every node's resync reads: shared, as a database would be.
type Store = Arc<Mutex<u32>>;

fn state(n: u32) -> PatchElements<datastar_runtime::ById> {
    PatchElements::new(format!(r#"<p id="n">{n}</p>"#))
}

async fn feed(State(hub): State<Hub<String>>) -> Subscription<String> {
    hub.subscribe(TOPIC.to_owned())
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
    let hub = Hub::new(move |_: &String| [state(*store.lock().unwrap())])
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
        Tab {
            stream: Stream::get(addr, path, &[]).await,
            buffer: String::new(),
        }
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

    /// Reads events until none comes for 1.5 s: the last one.
    async fn settle(&mut self) -> Option<String> {
        let mut last = None;
        while let Ok(event) = tokio::time::timeout(Duration::from_millis(1500), self.next()).await {
            last = Some(event);
        }
        last
    }

    /// Reads events until one shows state `n`; fails if a later one says otherwise.
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

    // Once the nodes are back and quiet, every tab shows state 2: delivered after the
    // reconnect, or in a resync; A's queued publish may reach B after B's own resync, and
    // A's request to resync, sent behind it, puts B's tabs right again.
    for (i, tab) in tabs.iter_mut().enumerate() {
        let last = tab
            .settle()
            .await
            .unwrap_or_else(|| panic!("tab {i}: nothing after the outage"));
        assert_shows(&last, dialect_line(i), 2);
    }
    // Both nodes are subscribed again: new publishes from either reach everyone, once.
    for (n, hub) in [(3, &hub_b), (4, &hub_a)] {
        *store.lock().unwrap() = n;
        hub.publish(TOPIC, state(n));
        for (i, tab) in tabs.iter_mut().enumerate() {
            assert_shows(&tab.next().await, dialect_line(i), n);
        }
    }
}

/// With the smallest buffers (one event in the hub's queue, one command in the client's), a
/// long outage fills them: `try_publish` says so, while this node's tabs still get every
/// event; once the broker is back, the other node's tabs end on the true state.
#[tokio::test]
async fn a_publish_that_cannot_wait_for_the_broker_is_reported() {
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
    for (i, tab) in tabs.iter_mut().enumerate() {
        let last = tab
            .settle()
            .await
            .unwrap_or_else(|| panic!("tab {i}: nothing after the outage"));
        assert_shows(&last, dialect_line(i), refused);
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
