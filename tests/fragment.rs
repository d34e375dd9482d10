//! `#[fragment]` and `patch!` through a real server (axum on 127.0.0.1) and a real HTTP client:
//! every return shape, every key on the wire, and the router's dialect obeyed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datastar_runtime::prelude::*;
use datastar_tests::serve;
use http::StatusCode;
use tokio::sync::mpsc;

#[derive(Clone, Default)]
struct App {
    /// Feeds the `/live` stream: the test decides when each item is produced.
    live: Arc<Mutex<Option<mpsc::Receiver<String>>>>,
}

impl App {
    async fn first_name(&self, id: u32) -> Option<&'static str> {
        tokio::task::yield_now().await;
        [(1, "Ada"), (2, "Grace")]
            .into_iter()
            .find_map(|(k, v)| (k == id).then_some(v))
    }
}

#[fragment(selector = "#contact_1", merge = "morph")]
async fn contact(Path(id): Path<u32>, State(app): State<App>) -> Markup {
    let first = app.first_name(id).await.unwrap_or("?");
    html! { div #contact_1 { label { "First name: " (first) } } }
}

#[fragment(selector = "#greeting", merge = "inner")]
async fn greeting(Query(q): Query<HashMap<String, String>>) -> String {
    format!("Hello, {}!", q.get("name").map_or("you", String::as_str))
}

#[fragment(selector = "#contact", merge = "replace")]
async fn maybe_contact(
    Path(id): Path<u32>,
    State(app): State<App>,
) -> Result<Markup, (StatusCode, String)> {
    let first = app
        .first_name(id)
        .await
        .ok_or((StatusCode::NOT_FOUND, format!("no contact {id}")))?;
    Ok(html! { div #contact { (first) } })
}

#[fragment(selector = "#feed", merge = "prepend")]
async fn live(State(app): State<App>) -> impl Stream<Item = Markup> {
    let rx = app.live.lock().unwrap().take().expect("one /live request");
    futures_util::stream::unfold(rx, |mut rx| async move {
        let item = rx.recv().await?;
        Some((html! { li { (item) } }, rx))
    })
}

#[fragment(selector = "#rows", merge = "append")]
async fn rows(
    Path(n): Path<usize>,
) -> Result<impl Stream<Item = Markup>, (StatusCode, &'static str)> {
    if n > 3 {
        return Err((StatusCode::BAD_REQUEST, "at most 3 rows"));
    }
    Ok(futures_util::stream::iter(
        (1..=n).map(|i| html! { tr { td { (i) } } }),
    ))
}

#[fragment(selector = "#toast", merge = "remove", view_transition = true)]
async fn dismiss() {}

#[fragment(selector = "#toast", merge = "remove")]
async fn dismiss_checked(Path(ok): Path<bool>) -> Result<(), StatusCode> {
    if ok {
        Ok(())
    } else {
        Err(StatusCode::FORBIDDEN)
    }
}

#[fragment(
    selector = "#chart > g",
    merge = "append",
    view_transition = true,
    view_transition_selector = "#chart",
    namespace = "svg",
    id = "42",
    retry = 2500
)]
async fn every_key() -> Markup {
    html! { circle r="2" {} }
}

#[fragment]
async fn by_id() -> Markup {
    html! { p #a { "one" } p #b { "two" } }
}

async fn patched() -> impl IntoResponse {
    let (sender, sse) = channel(4);
    tokio::spawn(async move {
        for item in ["milk", "eggs"] {
            let event = patch!(
                selector = "#feed",
                merge = "prepend",
                html! { li { (item) } }
            );
            sender.send(event).await.unwrap();
        }
        sender
            .send(patch!(selector = "#spinner", merge = "remove"))
            .await
            .unwrap();
    });
    sse
}

fn routes(app: App) -> Router {
    Router::new()
        .route("/contact/{id}", get(contact))
        .route("/greeting", get(greeting))
        .route("/maybe/{id}", get(maybe_contact))
        .route("/live", get(live))
        .route("/rows/{n}", get(rows))
        .route("/dismiss", post(dismiss))
        .route("/dismiss/{ok}", post(dismiss_checked))
        .route("/every-key", get(every_key))
        .route("/by-id", get(by_id))
        .route("/patched", get(patched))
        .with_state(app)
}

/// Status, content type and the whole body.
async fn fetch(addr: SocketAddr, method: &str, path: &str) -> (StatusCode, String, String) {
    let url = format!("http://{addr}{path}");
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client.post(url),
        _ => client.get(url),
    };
    let response = request
        .header("datastar-request", "true")
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let content_type = response
        .headers()
        .get("content-type")
        .map_or(String::new(), |v| v.to_str().unwrap().to_owned());
    (status, content_type, response.text().await.unwrap())
}

async fn events(addr: SocketAddr, method: &str, path: &str) -> String {
    let (status, content_type, body) = fetch(addr, method, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(content_type, "text/event-stream", "{path}");
    body
}

#[tokio::test]
async fn markup_is_one_patch_elements_event() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/contact/1").await,
        "event: datastar-patch-elements\n\
         data: selector #contact_1\n\
         data: elements <div id=\"contact_1\"><label>First name: Ada</label></div>\n\n"
    );
}

