//! Signals in, and the request extractors, through a real socket: every method, every way a
//! payload can be wrong.

use axum::Router;
use axum::routing::{get, post};
use datastar_runtime::{DatastarLayer, DatastarRequest, LastEventId, ReadSignals, Signals};
use datastar_tests::{Client, read_all, serve};
use http::{Method, StatusCode};
use serde::Deserialize;

#[derive(Deserialize, Default)]
struct Form {
    text: String,
    n: u32,
}

async fn echo(ReadSignals(form): ReadSignals<Form>) -> String {
    format!("{}/{}", form.text, form.n)
}

async fn maybe(signals: Option<ReadSignals<Form>>) -> String {
    let form = signals.map(|ReadSignals(f)| f).unwrap_or_default();
    format!("{}/{}", form.text, form.n)
}

async fn untyped(ReadSignals(signals): Signals) -> String {
    let mut keys: Vec<&String> = signals.keys().collect();
    keys.sort();
    format!("{keys:?}")
}

fn app() -> Router {
    let every = || get(echo).post(echo).put(echo).patch(echo).delete(echo);
    Router::new()
        .route("/", every())
        .route("/maybe", get(maybe).post(maybe))
        .route("/untyped", post(untyped))
        .route("/search", get(|| async { "page" }).fallback(echo))
        .nest(
            "/small",
            Router::new()
                .route("/", every())
                .layer(DatastarLayer::new().signals_limit(64)),
        )
}

/// `%7B"text"%3A"a+b%20c"%2C"n"%3A7%7D`: `{"text":"a b c","n":7}` with `+` and `%20`.
const QUERY: &str = "%7B%22text%22%3A%22a+b%20c%22%2C%22n%22%3A7%7D";
const JSON: &str = r#"{"text":"a b c","n":7}"#;

/// Sends what the Datastar client sends: `Datastar-Request: true` and a JSON content type.
async fn ask(method: Method, path: &str, body: impl Into<bytes::Bytes>) -> (StatusCode, String) {
    let mut client = Client::http1(serve(app()).await).await;
    let marks = [
        ("datastar-request", "true"),
        ("content-type", "application/json"),
    ];
    let (status, _, text) = read_all(client.send(method, path, &marks, body).await).await;
    (status, text)
}

#[tokio::test]
async fn every_method_reads_its_signals_where_datastar_puts_them() {
    for method in [Method::GET, Method::DELETE] {
        let (status, text) = ask(method.clone(), &format!("/?datastar={QUERY}"), "").await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::OK, "a b c/7"),
            "{method}"
        );
    }
    for method in [Method::POST, Method::PUT, Method::PATCH] {
        let (status, text) = ask(method.clone(), "/", JSON).await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::OK, "a b c/7"),
            "{method}"
        );
    }
    let (status, text) = ask(Method::POST, "/untyped", r#"{"b":1,"a":{"c":2}}"#).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, r#"["a", "b"]"#));
}

/// Datastar 1.0.4's `@query(url)` sends the HTTP `QUERY` method with the signals as a JSON
/// body; axum 0.8 routes it through a method router's fallback.
#[tokio::test]
async fn the_query_method_reads_its_signals_from_the_body() {
    let query = Method::from_bytes(b"QUERY").unwrap();
    let (status, text) = ask(query.clone(), "/search", JSON).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "a b c/7"));
    // GET on the same route is the page, not the search.
    let (status, text) = ask(Method::GET, "/search", "").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "page"));
    // Without the Datastar marks a body is not read, as for POST.
    let mut client = Client::http1(serve(app()).await).await;
    let response = client.send(query.clone(), "/search", &[], JSON).await;
    let (status, _, text) = read_all(response).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{text}");
    // A malformed body is a 400 that says where, never a panic.
    let (status, text) = ask(query, "/search", "{\"text\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("EOF while parsing"), "{text}");
}

#[tokio::test]
async fn malformed_json_is_a_400_that_says_where() {
    let (status, text) = ask(Method::POST, "/", "{\"text\": \"x\",\n \"n\": }").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.starts_with("malformed Datastar signals JSON"),
        "{text}"
    );
    assert!(text.contains("expected value at line 2 column 7"), "{text}");

    let (status, text) = ask(Method::GET, "/?datastar=%7B%22text%22", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("EOF while parsing") && text.contains("line 1 column 7"),
        "{text}"
    );
}

