//! The hub over real TCP: every subscriber gets a publish, a subscriber whose client stops
//! reading is resynchronized without holding the others back, and a closed tab unsubscribes.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::{DEFAULT_HUB_BUDGET, DatastarLayer, Hub, PatchElements, Subscription};
use datastar_tests::{PATIENCE, Stream, serve, split_events, wait_until};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpSocket;

const TOPIC: &str = "room";

fn resync_event() -> PatchElements<datastar_runtime::ById> {
    PatchElements::new(r#"<p id="state">full state</p>"#)
}

async fn subscribe(State(hub): State<Hub<&'static str>>) -> Subscription<&'static str> {
    hub.subscribe(TOPIC)
}

async fn server(capacity: usize) -> (Hub<&'static str>, SocketAddr) {
    let hub = Hub::with_capacity(capacity, |_: &&'static str| [resync_event()]);
    let app = Router::new()
        .route("/sub", get(subscribe))
        .with_state(hub.clone())
        .layer(DatastarLayer::new());
    (hub.clone(), serve(app).await)
}

/// Reads `stream` until it has `count` complete events.
async fn read_events(stream: &mut Stream, buffer: &mut String, count: usize) -> Vec<String> {
    let mut events = Vec::new();
    loop {
        let (complete, rest) = split_events(buffer);
        events.extend(complete.iter().map(|e| e.to_string()));
        *buffer = rest.to_owned();
        if events.len() >= count {
            return events;
        }
        let chunk = stream.next_chunk().await.expect("the stream ended");
        buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
    }
}

#[tokio::test]
async fn two_subscribers_see_the_same_publish() {
    let (hub, addr) = server(16).await;
    let mut a = Stream::get(addr, "/sub", &[]).await;
    let mut b = Stream::get(addr, "/sub", &[]).await;
    assert_eq!(a.header("content-type"), Some("text/event-stream"));
    assert_eq!(hub.subscribers(&TOPIC), 2);

    let sent = hub.publish(&TOPIC, PatchElements::new(r#"<p id="n">1</p>"#));
    assert_eq!(sent, 2);
    let expected = "event: datastar-patch-elements\ndata: elements <p id=\"n\">1</p>\n\n";
    for stream in [&mut a, &mut b] {
        let chunk = stream.next_chunk().await.expect("an event");
        assert_eq!(std::str::from_utf8(&chunk).unwrap(), expected);
    }
    // Another topic's publish reaches nobody.
    assert_eq!(hub.publish(&"elsewhere", resync_event()), 0);
}

/// One subscriber's client never reads while 1000 events of 16 KiB (16 MB, more than the
/// kernel buffers between them) are published, each only after the reading subscriber got the
/// previous one: the reader gets every event, so the stalled one held nothing back. When the
/// stalled client finally reads, it finds the events that were buffered for it, then the
/// resync, then the events published after.
#[tokio::test]
async fn a_stalled_subscriber_is_resynchronized_and_holds_nobody_back() {
    const EVENTS: usize = 1000;
    let (hub, addr) = server(8).await;
    let mut reader = Stream::get(addr, "/sub", &[]).await;

    // The stalled client: a small receive window, and no read until the end.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /sub HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    wait_until("both are subscribed", PATIENCE, || {
        hub.subscribers(&TOPIC) == 2
    })
    .await;

    let padding = "x".repeat(16 * 1024);
    let mut buffer = String::new();
    for n in 0..EVENTS {
        let html = format!(r#"<p id="n" data-n="{n}">{padding}</p>"#);
        assert_eq!(hub.publish(&TOPIC, PatchElements::new(html)), 2);
        let events = read_events(&mut reader, &mut buffer, 1).await;
        // Exactly event n: a resync (or anything else) arriving with it would be a second one.
        assert_eq!(events.len(), 1, "after event {n}: {:.200?}", events[1]);
        assert!(
            events[0].contains(&format!("data-n=\"{n}\"")),
            "event {n} in order, not {:.200}",
            events[0]
        );
    }
    assert!(buffer.is_empty(), "the reader was sent more: {buffer:.200}");

    // Now the stalled client reads what it was sent, until the resync.
    let mut received = Vec::new();
    let end = read_until(&mut stalled, &mut received, b"full state")
        .await
        .expect("the stalled subscriber got no resync");
    let stalled_text = String::from_utf8_lossy(&received[..end]).into_owned();
    let body = &stalled_text[stalled_text.find("\r\n\r\n").unwrap() + 4..];
    let seen: Vec<usize> = body
        .split("data-n=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(
        seen,
        (0..seen.len()).collect::<Vec<_>>(),
        "a prefix, in order"
    );
    assert!(
        seen.len() < EVENTS / 2,
        "it fell behind: {} of {EVENTS} events before the resync",
        seen.len()
    );

    // After the resync both get what is published next.
    hub.publish(&TOPIC, PatchElements::new(r#"<p id="n">after</p>"#));
    let event = read_events(&mut reader, &mut buffer, 1).await.remove(0);
    assert!(event.contains("after"));
    let after = read_until(&mut stalled, &mut received, b"\">after</p>").await;
    assert!(after.is_some(), "the resynchronized subscriber goes on");
}

/// A client that never reads, while 40 events of 1 MiB are published: far fewer than the
/// count bound, but far more bytes than the budget. The hub keeps no more than its budget for
/// it (the rest is in the connection's buffers), and when the client reads it finds a prefix
/// of the events, then the resync, then what is published next.
#[tokio::test]
async fn a_stalled_subscriber_costs_no_more_than_the_byte_budget() {
    const EVENTS: usize = 40;
    let hub = Hub::new(|_: &&'static str| [resync_event()]);
    let app = Router::new()
        .route("/sub", get(subscribe))
        .with_state(hub.clone())
        .layer(DatastarLayer::new());
    let addr = serve(app).await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stalled = socket.connect(addr).await.unwrap();
    stalled
        .write_all(b"GET /sub HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    wait_until("subscribed", PATIENCE, || hub.subscribers(&TOPIC) == 1).await;

    let padding = "x".repeat(1024 * 1024);
    let mut most = 0;
    for n in 0..EVENTS {
        let html = format!(r#"<p id="n" data-n="{n}">{padding}</p>"#);
        assert_eq!(hub.publish(&TOPIC, PatchElements::new(html)), 1);
        // Let the server write what the connection takes.
        tokio::time::sleep(Duration::from_millis(5)).await;
        most = most.max(hub.retained_bytes(&TOPIC));
    }
    assert!(
        most <= DEFAULT_HUB_BUDGET,
        "the topic held {most} bytes, over its budget of {DEFAULT_HUB_BUDGET}"
    );
    assert!(
        most > 0,
        "the newest event is kept for the stalled subscriber"
    );

    let mut received = Vec::new();
    let end = read_until(&mut stalled, &mut received, b"full state")
        .await
        .expect("the stalled subscriber got no resync");
    let text = String::from_utf8_lossy(&received[..end]);
    let seen: Vec<usize> = text
        .split("data-n=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect();
    assert_eq!(
        seen,
        (0..seen.len()).collect::<Vec<_>>(),
        "a prefix, in order"
    );
    assert!(
        seen.len() < EVENTS / 2,
        "{} of {EVENTS} events before the resync",
        seen.len()
    );

    hub.publish(&TOPIC, PatchElements::new(r#"<p id="n">after</p>"#));
    let after = read_until(&mut stalled, &mut received, b"\">after</p>").await;
    assert!(after.is_some(), "the resynchronized subscriber goes on");
}

/// Reads `socket` into `received` until `needle` arrives, and says where it starts; `None`
/// after [`PATIENCE`]. Only new bytes are searched, so megabytes cost no more than once.
async fn read_until(
    socket: &mut tokio::net::TcpStream,
    received: &mut Vec<u8>,
    needle: &[u8],
) -> Option<usize> {
    let mut chunk = vec![0; 256 * 1024];
    let mut searched = 0;
    tokio::time::timeout(PATIENCE, async {
        loop {
            if let Some(at) = find(&received[searched..], needle) {
                return searched + at;
            }
            searched = received.len().saturating_sub(needle.len() - 1);
            let n = socket.read(&mut chunk).await.unwrap();
            assert_ne!(n, 0, "the stream ended");
            received.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn a_closed_connection_unsubscribes() {
    let (hub, addr) = server(16).await;
    let a = Stream::get(addr, "/sub", &[]).await;
    let b = Stream::get(addr, "/sub", &[]).await;
    let c = Stream::get(addr, "/sub", &[]).await;
    assert_eq!(hub.subscribers(&TOPIC), 3);
    drop(b);
    wait_until("the closed tab left", PATIENCE, || {
        hub.subscribers(&TOPIC) == 2
    })
    .await;
    drop((a, c));
    wait_until("every tab left", PATIENCE, || hub.subscribers(&TOPIC) == 0).await;
    // With nobody left, a publish reaches nobody.
    assert_eq!(hub.publish(&TOPIC, resync_event()), 0);
}

#[tokio::test]
async fn first_events_come_before_published_ones() {
    let hub = Hub::new(|_: &&'static str| [resync_event()]);
    let app = Router::new()
        .route(
            "/sub",
            get(|State(hub): State<Hub<&'static str>>| async move {
                // Subscribe, then read the state: an event published in between is queued for
                // this subscriber, and must come after its first events.
                let subscription = hub.subscribe(TOPIC);
                let sent = hub.publish(&TOPIC, PatchElements::new(r#"<p id="state">next</p>"#));
                assert_eq!(sent, 1, "the subscription is counted before it is returned");
                subscription
                    .first([
                        PatchElements::new(r#"<p id="state">now</p>"#),
                        PatchElements::new(r#"<p id="also">now</p>"#),
                    ])
                    .keep_alive(Some(Duration::from_secs(60)))
            }),
        )
        .with_state(hub.clone());
    let addr = serve(app).await;
    let mut stream = Stream::get(addr, "/sub", &[]).await;
    let mut buffer = String::new();
    let events = read_events(&mut stream, &mut buffer, 3).await;
    assert_eq!(
        events,
        [
            "event: datastar-patch-elements\ndata: elements <p id=\"state\">now</p>\n",
            "event: datastar-patch-elements\ndata: elements <p id=\"also\">now</p>\n",
            "event: datastar-patch-elements\ndata: elements <p id=\"state\">next</p>\n",
        ]
    );
    assert!(buffer.is_empty(), "nothing more: {buffer:?}");
}

/// "N viewing": every tab that opens the stream, and every tab that goes away, is told to the
/// hub's watcher, which publishes the new count to the topic; each open tab sees it, with no
/// polling.
#[tokio::test]
async fn tabs_joining_and_leaving_are_seen_without_polling() {
    let hub: Hub<String> =
        Hub::new(|_: &String| Vec::<PatchElements<datastar_runtime::ById>>::new());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    hub.on_subscribers(move |hub, topic, n| {
        log.lock().unwrap().push(n);
        // A `Hub<String>` publishes to a `&str`.
        hub.publish(
            topic.as_str(),
            PatchElements::new(format!(r#"<span id="viewers">{n} viewing</span>"#)),
        );
    });
    async fn board(State(hub): State<Hub<String>>) -> Subscription<String> {
        hub.subscribe("board".to_owned())
    }
    let app = Router::new()
        .route("/board", get(board))
        .with_state(hub.clone())
        .layer(DatastarLayer::new());
    let addr = serve(app).await;

    let mut first = Stream::get(addr, "/board", &[]).await;
    let mut buffer = String::new();
    let events = read_events(&mut first, &mut buffer, 1).await;
    assert!(events[0].contains("1 viewing"), "{events:?}");

    let second = Stream::get(addr, "/board", &[]).await;
    let events = read_events(&mut first, &mut buffer, 1).await;
    assert!(events[0].contains("2 viewing"), "{events:?}");

    second.close();
    let events = read_events(&mut first, &mut buffer, 1).await;
    assert!(
        events[0].contains("1 viewing"),
        "the first tab is told the second left: {events:?}"
    );
    first.close();
    wait_until("the last tab left", PATIENCE, || {
        hub.subscribers("board") == 0
    })
    .await;
    assert_eq!(*seen.lock().unwrap(), [1, 2, 1, 0]);
}
