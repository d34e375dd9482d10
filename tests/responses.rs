//! Finite responses through a real socket: try-streams that fail, and the plain (non-SSE)
//! replies of the 1.0 client.

use axum::Router;
use axum::routing::get;
use datastar_runtime::{DatastarLayer, Dialect, PatchElements, PatchSignals, Sse};
use datastar_tests::{Client, header_names, read_all, serve};
use http::StatusCode;
use serde_json::json;

fn hello() -> PatchElements<datastar_runtime::ById> {
    PatchElements::new(r#"<p id="hello">hello</p>"#)
}

const HELLO_V1: &str =
    "event: datastar-patch-elements\ndata: elements <p id=\"hello\">hello</p>\n\n";

#[tokio::test]
async fn a_failing_try_stream_ends_the_response_after_the_events_before_it() {
    let app = Router::new().route(
        "/",
        get(|| async {
            Sse::try_new(futures_util::stream::iter([
                Ok(hello()),
                Err("database gone"),
                Ok(hello()),
            ]))
        }),
    );
    let mut client = Client::http1(serve(app).await).await;
    let (status, _, body) = read_all(client.get("/").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, HELLO_V1);
}

#[tokio::test]
async fn plain_replies_carry_their_options_in_datastar_headers() {
    use datastar_runtime::{ExecuteScript, Mode, Plain, RemoveElements, Selector};
    let app = Router::new()
        .route(
            "/html",
            get(|| async {
                Plain(
                    PatchElements::new("<li>milk</li>")
                        .selector(Selector::new("#list").unwrap())
                        .mode(Mode::Append)
                        .view_transition(),
                )
            }),
        )
        .route("/by-id", get(|| async { Plain(hello()) }))
        .route(
            "/remove",
            get(|| async { Plain(RemoveElements::new(Selector::new("#toast").unwrap())) }),
        )
        .route(
            "/signals",
            get(|| async {
                Plain(
                    PatchSignals::new(&json!({ "n": 1 }))
                        .unwrap()
                        .only_if_missing(),
                )
            }),
        )
        .route(
            "/script",
            get(|| async {
                Plain(
                    ExecuteScript::new("go()")
                        .attribute("type", "module")
                        .unwrap(),
                )
            }),
        )
        .layer(DatastarLayer::new().dialect(Dialect::Beta));
    let mut client = Client::http1(serve(app).await).await;

    let (status, headers, body) = read_all(client.get("/html").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["datastar-selector"], "#list");
    assert_eq!(headers["datastar-mode"], "append");
    assert_eq!(headers["datastar-use-view-transition"], "true");
    assert!(headers.get("connection").is_none(), "not a stream");
    assert_eq!(body, "<li>milk</li>");

    let (_, headers, body) = read_all(client.get("/by-id").await).await;
    assert_eq!(
        header_names(&headers),
        ["content-length", "content-type"],
        "defaults are not written"
    );
    assert_eq!(body, r#"<p id="hello">hello</p>"#);

    let (_, headers, body) = read_all(client.get("/remove").await).await;
    assert_eq!(headers["datastar-selector"], "#toast");
    assert_eq!(headers["datastar-mode"], "remove");
    assert_eq!(body, "");

    let (_, headers, body) = read_all(client.get("/signals").await).await;
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["datastar-only-if-missing"], "true");
    assert_eq!(body, r#"{"n":1}"#);

    let (_, headers, body) = read_all(client.get("/script").await).await;
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(
        headers["datastar-script-attributes"],
        r#"{"type":"module"}"#
    );
    assert_eq!(body, "go()");
}

/// No events is `204 No Content` with no body and no event-stream headers, with or without
/// the layer and whatever encodings the client accepts: the 1.0 client takes it as done.
#[tokio::test]
async fn no_events_are_a_204_with_no_body() {
    use datastar_runtime::{Event, Events};
    let routes = || {
        Router::new()
            .route("/unit", get(|| async { Events(()) }))
            .route("/vec", get(|| async { Events(Vec::<Event>::new()) }))
            .route(
                "/collected",
                get(|| async { (0..0).map(|_| hello()).collect::<Events<Vec<Event>>>() }),
            )
    };
    for (name, app) in [
        ("bare", routes()),
        ("layered", routes().layer(DatastarLayer::new())),
    ] {
        let mut client = Client::http1(serve(app).await).await;
        for path in ["/unit", "/vec", "/collected"] {
            let headers = [
                ("accept-encoding", "br, gzip"),
                ("datastar-request", "true"),
            ];
            let response = client
                .send(http::Method::GET, path, &headers, bytes::Bytes::new())
                .await;
            let (status, headers, body) = read_all(response).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{name} {path}");
            assert_eq!(body, "", "{name} {path}");
            assert!(
                headers.get("content-type").is_none(),
                "{name} {path}: {headers:?}"
            );
            assert!(
                headers.get("content-encoding").is_none(),
                "{name} {path}: {headers:?}"
            );
        }
    }
}
