//! Selector templates, tuple answers and `mode =` through a real server and a real HTTP client,
//! in the V1 and Beta dialects: hostile values stay inside their identifier, and the events of a
//! tuple arrive in order, each exact.

use std::net::SocketAddr;

use datastar_runtime::prelude::*;
use datastar_tests::serve;
use http::StatusCode;

#[fragment(selector = "#card-{id}", mode = "inner")]
async fn card(Path(id): Path<String>) -> Markup {
    html! { "card " (id) }
}

#[fragment(selector = "#{column}-{n} > .cards", mode = "append")]
async fn add(Path((column, n)): Path<(String, u32)>) -> (Markup, PatchSignals, ExecuteScript) {
    (
        html! { li { "card " (n) } },
        signals!({ "draft": "" }),
        ExecuteScript::new("console.log('added')"),
    )
}

#[fragment(selector = "#card-{id}", mode = "remove")]
async fn remove(Path(id): Path<u32>) -> ((), PatchSignals) {
    ((), signals!({ "selected": null }))
}

#[fragment(selector = "#card-{id}", merge = "morph")]
async fn checked(
    Path(id): Path<u32>,
) -> Result<(Markup, PatchSignals), (StatusCode, &'static str)> {
    if id == 0 {
        return Err((StatusCode::NOT_FOUND, "no card 0"));
    }
    Ok((
        html! { div id={ "card-" (id) } { "ok" } },
        signals!({ "open": id }),
    ))
}

#[fragment(selector = "#feed", mode = "prepend")]
async fn feed() -> (impl Stream<Item = Markup>, PatchSignals) {
    let items = futures_util::stream::iter(["a", "b"].map(|item| html! { li { (item) } }));
    (items, signals!({ "loading": false }))
}

async fn patched(Path(n): Path<String>) -> Events<(Event, Event)> {
    Events((
        patch!(selector = "#row-{n}", mode = "inner", html! { "row" }),
        patch!(selector = "[data-row=\"{n}\"]", mode = "remove"),
    ))
}

fn routes() -> Router {
    Router::new()
        .route("/card/{id}", get(card))
        .route("/remove/{id}", post(remove))
        .route("/checked/{id}", get(checked))
        .route("/add/{column}/{n}", post(add))
        .route("/feed", get(feed))
        .route("/patched/{n}", get(patched))
}

async fn fetch(addr: SocketAddr, method: &str, path: &str) -> (StatusCode, String) {
    let client = reqwest::Client::new();
    let url = format!("http://{addr}{path}");
    let request = if method == "POST" {
        client.post(url)
    } else {
        client.get(url)
    };
    let response = request
        .header("datastar-request", "true")
        .send()
        .await
        .unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    (status, response.text().await.unwrap())
}

