//! `datastar_runtime::serve` over real TCP: idle and half-sent connections are closed after
//! their timeouts, streams stay open beyond them, and connections over the cap wait.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use datastar_runtime::{PatchElements, Sender, channel};
use datastar_tests::{Client, PATIENCE, next_chunk, read_all};
use http_body_util::Empty;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Short enough for a quick test, long enough to tell from "at once" on a loaded machine.
const TIMEOUT: Duration = Duration::from_millis(400);

/// The senders of the streams opened so far.
type Streams = Arc<Mutex<Vec<Sender>>>;

async fn stream(State(streams): State<Streams>) -> impl IntoResponse {
    let (sender, response) = channel(4);
    let _ = sender.send(PatchElements::new(r#"<p id="s">0</p>"#)).await;
    streams.lock().unwrap().push(sender);
    response
}

fn app() -> (Router, Streams) {
    let streams = Streams::default();
    let router = Router::new()
        .route("/", get(|| async { "hello" }))
        .route("/stream", get(stream))
        .with_state(streams.clone());
    (router, streams)
}

/// Serves `app` with every timeout at [`TIMEOUT`] and at most `max` connections.
async fn start(max: usize) -> (SocketAddr, Streams) {
    start_with(TIMEOUT, TIMEOUT, max).await
}

async fn start_with(header: Duration, idle: Duration, max: usize) -> (SocketAddr, Streams) {
    start_serving(header, idle, max, true).await
}

async fn start_serving(
    header: Duration,
    idle: Duration,
    max: usize,
    http2: bool,
) -> (SocketAddr, Streams) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (router, streams) = app();
    let server = datastar_runtime::serve(listener, router)
        .header_read_timeout(header)
        .idle_timeout(idle)
        .max_connections(max)
        .http2(http2);
    tokio::spawn(async move { server.await.unwrap() });
    (addr, streams)
}

/// Reads `socket` until the server closes it; returns how long that took and what came.
async fn until_closed(socket: &mut TcpStream, since: Instant) -> (Duration, String) {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(PATIENCE, socket.read_to_end(&mut seen)).await;
    let text = String::from_utf8_lossy(&seen).into_owned();
    match read {
        Ok(Ok(_)) | Ok(Err(_)) => (since.elapsed(), text),
        Err(_) => panic!("still open after {PATIENCE:?}; received {text:?}"),
    }
}

fn assert_after_timeout(took: Duration) {
    assert!(
        took >= TIMEOUT - Duration::from_millis(20),
        "closed too early: {took:?}"
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_timeout() {
    let long = Duration::from_secs(60);
    // Whichever of the two is shorter: nothing sent is both idle and a head not read.
    for (header, idle) in [(TIMEOUT, long), (long, TIMEOUT)] {
        let (addr, _) = start_with(header, idle, 100).await;
        let start = Instant::now();
        let mut socket = TcpStream::connect(addr).await.unwrap();
        let (took, _) = until_closed(&mut socket, start).await;
        assert_after_timeout(took);
    }
}

#[tokio::test]
async fn a_half_sent_request_is_closed_after_the_header_read_timeout() {
    let (addr, _) = start(100).await;
    let mut socket = TcpStream::connect(addr).await.unwrap();
    let start = Instant::now();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let (took, text) = until_closed(&mut socket, start).await;
    assert_after_timeout(took);
    assert!(
        !text.contains("hello"),
        "answered a request never sent: {text}"
    );
}

#[tokio::test]
async fn a_kept_alive_connection_without_a_next_request_is_closed() {
    let (addr, _) = start(100).await;
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 17];
    socket.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200 OK\r\n");
    let start = Instant::now();
    let (took, text) = until_closed(&mut socket, start).await;
    assert_after_timeout(took);
    assert!(text.ends_with("hello"), "{text}");
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_after_the_timeout() {
    let (addr, _) = start(100).await;
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let (mut sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
        .await
        .unwrap();
    let conn = tokio::spawn(conn);
    let request = http::Request::get(format!("http://{addr}/"))
        .body(Empty::<Bytes>::new())
        .unwrap();
    let (status, _, text) = read_all(sender.send_request(request).await.unwrap()).await;
    assert_eq!((status.as_u16(), text.as_str()), (200, "hello"));
    let start = Instant::now();
    tokio::time::timeout(PATIENCE, conn)
        .await
        .expect("the server closes an idle HTTP/2 connection")
        .unwrap()
        .ok();
    assert_after_timeout(start.elapsed());
}

#[tokio::test]
async fn a_stream_stays_open_beyond_every_timeout() {
    let (addr, streams) = start(100).await;
    for http2 in [false, true] {
        let mut client = if http2 {
            Client::http2(addr).await
        } else {
            Client::http1(addr).await
        };
        stream_outlives_the_timeouts(&mut client, &streams).await;
    }
}

/// Opens `/stream`, waits three timeouts with nothing on the wire (no keep-alive comment, 15 s,
/// comes either), and checks that an event sent then still arrives.
async fn stream_outlives_the_timeouts(client: &mut Client, streams: &Streams) {
    let mut response = client.get("/stream").await;
    let first = next_chunk(response.body_mut())
        .await
        .expect("the first event");
    assert!(String::from_utf8_lossy(&first).contains(">0</p>"));
    tokio::time::sleep(TIMEOUT * 3).await;
    let sender = streams.lock().unwrap().pop().expect("the stream's sender");
    sender
        .send(PatchElements::new(r#"<p id="s">1</p>"#))
        .await
        .expect("the client is still there");
    let next = next_chunk(response.body_mut())
        .await
        .expect("a later event");
    assert!(String::from_utf8_lossy(&next).contains(">1</p>"));
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let (addr, _) = start(1).await;
    let mut first = Client::http1(addr).await;
    let mut stream = first.get("/stream").await;
    next_chunk(stream.body_mut())
        .await
        .expect("the first stream");

    let mut second = TcpStream::connect(addr).await.unwrap(); // queued by the kernel
    second
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    let early = tokio::time::timeout(TIMEOUT * 2, second.read(&mut byte)).await;
    assert!(early.is_err(), "answered over the cap: {early:?}");

    drop(stream);
    first.close();
    let (_, text) = until_closed(&mut second, Instant::now()).await;
    assert!(
        text.starts_with("HTTP/1.1 200 OK") && text.ends_with("hello"),
        "{text}"
    );
}

#[tokio::test]
async fn graceful_shutdown_stops_accepting_and_ends_the_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = datastar_runtime::serve(listener, app().0).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let server = tokio::spawn(server.into_future());
    let mut client = Client::http1(addr).await;
    let (status, _, text) = read_all(client.get("/").await).await;
    assert_eq!((status.as_u16(), text.as_str()), (200, "hello"));
    stop.send(()).unwrap();
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("the server ends once its kept-alive connection is closed")
        .unwrap()
        .unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "still accepting");
}

/// The status line the server answers a `GET /?q=…` whose head is `head_bytes` long.
async fn status_of_request_head(addr: SocketAddr, head_bytes: usize) -> String {
    let fixed = "GET /?q= HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n".len();
    let query = "a".repeat(head_bytes - fixed);
    let request =
        format!("GET /?q={query} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n");
    assert_eq!(request.len(), head_bytes);
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket.write_all(request.as_bytes()).await.unwrap();
    let (_, text) = until_closed(&mut socket, Instant::now()).await;
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_request_head_over_8_kib_is_a_431_unless_the_bound_is_raised() {
    let (addr, _streams) = start(16).await;
    assert_eq!(
        status_of_request_head(addr, 7 * 1024).await,
        "HTTP/1.1 200 OK"
    );
    assert_eq!(
        status_of_request_head(addr, 20 * 1024).await,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let raised = listener.local_addr().unwrap();
    let server = datastar_runtime::serve(listener, app().0).max_request_head(64 * 1024);
    tokio::spawn(server.into_future());
    assert_eq!(
        status_of_request_head(raised, 20 * 1024).await,
        "HTTP/1.1 200 OK"
    );
}

#[tokio::test]
async fn without_http2_connections_keep_every_bound_and_h2c_is_refused() {
    let (addr, streams) = start_serving(TIMEOUT, TIMEOUT, 100, false).await;
    // HTTP/1.1 is served, and a stream outlives the timeouts.
    stream_outlives_the_timeouts(&mut Client::http1(addr).await, &streams).await;
    // Silence is closed after the timeout, a kept-alive connection too.
    let start = Instant::now();
    let mut silent = TcpStream::connect(addr).await.unwrap();
    let (took, _) = until_closed(&mut silent, start).await;
    assert_after_timeout(took);
    // The 8 KiB head bound holds.
    assert_eq!(
        status_of_request_head(addr, 9 * 1024).await,
        "HTTP/1.1 431 Request Header Fields Too Large"
    );
    // An HTTP/2 client gets no HTTP/2.
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let refused = match hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await {
        Err(_) => true,
        Ok((mut sender, conn)) => {
            tokio::spawn(conn);
            let request = http::Request::get(format!("http://{addr}/"))
                .body(Empty::<Bytes>::new())
                .unwrap();
            sender.send_request(request).await.is_err()
        }
    };
    assert!(refused, "served HTTP/2 with http2(false)");
}

/// A server whose only thread is busy (here, a handler that blocks it) for longer than the
/// header read timeout still answers the requests that arrived meanwhile: the time counted
/// against a client is its own, not the server's. Before, a connection accepted just before
/// the stall was dropped at the deadline with its request unread (the client saw a reset).
#[tokio::test]
async fn requests_that_arrive_while_the_server_is_busy_are_answered() {
    const IDLE: usize = 16;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app().0.route(
        "/block",
        get(|| async {
            // Blocks the server's one thread: no connection is served meanwhile.
            std::thread::sleep(TIMEOUT * 3);
            "unblocked"
        }),
    );
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            datastar_runtime::serve(listener, router)
                .header_read_timeout(TIMEOUT)
                .idle_timeout(Duration::from_secs(60))
                .await
                .unwrap();
        });
    });
    // Connections the server has accepted and waits on, with nothing sent yet.
    let mut idle = Vec::new();
    for _ in 0..IDLE {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    tokio::time::sleep(TIMEOUT / 8).await;
    let mut blocker = TcpStream::connect(addr).await.unwrap();
    blocker
        .write_all(b"GET /block HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    // Well within the block and within every connection's timeout, the requests are sent.
    tokio::time::sleep(TIMEOUT / 8).await;
    for socket in &mut idle {
        socket
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
    }
    let (_, text) = until_closed(&mut blocker, Instant::now()).await;
    assert!(text.ends_with("unblocked"), "{text}");
    let mut answered = 0;
    let mut failures = Vec::new();
    for socket in &mut idle {
        let mut seen = Vec::new();
        match tokio::time::timeout(PATIENCE, socket.read_to_end(&mut seen)).await {
            Ok(Ok(_)) if seen.starts_with(b"HTTP/1.1 200 OK") => answered += 1,
            Ok(Ok(_)) => failures.push(format!("{:?}", String::from_utf8_lossy(&seen))),
            Ok(Err(e)) => failures.push(e.to_string()),
            Err(_) => failures.push("no answer".to_owned()),
        }
    }
    assert_eq!(answered, IDLE, "{failures:?}");
}

/// `datastar_runtime::bind` queues 500 connections that arrive at once while the server accepts
/// none: each finishes its handshake at once. With the 128 places of tokio's `bind`, the
/// kernel drops the handshakes beyond them, and those clients try again a second later.
#[tokio::test]
async fn bind_queues_a_burst_of_connections() {
    const BURST: usize = 500;
    let listener = datastar_runtime::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connects: Vec<_> = (0..BURST)
        .map(|_| {
            tokio::spawn(tokio::time::timeout(
                Duration::from_millis(800),
                TcpStream::connect(addr),
            ))
        })
        .collect();
    let mut open = Vec::new();
    for connect in connects {
        if let Ok(Ok(socket)) = connect.await.unwrap() {
            open.push(socket);
        }
    }
    assert_eq!(open.len(), BURST, "handshakes left to a retry");
    drop(listener);
}
