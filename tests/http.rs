//! The runtime's HTTP side through a real TCP socket and a real HTTP client (hyper).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use datastar_runtime::{
    DatastarLayer, Dialect, Event, Events, ExecuteScript, PatchElements, Sse, channel,
};
use datastar_tests::{Client, DropGuard, PATIENCE, header_names, next_blocks, read_all, serve};
use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};
use tokio::sync::{Mutex, oneshot};

fn hello() -> PatchElements<datastar_runtime::ById> {
    PatchElements::new(r#"<p id="hello">hello</p>"#)
}

const HELLO_V1: &str =
    "event: datastar-patch-elements\ndata: elements <p id=\"hello\">hello</p>\n\n";

fn assert_sse_headers(headers: &HeaderMap) {
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
}

#[tokio::test]
async fn http1_headers_are_exact_and_say_keep_alive_under_the_layer() {
    let app = Router::new()
        .route("/", get(|| async { hello() }))
        .layer(DatastarLayer::new());
    let mut client = Client::http1(serve(app).await).await;
    let (status, headers, body) = read_all(client.get("/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_sse_headers(&headers);
    assert_eq!(headers["connection"], "keep-alive");
    assert_eq!(
        header_names(&headers),
        [
            "cache-control",
            "connection",
            "content-length",
            "content-type",
            "x-accel-buffering"
        ]
    );
    assert_eq!(body, HELLO_V1);
}

#[tokio::test]
async fn http1_without_the_layer_has_no_connection_header() {
    let app = Router::new().route("/", get(|| async { hello() }));
    let mut client = Client::http1(serve(app).await).await;
    let (status, headers, body) = read_all(client.get("/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_sse_headers(&headers);
    assert_eq!(
        header_names(&headers),
        ["cache-control", "content-type", "x-accel-buffering"]
    );
    assert_eq!(body, HELLO_V1);
}

#[tokio::test]
async fn http2_headers_are_exact_and_never_say_connection() {
    let app = Router::new()
        .route("/", get(|| async { hello() }))
        .layer(DatastarLayer::new());
    let mut client = Client::http2(serve(app).await).await;
    let response = client.get("/").await;
    assert_eq!(response.version(), http::Version::HTTP_2);
    let (status, headers, body) = read_all(response).await;
    assert_eq!(status, StatusCode::OK);
    assert_sse_headers(&headers);
    assert!(headers.get("connection").is_none());
    assert_eq!(
        header_names(&headers),
        [
            "cache-control",
            "content-length",
            "content-type",
            "x-accel-buffering"
        ]
    );
    assert_eq!(body, HELLO_V1);
}

type Gate = Arc<Mutex<Option<oneshot::Receiver<()>>>>;

/// Yields event 1, waits for the test to open the gate, then yields event 2.
async fn gated(State(gate): State<Gate>) -> impl IntoResponse {
    let gate = gate.lock().await.take().expect("one request");
    let first = futures_util::stream::iter([PatchElements::new(r#"<p id="n">1</p>"#)]);
    let second = futures_util::stream::once(async move {
        gate.await.expect("the test opens the gate");
        PatchElements::new(r#"<p id="n">2</p>"#)
    });
    Sse::new(first.chain(second))
}

#[tokio::test]
async fn each_event_is_sent_the_moment_it_exists_on_http1_and_http2() {
    for http2 in [false, true] {
        let (open, gate) = oneshot::channel();
        let gate: Gate = Arc::new(Mutex::new(Some(gate)));
        let app = Router::new()
            .route("/", get(gated))
            .with_state(gate.clone());
        let addr = serve(app).await;
        let mut client = if http2 {
            Client::http2(addr).await
        } else {
            Client::http1(addr).await
        };
        let mut body = client.get("/").await.into_body();
        let mut buffer = String::new();
        // Event 2 cannot exist before the gate opens, so event 1 must have been sent alone.
        let first = next_blocks(&mut body, &mut buffer, 1).await;
        assert_eq!(
            first[0],
            "event: datastar-patch-elements\ndata: elements <p id=\"n\">1</p>\n"
        );
        open.send(()).expect("the handler waits");
        let second = next_blocks(&mut body, &mut buffer, 1).await;
        assert_eq!(
            second[0],
            "event: datastar-patch-elements\ndata: elements <p id=\"n\">2</p>\n"
        );
        let end = datastar_tests::next_chunk(&mut body).await;
        assert!(end.is_none(), "the stream ends, got {end:?}");
    }
}

#[tokio::test]
async fn idle_streams_send_keep_alive_comments_at_the_chosen_interval() {
    let never = || futures_util::stream::pending::<Event>();
    let app =
        Router::new()
            .route(
                "/own",
                get(move || async move {
                    Sse::new(never()).keep_alive(Some(Duration::from_millis(20)))
                }),
            )
            .route("/router", get(move || async move { Sse::new(never()) }))
            .layer(DatastarLayer::new().keep_alive(Some(Duration::from_millis(30))));
    let mut client = Client::http1(serve(app).await).await;
    for path in ["/own", "/router"] {
        let mut body = client.get(path).await.into_body();
        let mut buffer = String::new();
        let blocks = next_blocks(&mut body, &mut buffer, 3).await;
        assert_eq!(
            blocks,
            [": keep-alive\n", ": keep-alive\n", ": keep-alive\n"]
        );
        drop(body);
        client = Client::http1(client.addr()).await;
    }
}

/// A stream that sends one event and then holds `guard` until it is dropped.
fn held(
    guard: DropGuard,
) -> impl futures_util::Stream<Item = PatchElements<datastar_runtime::ById>> + Send {
    futures_util::stream::iter([hello()]).chain(futures_util::stream::unfold(
        guard,
        |guard| async move {
            std::future::pending::<()>().await;
            Some((hello(), guard))
        },
    ))
}

#[tokio::test]
async fn the_stream_is_dropped_soon_after_the_client_goes_away() {
    for http2 in [false, true] {
        let (fired, dropped) = oneshot::channel();
        let guard = Arc::new(std::sync::Mutex::new(Some(DropGuard(Some(fired)))));
        let app = Router::new().route(
            "/",
            // The default keep-alive (15 s) is far beyond the bound below: the close itself
            // must be noticed, not a failed keep-alive write.
            get(move || {
                let guard = guard.lock().unwrap().take().expect("one request");
                async move { Sse::new(held(guard)) }
            }),
        );
        let addr = serve(app).await;
        let mut client = if http2 {
            Client::http2(addr).await
        } else {
            Client::http1(addr).await
        };
        let mut body = client.get("/").await.into_body();
        let mut buffer = String::new();
        next_blocks(&mut body, &mut buffer, 1).await;
        drop(body);
        client.close();
        tokio::time::timeout(PATIENCE, dropped)
            .await
            .unwrap_or_else(|_| {
                panic!("stream still alive {PATIENCE:?} after the close (http2: {http2})")
            })
            .expect("the guard fires");
    }
}

#[tokio::test]
async fn the_sender_fails_once_the_client_has_gone() {
    let (report, outcome) = oneshot::channel();
    let report = Arc::new(std::sync::Mutex::new(Some(report)));
    let app = Router::new().route(
        "/",
        get(move || {
            let report = report.lock().unwrap().take().expect("one request");
            async move {
                let (sender, response) = channel(4);
                tokio::spawn(async move {
                    let mut sent = 0u64;
                    loop {
                        let event = PatchElements::new(format!(r#"<p id="n">{sent}</p>"#));
                        if let Err(gone) = sender.send(event).await {
                            let _ = report.send((sent, gone));
                            return;
                        }
                        sent += 1;
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                });
                response
            }
        }),
    );
    let mut client = Client::http1(serve(app).await).await;
    let mut body = client.get("/").await.into_body();
    let mut buffer = String::new();
    let first = next_blocks(&mut body, &mut buffer, 2).await;
    assert_eq!(
        first[1],
        "event: datastar-patch-elements\ndata: elements <p id=\"n\">1</p>\n"
    );
    drop(body);
    client.close();
    let (sent, gone) = tokio::time::timeout(PATIENCE, outcome)
        .await
        .expect("send fails soon after the close")
        .expect("the task reports");
    assert!(sent >= 2);
    assert_eq!(gone.to_string(), "the client has gone away");
    // The event that could not be sent is handed back.
    let Event::PatchElements(lost) = gone.0 else {
        panic!("a patch")
    };
    assert_eq!(lost.elements(), format!(r#"<p id="n">{sent}</p>"#));
}

#[tokio::test]
async fn the_router_layer_chooses_the_dialect() {
    let route = || Router::new().route("/", get(|| async { hello() }));
    let app = Router::new()
        .nest("/v1", route())
        .nest(
            "/beta",
            route().layer(DatastarLayer::new().dialect(Dialect::Beta)),
        )
        .nest(
            "/seed",
            route().layer(DatastarLayer::new().dialect(Dialect::Seed)),
        );
    let mut client = Client::http1(serve(app).await).await;
    let v1 = read_all(client.get("/v1").await).await.2;
    assert_eq!(v1, HELLO_V1, "no layer: V1");
    let beta = read_all(client.get("/beta").await).await.2;
    assert_eq!(
        beta,
        "event: datastar-merge-fragments\ndata: fragments <p id=\"hello\">hello</p>\n\n"
    );
    let seed = read_all(client.get("/seed").await).await.2;
    assert_eq!(
        seed,
        "event: datastar-fragment\ndata: selector \ndata: merge morph\ndata: settle 0\n\
         data: fragment <p id=\"hello\">hello</p>\n\n"
    );
}

#[tokio::test]
async fn the_innermost_layer_wins_and_covers_every_route_under_it() {
    let route = || Router::new().route("/", get(|| async { hello() }));
    let app = Router::new()
        .nest("/outer", route())
        .nest(
            "/inner",
            route().layer(DatastarLayer::new().dialect(Dialect::Seed)),
        )
        .layer(DatastarLayer::new().dialect(Dialect::Beta));
    let mut client = Client::http1(serve(app).await).await;
    let outer = read_all(client.get("/outer").await).await.2;
    assert!(
        outer.starts_with("event: datastar-merge-fragments\n"),
        "{outer}"
    );
    let inner = read_all(client.get("/inner").await).await.2;
    assert!(inner.starts_with("event: datastar-fragment\n"), "{inner}");
}

#[tokio::test]
async fn an_event_the_dialect_cannot_say_becomes_a_comment_and_the_stream_goes_on() {
    let app = Router::new()
        .route(
            "/",
            get(|| async { Events([ExecuteScript::new("go()").into(), Event::from(hello())]) }),
        )
        .layer(DatastarLayer::new().dialect(Dialect::Seed));
    let mut client = Client::http1(serve(app).await).await;
    let (status, _, body) = read_all(client.get("/").await).await;
    assert_eq!(status, StatusCode::OK);
    let blocks: Vec<&str> = body.split("\n\n").collect();
    assert_eq!(
        blocks[0],
        ": datastar: event not sent: the Seed dialect cannot express execute-script"
    );
    assert!(
        blocks[1].starts_with("event: datastar-fragment\n"),
        "{body}"
    );
}

/// Events of the slow-reader test: 64 KiB each, so socket buffers hold few of them.
const BIG: usize = 64 * 1024;
/// The channel's capacity in the slow-reader test.
const CAPACITY: usize = 8;

#[tokio::test]
async fn a_client_that_stops_reading_blocks_the_producer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let produced = Arc::new(AtomicUsize::new(0));
    let html: &'static str = format!(r#"<p id="big">{}</p>"#, "x".repeat(BIG)).leak();
    let app = Router::new()
        .route(
            "/",
            get(move |State(produced): State<Arc<AtomicUsize>>| async move {
                let (sender, response) = channel(CAPACITY);
                tokio::spawn(async move {
                    while sender.send(PatchElements::new(html)).await.is_ok() {
                        produced.fetch_add(1, Ordering::SeqCst);
                    }
                });
                response
            }),
        )
        .with_state(produced.clone());
    let addr = serve(app).await;
    // A raw socket, so that not reading really means not reading: no client library buffers
    // behind our back.
    let mut socket = tokio::net::TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .expect("request");
    let mut buf = vec![0u8; 64 * 1024];
    let n = socket.read(&mut buf).await.expect("first bytes");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));

    // Now the client reads nothing. Wait until production stops moving.
    let stalled_at = wait_for_stall(&produced).await;
    // What may be produced while nobody reads: the CAPACITY events in the queue, one in the
    // body, and what the sockets hold: hyper's write buffer (< 1 MiB), the server's send
    // buffer (tcp_wmem max: 4 MiB here) and the client's receive buffer (tcp_rmem max: 32 MiB
    // here), that is < 40 MiB or about 600 events of 64 KiB. An unbounded queue would grow
    // until memory runs out and never stall. 1000 is generous and far below that.
    assert!(
        stalled_at < 1000,
        "{stalled_at} events of {BIG} bytes produced while the client read nothing"
    );

    // Reading again lets the producer go on: it was held back, not finished.
    let mut read = 0;
    while produced.load(Ordering::SeqCst) < stalled_at + 2 * CAPACITY {
        let n = tokio::time::timeout(PATIENCE, socket.read(&mut buf))
            .await
            .expect("the stream goes on")
            .expect("read");
        assert!(n > 0, "the stream goes on");
        read += n;
        assert!(read < 200 * 1024 * 1024, "the producer never resumed");
    }
    println!("slow reader: production stalled at {stalled_at} events of {BIG} bytes");
}

/// The value of `counter` once it has not moved for a second; fails after 30 seconds.
async fn wait_for_stall(counter: &AtomicUsize) -> usize {
    let mut last = usize::MAX;
    let mut still = 0;
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = counter.load(Ordering::SeqCst);
        still = if now == last { still + 1 } else { 0 };
        if still == 10 && now > 0 {
            return now;
        }
        last = now;
    }
    panic!("production never stopped: {last} events while the client read nothing");
}

#[tokio::test]
async fn http1_0_gets_no_keep_alive_because_its_stream_ends_with_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = Router::new()
        .route("/", get(|| async { hello() }))
        .layer(DatastarLayer::new());
    let mut socket = tokio::net::TcpStream::connect(serve(app).await)
        .await
        .expect("connect");
    socket
        .write_all(b"GET / HTTP/1.0\r\n\r\n")
        .await
        .expect("request");
    let mut response = String::new();
    tokio::time::timeout(PATIENCE, socket.read_to_string(&mut response))
        .await
        .expect("the server closes the connection")
        .expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a head");
    assert!(head.starts_with("HTTP/1.0 200 OK"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("connection: keep-alive"),
        "{head}"
    );
    assert_eq!(body, HELLO_V1);
}

/// The response headers that `DatastarLayer` itself writes for a request of `version` with
/// `headers`. No server in between: hyper's HTTP/2 server strips `Connection` and its HTTP/1
/// server may rewrite it, which would hide what the layer wrote.
async fn layer_headers(version: http::Version, headers: &[(&str, &str)]) -> HeaderMap {
    use tower::{Layer, ServiceExt, service_fn};
    let service = DatastarLayer::new().layer(service_fn(|_: http::Request<()>| async {
        Ok::<_, std::convert::Infallible>(hello().into_response())
    }));
    let mut request = http::Request::builder().version(version).uri("/");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = service
        .oneshot(request.body(()).expect("request"))
        .await
        .expect("infallible");
    assert_sse_headers(response.headers());
    response.headers().clone()
}

/// Whether any `Connection` value of `headers` names `keep-alive`.
fn says_keep_alive(headers: &HeaderMap) -> bool {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .flat_map(|value| value.to_str().expect("ASCII").split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("keep-alive"))
}

#[tokio::test]
async fn the_layer_never_writes_connection_on_http2() {
    let headers = layer_headers(http::Version::HTTP_2, &[]).await;
    assert!(
        headers.get("connection").is_none(),
        "HTTP/2 forbids Connection: {headers:?}"
    );
}

#[tokio::test]
async fn the_layer_writes_keep_alive_on_http1_1_and_not_on_http1_0() {
    let headers = layer_headers(http::Version::HTTP_11, &[]).await;
    assert_eq!(headers["connection"], "keep-alive");

    let headers = layer_headers(http::Version::HTTP_10, &[]).await;
    assert!(!says_keep_alive(&headers), "HTTP/1.0: {headers:?}");
}

#[tokio::test]
async fn the_layer_writes_no_keep_alive_when_the_request_says_connection_close() {
    // The client closes the connection after this response: keep-alive would contradict it.
    for close in ["close", "Close", "te, close"] {
        let headers = layer_headers(http::Version::HTTP_11, &[("connection", close)]).await;
        assert!(
            !says_keep_alive(&headers),
            "Connection: {close}: {headers:?}"
        );
    }
}

#[tokio::test]
async fn http1_1_connection_close_gets_no_keep_alive_over_the_socket() {
    let app = Router::new()
        .route("/", get(|| async { hello() }))
        .layer(DatastarLayer::new());
    let mut client = Client::http1(serve(app).await).await;
    let response = client
        .send(http::Method::GET, "/", &[("connection", "close")], "")
        .await;
    let (status, headers, body) = read_all(response).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!says_keep_alive(&headers), "{headers:?}");
    assert_eq!(body, HELLO_V1);
}

/// A handler that panics is a 500 that says so, and its connection serves the next request:
/// a dropped connection would be a network error, which the Datastar client retries.
#[tokio::test]
async fn a_handler_that_panics_is_a_500_and_the_connection_goes_on() {
    async fn broken() -> PatchElements<datastar_runtime::ById> {
        let rows: Vec<u32> = Vec::new();
        let _ = rows[3];
        hello()
    }
    let app = Router::new()
        .route("/broken", get(broken))
        .route("/hello", get(|| async { hello() }))
        .layer(DatastarLayer::new());
    let addr = serve(app).await;
    for version in ["http1", "http2"] {
        let mut client = match version {
            "http1" => Client::http1(addr).await,
            _ => Client::http2(addr).await,
        };
        let (status, headers, text) = read_all(client.get("/broken").await).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{version}");
        assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
        assert_eq!(text, "internal server error: the handler panicked");
        // The same connection.
        let (status, _, text) = read_all(client.get("/hello").await).await;
        assert_eq!((status, &*text), (StatusCode::OK, HELLO_V1), "{version}");
    }
}