#[tokio::test]
async fn wrong_types_are_a_400_that_names_the_signal() {
    let (status, text) = ask(Method::POST, "/", r#"{"text":"x","n":"seven"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("at `n`"), "{text}");
    assert!(text.contains("expected u32"), "{text}");

    let (status, text) = ask(Method::PUT, "/", r#"{"text":"x"}"#).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("missing field `n`"), "{text}");
}

#[tokio::test]
async fn an_oversized_payload_is_a_413() {
    let big = format!(r#"{{"text":"{}","n":1}}"#, "x".repeat(100));
    let (status, text) = ask(Method::POST, "/small", big.clone()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(text, "Datastar signals too large: the limit is 64 bytes");

    let query = format!("/small?datastar={}", big.replace('"', "%22"));
    let (status, _) = ask(Method::GET, &query, "").await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Without a layer the limit is 1 MiB.
    let huge = format!(r#"{{"text":"{}","n":1}}"#, "x".repeat(1024 * 1024));
    let (status, text) = ask(Method::POST, "/", huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        text,
        "Datastar signals too large: the limit is 1048576 bytes"
    );
    let (status, _) = ask(Method::POST, "/small", r#"{"text":"ok","n":1}"#).await;
    assert_eq!(status, StatusCode::OK, "under the limit");
}

#[tokio::test]
async fn a_missing_payload_is_a_clear_400_or_the_default_when_asked() {
    let (status, text) = ask(Method::GET, "/?other=1", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("`datastar` query parameter"), "{text}");
    let (status, text) = ask(Method::POST, "/", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        text.contains("missing Datastar signals") && text.contains("body is empty"),
        "{text}"
    );

    assert_eq!(
        ask(Method::GET, "/maybe", "").await,
        (StatusCode::OK, "/0".into())
    );
    assert_eq!(
        ask(Method::POST, "/maybe", "").await,
        (StatusCode::OK, "/0".into())
    );
    let (status, text) = ask(Method::POST, "/maybe", "{").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a bad payload is still an error: {text}"
    );
}

#[tokio::test]
async fn invalid_utf8_is_a_400() {
    let (status, text) = ask(Method::POST, "/", &b"{\"text\":\"\xff\",\"n\":1}"[..]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        text,
        "Datastar signals are not valid UTF-8: invalid byte at offset 9"
    );
    let (status, text) = ask(Method::GET, "/?datastar=%7B%22text%22%3A%22%FF%22", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("not valid UTF-8"), "{text}");
}

#[tokio::test]
async fn request_facts_are_extractors_and_vary_is_set_when_read() {
    let app = Router::new()
        .route(
            "/",
            get(
                |DatastarRequest(ds): DatastarRequest, LastEventId(id): LastEventId| async move {
                    format!("{ds} {id:?}")
                },
            ),
        )
        .layer(DatastarLayer::new());
    let mut client = Client::http1(serve(app).await).await;
    let (_, headers, text) = read_all(
        client
            .send(
                Method::GET,
                "/",
                &[("datastar-request", "true"), ("last-event-id", "41")],
                "",
            )
            .await,
    )
    .await;
    assert_eq!(text, r#"true Some("41")"#);
    assert_eq!(headers["vary"], "datastar-request");
    let (_, _, text) = read_all(client.send(Method::GET, "/", &[], "").await).await;
    assert_eq!(text, "false None");
}

#[tokio::test]
async fn a_delete_without_the_query_parameter_reads_its_signals_from_the_body() {
    // Datastar 1.0.0-beta clients send DELETE signals as a JSON body, as for POST.
    let (status, text) = ask(Method::DELETE, "/", JSON).await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "a b c/7"));
    // The query parameter, when present, is still where V1 clients put them.
    let (status, text) = ask(Method::DELETE, &format!("/?datastar={QUERY}"), "").await;
    assert_eq!((status, text.as_str()), (StatusCode::OK, "a b c/7"));
}
