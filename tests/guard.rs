//! The cross-site write guard over real TCP: each way a state-changing request is refused, and
//! each way a legitimate one still passes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use datastar_runtime::{DatastarLayer, ReadSignals, Signals};
use datastar_tests::{Client, read_all, serve};
use http::{Method, StatusCode};

/// Counts the handler runs that changed state.
type Writes = Arc<AtomicUsize>;

async fn save(State(writes): State<Writes>, ReadSignals(signals): Signals) -> String {
    writes.fetch_add(1, Ordering::SeqCst);
    format!("saved {}", signals.len())
}

async fn plain_form(State(writes): State<Writes>, body: String) -> String {
    writes.fetch_add(1, Ordering::SeqCst);
    format!("form {body}")
}

fn app(layer: DatastarLayer) -> (Router, Writes) {
    let writes = Writes::default();
    let router = Router::new()
        .route("/save", get(save).post(save).put(save).delete(save))
        .route("/form", post(plain_form))
        .with_state(writes.clone())
        .layer(layer);
    (router, writes)
}

/// What the Datastar client sends with every JSON request.
const MARKS: [(&str, &str); 2] = [
    ("datastar-request", "true"),
    ("content-type", "application/json"),
];

/// Sends `method /save` with `headers` (plus `extra`) over HTTP/1.1 to a fresh server.
async fn ask(
    layer: DatastarLayer,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, String, usize) {
    let (router, writes) = app(layer);
    let addr = serve(router).await;
    let mut client = Client::http1(addr).await;
    let response = client.send(method, path, headers, r#"{"a":1}"#).await;
    let (status, response_headers, text) = read_all(response).await;
    if status == StatusCode::FORBIDDEN {
        assert_eq!(
            response_headers["content-type"], "text/plain; charset=utf-8",
            "{text}"
        );
    }
    (status, text, writes.load(Ordering::SeqCst))
}

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    MARKS.iter().chain(extra).copied().collect()
}

#[tokio::test]
async fn a_cross_site_write_is_a_403_that_says_why_and_changes_nothing() {
    let cases = [
        (
            vec![("sec-fetch-site", "cross-site")],
            "Sec-Fetch-Site: cross-site",
        ),
        // A sibling subdomain is the same site, not the same origin.
        (
            vec![("sec-fetch-site", "same-site")],
            "Sec-Fetch-Site: same-site",
        ),
        (
            vec![("origin", "http://127.0.0.1:1")],
            "`Origin: http://127.0.0.1:1` is not this server",
        ),
        (
            vec![("origin", "null")],
            "`Origin: null` is not this server",
        ),
    ];
    for method in [Method::POST, Method::PUT, Method::DELETE] {
        for (headers, why) in &cases {
            let (status, text, writes) = ask(
                DatastarLayer::new(),
                method.clone(),
                "/save",
                &with(headers),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{method} {headers:?}: {text}"
            );
            assert!(text.starts_with("cross-site request refused"), "{text}");
            assert!(text.contains(why), "{text}");
            assert_eq!(writes, 0, "{method} {headers:?}");
        }
    }
    // The layer refuses before routing: a plain form handler is protected too.
    let (status, _, writes) = ask(
        DatastarLayer::new(),
        Method::POST,
        "/form",
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!((status, writes), (StatusCode::FORBIDDEN, 0));
}

#[tokio::test]
async fn a_body_without_the_datastar_marks_is_not_read_as_signals() {
    let cases = [
        // What a no-cors `fetch` from another page can send: a simple content type, no header.
        (
            vec![("content-type", "text/plain;charset=UTF-8")],
            "Datastar-Request: true",
        ),
        (
            vec![("content-type", "application/x-www-form-urlencoded")],
            "Datastar-Request: true",
        ),
        (vec![("datastar-request", "true")], "(this one has none)"),
        (
            vec![("datastar-request", "true"), ("content-type", "text/plain")],
            "(this one has `text/plain`)",
        ),
        (
            vec![
                ("datastar-request", "1"),
                ("content-type", "application/json"),
            ],
            "Datastar-Request: true",
        ),
    ];
    for (headers, why) in cases {
        let (status, text, writes) =
            ask(DatastarLayer::new(), Method::POST, "/save", &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}: {text}");
        assert!(
            text.starts_with("refused: a POST request whose body"),
            "{text}"
        );
        assert!(text.contains(why), "{headers:?}: {text}");
        assert_eq!(writes, 0);
    }
    // Without any layer the marks are required too.
    let writes = Writes::default();
    let bare = Router::new()
        .route("/save", post(save))
        .with_state(writes.clone());
    let mut client = Client::http1(serve(bare).await).await;
    let headers = [("content-type", "text/plain")];
    let response = client.send(Method::POST, "/save", &headers, "{}").await;
    assert_eq!(read_all(response).await.0, StatusCode::FORBIDDEN);
    assert_eq!(writes.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn what_a_datastar_page_of_this_server_sends_is_accepted() {
    let cases = [
        // A current browser on the server's own page.
        vec![("sec-fetch-site", "same-origin")],
        vec![
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://elsewhere"),
        ],
        // An older browser: Origin only, and it is this server.
        vec![("origin", "http://{addr}")],
        // Not a browser at all: no Origin, no Sec-Fetch-Site.
        vec![],
        // A JSON type with parameters.
        vec![("content-type", "application/json; charset=utf-8")],
    ];
    for extra in cases {
        let (router, writes) = app(DatastarLayer::new());
        let addr = serve(router).await;
        let own = format!("http://{addr}");
        let mut headers: Vec<(&str, &str)> = MARKS.to_vec();
        for (name, value) in &extra {
            headers.retain(|(n, _)| n != name);
            let value = if value.contains("{addr}") {
                own.as_str()
            } else {
                value
            };
            headers.push((name, value));
        }
        let mut client = Client::http1(addr).await;
        let response = client.send(Method::POST, "/save", &headers, "{}").await;
        let (status, _, text) = read_all(response).await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::OK, "saved 0"),
            "{headers:?}"
        );
        assert_eq!(writes.load(Ordering::SeqCst), 1);
    }
}

#[tokio::test]
async fn reads_pass_whatever_their_origin() {
    let cross = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://evil.test"),
    ];
    let query = "/save?datastar=%7B%22a%22%3A1%7D";
    let (status, text, _) = ask(DatastarLayer::new(), Method::GET, query, &cross).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "saved 1"));
    // Datastar 1.0.4's `@query` sends the read-only QUERY method, with its signals as a body.
    let method = Method::from_bytes(b"QUERY").unwrap();
    let (router, _) = app(DatastarLayer::new());
    let router = router.route(
        "/query",
        axum::routing::any(|ReadSignals(s): Signals| async move { format!("query {}", s.len()) }),
    );
    let mut client = Client::http1(serve(router).await).await;
    let response = client
        .send(method, "/query", &with(&cross), r#"{"a":1}"#)
        .await;
    let (status, _, text) = read_all(response).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "query 1"));
}