async fn events(addr: SocketAddr, method: &str, path: &str) -> String {
    let (status, body) = fetch(addr, method, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

/// Percent-encodes every byte, so any value reaches the handler as it is.
fn encoded(value: &str) -> String {
    value.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn hostile_values_stay_inside_their_identifier() {
    let addr = serve(routes()).await;
    for (raw, selector) in [
        ("7", "#card-7"),
        ("a b", r"#card-a\ b"),
        (r#"x"],*"#, r#"#card-x\"\]\,\*"#),
        ("a\nb\r\nc", r"#card-a\a b\d \a c"),
        ("x,#y", r"#card-x\,\#y"),
        ("😀", "#card-😀"),
    ] {
        let body = events(addr, "GET", &format!("/card/{}", encoded(raw))).await;
        let escaped_html = raw
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;");
        let mut expected = format!(
            "event: datastar-patch-elements\ndata: selector {selector}\ndata: mode inner\n"
        );
        for line in format!("card {escaped_html}")
            .replace("\r\n", "\n")
            .split('\n')
        {
            expected.push_str(&format!("data: elements {line}\n"));
        }
        expected.push('\n');
        assert_eq!(body, expected, "{raw:?}");
        datastar_runtime::Selector::new(selector.to_owned()).expect("a valid selector");
    }
}

#[tokio::test]
async fn a_tuple_sends_the_html_then_each_event_in_order() {
    let addr = serve(routes()).await;
    assert_eq!(
        events(addr, "POST", "/add/todo/3").await,
        "event: datastar-patch-elements\n\
         data: selector #todo-3 > .cards\n\
         data: mode append\n\
         data: elements <li>card 3</li>\n\n\
         event: datastar-patch-signals\n\
         data: signals {\"draft\":\"\"}\n\n\
         event: datastar-patch-elements\n\
         data: selector body\n\
         data: mode append\n\
         data: elements <script data-effect=\"el.remove()\">console.log('added')</script>\n\n"
    );
    assert_eq!(
        events(addr, "POST", "/remove/4").await,
        "event: datastar-patch-elements\n\
         data: selector #card-4\n\
         data: mode remove\n\n\
         event: datastar-patch-signals\n\
         data: signals {\"selected\":null}\n\n"
    );
    assert_eq!(
        events(addr, "GET", "/checked/5").await,
        "event: datastar-patch-elements\n\
         data: selector #card-5\n\
         data: elements <div id=\"card-5\">ok</div>\n\n\
         event: datastar-patch-signals\n\
         data: signals {\"open\":5}\n\n"
    );
    assert_eq!(
        fetch(addr, "GET", "/checked/0").await,
        (StatusCode::NOT_FOUND, "no card 0".to_owned())
    );
    assert_eq!(
        events(addr, "GET", "/feed").await,
        "event: datastar-patch-elements\ndata: selector #feed\ndata: mode prepend\ndata: elements <li>a</li>\n\n\
         event: datastar-patch-elements\ndata: selector #feed\ndata: mode prepend\ndata: elements <li>b</li>\n\n\
         event: datastar-patch-signals\ndata: signals {\"loading\":false}\n\n"
    );
    assert_eq!(
        events(addr, "GET", &format!("/patched/{}", encoded("1\"]"))).await,
        "event: datastar-patch-elements\ndata: selector #row-1\\\"\\]\ndata: mode inner\ndata: elements row\n\n\
         event: datastar-patch-elements\ndata: selector [data-row=\"1\\\"\\]\"]\ndata: mode remove\n\n"
    );
}

#[tokio::test]
async fn the_beta_dialect_gets_the_same_answers_in_its_own_words() {
    let addr = serve(routes().layer(DatastarLayer::new().dialect(Dialect::Beta))).await;
    assert_eq!(
        events(addr, "POST", "/add/todo/3").await,
        "event: datastar-merge-fragments\n\
         data: selector #todo-3 > .cards\n\
         data: mergeMode append\n\
         data: fragments <li>card 3</li>\n\n\
         event: datastar-merge-signals\n\
         data: signals {\"draft\":\"\"}\n\n\
         event: datastar-execute-script\n\
         data: script console.log('added')\n\n"
    );
    assert_eq!(
        events(addr, "POST", "/remove/4").await,
        "event: datastar-remove-fragments\n\
         data: selector #card-4\n\n\
         event: datastar-merge-signals\n\
         data: signals {\"selected\":null}\n\n"
    );
}

/// Markup the macro cannot see (built elsewhere), which the compile-time root check misses.
fn built_elsewhere() -> Markup {
    maud::html! { li { "no id" } }
}

#[fragment]
async fn rootless() -> Markup {
    built_elsewhere()
}

#[fragment]
async fn rooted() -> Markup {
    html! { li #item { "an id" } }
}

/// Debug builds warn, once, naming the handler, when a by-id patch's top-level element has no
/// `id`: the browser would find nothing to patch and say so only in its console.
#[cfg(debug_assertions)]
#[tokio::test(flavor = "current_thread")]
async fn a_by_id_patch_without_an_id_warns_in_debug_builds() {
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let _ = rooted().await;
    assert_eq!(String::from_utf8_lossy(&log.0.lock().unwrap()), "");
    let _ = rootless().await;
    let _ = rootless().await;
    let text = String::from_utf8_lossy(&log.0.lock().unwrap()).into_owned();
    assert_eq!(text.matches("WARN").count(), 1, "once: {text}");
    assert!(
        text.contains("`rootless` patches by id, but its top-level `<li>` has no `id`"),
        "{text}"
    );
}