#[tokio::test]
async fn anything_render_is_sent_escaped() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/greeting?name=%3Cb%3EBob").await,
        "event: datastar-patch-elements\n\
         data: selector #greeting\n\
         data: mode inner\n\
         data: elements Hello, &lt;b&gt;Bob!\n\n"
    );
}

#[tokio::test]
async fn result_sends_the_event_or_the_error_response() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/maybe/2").await,
        "event: datastar-patch-elements\n\
         data: selector #contact\n\
         data: mode replace\n\
         data: elements <div id=\"contact\">Grace</div>\n\n"
    );
    let (status, content_type, body) = fetch(addr, "GET", "/maybe/9").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(body, "no contact 9");
}

#[tokio::test]
async fn stream_sends_each_item_the_moment_it_is_produced() {
    let (tx, rx) = mpsc::channel(1);
    let app = App {
        live: Arc::new(Mutex::new(Some(rx))),
    };
    let addr = serve(routes(app)).await;
    let mut response = reqwest::get(format!("http://{addr}/live")).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    for item in ["first", "second"] {
        tx.send(item.to_owned()).await.unwrap();
        let expected = format!(
            "event: datastar-patch-elements\ndata: selector #feed\ndata: mode prepend\ndata: elements <li>{item}</li>\n\n"
        );
        // The event arrives while the stream is still open: nothing waits for the end.
        let mut got = Vec::new();
        while got.len() < expected.len() {
            let chunk = tokio::time::timeout(Duration::from_secs(5), response.chunk())
                .await
                .expect("the event arrives without waiting for the stream to end")
                .unwrap()
                .expect("the body is still open");
            got.extend_from_slice(&chunk);
        }
        assert_eq!(String::from_utf8(got).unwrap(), expected);
    }
    drop(tx);
    let end = tokio::time::timeout(Duration::from_secs(5), response.chunk())
        .await
        .unwrap();
    assert_eq!(end.unwrap(), None, "the body ends with the stream");
}

#[tokio::test]
async fn result_of_stream_sends_the_stream_or_the_error_response() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/rows/2").await,
        "event: datastar-patch-elements\ndata: selector #rows\ndata: mode append\ndata: elements <tr><td>1</td></tr>\n\n\
         event: datastar-patch-elements\ndata: selector #rows\ndata: mode append\ndata: elements <tr><td>2</td></tr>\n\n"
    );
    let (status, _, body) = fetch(addr, "GET", "/rows/4").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::BAD_REQUEST, "at most 3 rows")
    );
}

#[tokio::test]
async fn remove_handlers_return_unit_and_send_one_remove_event() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "POST", "/dismiss").await,
        "event: datastar-patch-elements\n\
         data: selector #toast\n\
         data: mode remove\n\
         data: useViewTransition true\n\n"
    );
    assert_eq!(
        events(addr, "POST", "/dismiss/true").await,
        "event: datastar-patch-elements\ndata: selector #toast\ndata: mode remove\n\n"
    );
    let (status, _, _) = fetch(addr, "POST", "/dismiss/false").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_key_reaches_the_wire() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/every-key").await,
        "event: datastar-patch-elements\n\
         id: 42\n\
         retry: 2500\n\
         data: selector #chart > g\n\
         data: mode append\n\
         data: useViewTransition true\n\
         data: viewTransitionSelector #chart\n\
         data: namespace svg\n\
         data: elements <circle r=\"2\"></circle>\n\n"
    );
    assert_eq!(
        events(addr, "GET", "/by-id").await,
        "event: datastar-patch-elements\n\
         data: elements <p id=\"a\">one</p><p id=\"b\">two</p>\n\n"
    );
}

