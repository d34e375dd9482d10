//! The hub over real TCP: every subscriber gets a publish, a subscriber whose client stops
//! reading is resynchronized without holding the others back, and a closed tab unsubscribes.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::{
    DEFAULT_HUB_BUDGET, DatastarLayer, Hub, LastEventId, PatchElements, Subscription,
};
use datastar_tests::{PATIENCE, Stream, read_until, serve, split_events, wait_until};
use tokio::io::AsyncWriteExt;
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

/// The `id:` of an event (the hub gives every published event one), and the event without it.
fn without_id(event: &str) -> (Option<String>, String) {
    let mut id = None;
    let mut rest = String::new();
    for line in event.split_inclusive('\n') {
        match line.strip_prefix("id: ") {
            Some(value) => id = Some(value.trim_end().to_owned()),
            None => rest.push_str(line),
        }
    }
    (id, rest)
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
    let mut ids = Vec::new();
    for stream in [&mut a, &mut b] {
        let chunk = stream.next_chunk().await.expect("an event");
        let (id, event) = without_id(std::str::from_utf8(&chunk).unwrap());
        assert_eq!(
            event,
            "event: datastar-patch-elements\ndata: elements <p id=\"n\">1</p>\n\n"
        );
        ids.push(id);
    }
    assert_eq!(ids[0], ids[1], "one id for one publish");
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
    let end = read_until(&mut stalled, &mut received, PATIENCE, b"full state")
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
    let after = read_until(&mut stalled, &mut received, PATIENCE, b"\">after</p>").await;
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
    let end = read_until(&mut stalled, &mut received, PATIENCE, b"full state")
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
    let after = read_until(&mut stalled, &mut received, PATIENCE, b"\">after</p>").await;
    assert!(after.is_some(), "the resynchronized subscriber goes on");
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
        events.iter().map(|e| without_id(e).1).collect::<Vec<_>>(),
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

async fn resumable(
    State(hub): State<Hub<&'static str>>,
    LastEventId(last): LastEventId,
) -> Subscription<&'static str> {
    hub.resume(TOPIC, last.as_deref())
        .first([PatchElements::new(r#"<p id="state">first</p>"#)])
}

/// A hub keeping 8 events and `budget` bytes per topic, serving `/resume`, and one open
/// stream that keeps the topic alive while tabs come and go.
async fn resume_server(budget: usize) -> (Hub<&'static str>, SocketAddr, Stream) {
    let hub = Hub::with_bounds(8, budget, |_: &&'static str| [resync_event()]);
    let app = Router::new()
        .route("/resume", get(resumable))
        .with_state(hub.clone())
        .layer(DatastarLayer::new());
    let addr = serve(app).await;
    let keeper = Stream::get(addr, "/resume", &[]).await;
    (hub, addr, keeper)
}

/// Opens `/resume` with `Last-Event-ID: last` and reads `count` events: `(id, text)` each.
async fn come_back(addr: SocketAddr, last: &str, count: usize) -> (Stream, Vec<(String, String)>) {
    let mut stream = Stream::get(addr, "/resume", &[("last-event-id", last)]).await;
    let events = read_events(&mut stream, &mut String::new(), count).await;
    let events = events
        .iter()
        .map(|e| {
            let (id, text) = without_id(e);
            (id.unwrap_or_else(|| panic!("no id: {text}")), text)
        })
        .collect();
    (stream, events)
}

/// A tab that comes back with the `Last-Event-ID` it saw last, over real TCP: it gets exactly
/// the events it missed, with the ids it would have seen, in order, then new ones, and not
/// the first events of a new tab. One whose id fell out of the kept window (8 events), or
/// that sends an id the hub never gave, or garbage, gets the resync, with the id of the
/// newest event kept: coming back with that one resumes exactly.
#[tokio::test]
async fn a_tab_that_comes_back_with_its_last_event_id_gets_exactly_what_it_missed() {
    let (hub, addr, mut keeper) = resume_server(DEFAULT_HUB_BUDGET).await;
    let mut tab = Stream::get(addr, "/resume", &[]).await;
    let mut buffer = String::new();
    wait_until("two subscribers", PATIENCE, || hub.subscribers(&TOPIC) == 2).await;
    let first = read_events(&mut tab, &mut buffer, 1).await;
    assert!(first[0].contains("first"), "{first:?}");
    let publish = |n: u32| {
        hub.publish(&TOPIC, PatchElements::new(format!(r#"<p id="n">{n}</p>"#)));
    };
    for n in 1..=2 {
        publish(n);
    }
    let seen = read_events(&mut tab, &mut buffer, 2).await;
    let last = without_id(&seen[1]).0.expect("published events have ids");
    drop(tab);
    wait_until("the tab left", PATIENCE, || hub.subscribers(&TOPIC) == 1).await;
    for n in 3..=5 {
        publish(n);
    }
    let mut keeper_buffer = String::new();
    // The keeper's first event, then 1 to 5: the ids every tab sees.
    let kept: Vec<_> = read_events(&mut keeper, &mut keeper_buffer, 6).await;
    let kept_ids: Vec<String> = kept[1..].iter().map(|e| without_id(e).0.unwrap()).collect();
    assert_eq!(last, kept_ids[1]);

    let (mut back, missed) = come_back(addr, &last, 3).await;
    for (i, (id, text)) in missed.iter().enumerate() {
        assert!(
            text.contains(&format!(">{}</p>", i + 3)),
            "missed event {}: {text}",
            i + 3
        );
        assert_eq!(*id, kept_ids[i + 2]);
    }
    publish(6);
    let next = read_events(&mut back, &mut String::new(), 1).await;
    assert!(
        next[0].contains(">6</p>"),
        "then the next publish, and nothing between: {next:?}"
    );

    // Ten more: 8 are kept, so the id of 2 is no longer in the window. (One at a time, each
    // read: the keeper must not fall behind.)
    let mut newest = read_events(&mut keeper, &mut keeper_buffer, 1)
        .await
        .remove(0);
    for n in 7..=16 {
        publish(n);
        newest = read_events(&mut keeper, &mut keeper_buffer, 1)
            .await
            .remove(0);
        assert!(newest.contains(&format!(">{n}</p>")), "{newest}");
    }
    let newest_id = without_id(&newest).0.unwrap();
    for stale in [last.as_str(), "1-0", "garbage", "99999999999999999999999-1"] {
        let (_, events) = come_back(addr, stale, 1).await;
        assert!(events[0].1.contains("full state"), "{stale}: {events:?}");
        assert_eq!(
            events[0].0, newest_id,
            "{stale}: the resync is marked with the newest id"
        );
    }
    let (mut again, _) = come_back(addr, &newest_id, 0).await;
    publish(17);
    let next = read_events(&mut again, &mut String::new(), 1).await;
    assert!(
        next[0].contains(">17</p>"),
        "resumed after the resync: {next:?}"
    );
}

/// The window is bounded in bytes too: with a budget of 100 KiB and events of 20 KiB (about
/// 40 KiB each once encoded, see `Hub`, "Memory"), only the newest two are kept, and a tab
/// that missed more gets the resync.
#[tokio::test]
async fn the_resume_window_is_bounded_in_bytes() {
    let (hub, addr, mut keeper) = resume_server(100 * 1024).await;
    let padding = "x".repeat(20 * 1024);
    let publish = |n: u32| {
        hub.publish(
            &TOPIC,
            PatchElements::new(format!(r#"<p id="n" data-pad="{padding}">{n}</p>"#)),
        );
    };
    let mut buffer = String::new();
    read_events(&mut keeper, &mut buffer, 1).await;
    publish(1);
    let one = read_events(&mut keeper, &mut buffer, 1).await.remove(0);
    let one = without_id(&one).0.unwrap();
    publish(2);
    read_events(&mut keeper, &mut buffer, 1).await;
    // One missed event of 20 KiB fits: resumed.
    let (_, events) = come_back(addr, &one, 1).await;
    assert!(events[0].1.contains(">2</p>"), "{events:?}");
    // Six (about 240 KiB, within the count of 8) do not.
    for n in 3..=8 {
        publish(n);
        read_events(&mut keeper, &mut buffer, 1).await;
    }
    assert!(
        hub.retained_bytes(&TOPIC) <= 100 * 1024,
        "{}",
        hub.retained_bytes(&TOPIC)
    );
    let (_, events) = come_back(addr, &one, 1).await;
    assert!(events[0].1.contains("full state"), "{:.200?}", events[0].1);
}