#[tokio::test]
async fn allowed_origins_may_write() {
    let layer = DatastarLayer::new().allow_origin("https://Admin.example.com");
    for site in ["cross-site", "same-site"] {
        let headers = with(&[
            ("sec-fetch-site", site),
            ("origin", "https://admin.example.com"),
        ]);
        let (status, text, writes) = ask(layer.clone(), Method::POST, "/save", &headers).await;
        assert_eq!((status, writes), (StatusCode::OK, 1), "{site}: {text}");
    }
    let headers = with(&[
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://other.example.com"),
    ]);
    let (status, _, writes) = ask(layer, Method::POST, "/save", &headers).await;
    assert_eq!((status, writes), (StatusCode::FORBIDDEN, 0));
}

#[tokio::test]
async fn the_guard_can_be_switched_off() {
    let layer = DatastarLayer::new().cross_site_guard(false);
    let headers = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "http://evil.test"),
        ("content-type", "text/plain"),
    ];
    let (status, text, writes) = ask(layer, Method::POST, "/save", &headers).await;
    assert_eq!(
        (status, text.as_str(), writes),
        (StatusCode::OK, "saved 1", 1)
    );
}

#[tokio::test]
async fn over_http2_the_origin_is_compared_with_the_authority() {
    let (router, writes) = app(DatastarLayer::new());
    let addr = serve(router).await;
    let own = format!("http://{addr}");
    for (origin, expected) in [
        (own.as_str(), StatusCode::OK),
        ("http://127.0.0.1:1", StatusCode::FORBIDDEN),
    ] {
        let mut client = Client::http2(addr).await;
        let response = client
            .send(Method::POST, "/save", &with(&[("origin", origin)]), "{}")
            .await;
        assert_eq!(response.version(), http::Version::HTTP_2);
        let (status, _, text) = read_all(response).await;
        assert_eq!(status, expected, "{origin}: {text}");
    }
    assert_eq!(writes.load(Ordering::SeqCst), 1);
}