#[tokio::test]
async fn patch_builds_events_for_a_channel() {
    let addr = serve(routes(App::default())).await;
    assert_eq!(
        events(addr, "GET", "/patched").await,
        "event: datastar-patch-elements\ndata: selector #feed\ndata: mode prepend\ndata: elements <li>milk</li>\n\n\
         event: datastar-patch-elements\ndata: selector #feed\ndata: mode prepend\ndata: elements <li>eggs</li>\n\n\
         event: datastar-patch-elements\ndata: selector #spinner\ndata: mode remove\n\n"
    );
}

#[tokio::test]
async fn the_same_handlers_speak_the_dialect_of_the_router() {
    let beta = routes(App::default()).layer(DatastarLayer::new().dialect(Dialect::Beta));
    let addr = serve(beta).await;
    assert_eq!(
        events(addr, "GET", "/contact/1").await,
        "event: datastar-merge-fragments\n\
         data: selector #contact_1\n\
         data: fragments <div id=\"contact_1\"><label>First name: Ada</label></div>\n\n"
    );
    assert_eq!(
        events(addr, "GET", "/maybe/1").await,
        "event: datastar-merge-fragments\n\
         data: selector #contact\n\
         data: mergeMode outer\n\
         data: fragments <div id=\"contact\">Ada</div>\n\n"
    );
    assert_eq!(
        events(addr, "GET", "/rows/1").await,
        "event: datastar-merge-fragments\ndata: selector #rows\ndata: mergeMode append\ndata: fragments <tr><td>1</td></tr>\n\n"
    );
    assert_eq!(
        events(addr, "POST", "/dismiss").await,
        "event: datastar-remove-fragments\n\
         data: selector #toast\n\
         data: useViewTransition true\n\n"
    );
    assert_eq!(
        events(addr, "GET", "/patched").await,
        "event: datastar-merge-fragments\ndata: selector #feed\ndata: mergeMode prepend\ndata: fragments <li>milk</li>\n\n\
         event: datastar-merge-fragments\ndata: selector #feed\ndata: mergeMode prepend\ndata: fragments <li>eggs</li>\n\n\
         event: datastar-remove-fragments\ndata: selector #spinner\n\n"
    );

    let seed = routes(App::default()).layer(DatastarLayer::new().dialect(Dialect::Seed));
    let addr = serve(seed).await;
    let body = events(addr, "GET", "/contact/2").await;
    assert!(
        body.starts_with(
            "event: datastar-fragment\ndata: selector #contact_1\ndata: merge morph\n"
        ),
        "{body}"
    );
    assert!(
        body.ends_with(
            "data: fragment <div id=\"contact_1\"><label>First name: Grace</label></div>\n\n"
        ),
        "{body}"
    );
}

/// What the handlers mean, read with the test kit rather than compared byte by byte.
#[tokio::test]
async fn streams_and_channels_read_as_events_with_the_test_kit() {
    use datastar_runtime::testing::TestClient;
    let client = TestClient::new(routes(App::default()));
    let rows = client.get("/rows/3").send().await;
    rows.assert_status(200);
    for i in 0..3 {
        let row = rows.patch_elements(i);
        assert_eq!((row.selector(), row.mode()), (Some("#rows"), "append"));
        assert_eq!(row.elements(), format!("<tr><td>{}</td></tr>", i + 1));
    }
    client.get("/rows/4").send().await.assert_status(400);

    let feed = client.get("/patched").send().await;
    let items: Vec<String> = (0..2)
        .map(|i| feed.patch_elements(i).elements().to_owned())
        .collect();
    assert_eq!(items, ["<li>milk</li>", "<li>eggs</li>"]);
    let spinner = feed.patch_elements(2);
    assert_eq!(
        (spinner.selector(), spinner.mode()),
        (Some("#spinner"), "remove")
    );
    assert_eq!(feed.events().len(), 3);
}
