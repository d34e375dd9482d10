//! The official `@starfederation/datastar@1.0.0-beta.11` client against the Beta dialect:
//! `datastar-merge-fragments` in every merge mode, merge and remove signals, execute script,
//! remove fragments and a stream of several events, each asserted on the DOM it leaves.

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datastar_runtime::{
    DatastarLayer, Dialect, Event, Events, ExecuteScript, Mode, PatchElements, PatchSignals,
    ReadSignals, RemoveElements, RemoveSignals, Selector, SignalPath, Signals,
};
use maud::{Markup, html};
use serde_json::{Value, json};

use crate::harness::{Datastar, Result, Tab, js_str, page, serve, with_browser};

/// Every mode of our V1 model, with the Beta merge mode it becomes and the `<section>` it leaves.
const MODES: [(Mode, &str, &str); 7] = [
    (
        Mode::Outer,
        "morph",
        r#"<div id="box-morph"><p>new</p></div>"#,
    ),
    (
        Mode::Inner,
        "inner",
        r#"<div id="box-inner"><p>new</p></div>"#,
    ),
    (
        Mode::Replace,
        "outer",
        r#"<div id="box-outer"><p>new</p></div>"#,
    ),
    (
        Mode::Prepend,
        "prepend",
        r#"<div id="box-prepend"><p>new</p><p>original</p></div>"#,
    ),
    (
        Mode::Append,
        "append",
        r#"<div id="box-append"><p>original</p><p>new</p></div>"#,
    ),
    (
        Mode::Before,
        "before",
        r#"<p>new</p><div id="box-before"><p>original</p></div>"#,
    ),
    (
        Mode::After,
        "after",
        r#"<div id="box-after"><p>original</p></div><p>new</p>"#,
    ),
];

/// Several events, one SSE response, encoded in the router's dialect.
fn sse<const N: usize>(events: [Event; N]) -> Response {
    Events(events).into_response()
}

fn home() -> Markup {
    page(
        "beta",
        html! {
            div data-signals="{count: 0, user: {name: 'nobody'}, name: '', done: false}" {
                span #count data-text="$count" {}
                span #user-name data-text="$user.name" {}
                span #name-view data-text="$name" {}
                span #done data-text="$done" {}
                input #name data-bind-name;
                @for (_, beta, _) in MODES {
                    button #{"merge-" (beta)} data-on-click={"@get('/merge/" (beta) "')"} { (beta) }
                    section #{"sec-" (beta)} { div #{"box-" (beta)} { p { "original" } } }
                }
                button #merge-signals data-on-click="@get('/signals/merge')" { "merge signals" }
                button #remove-signals data-on-click="@get('/signals/remove')" { "remove signals" }
                p #forgotten {}
                button #echo-signals data-on-click="@post('/echo')" { "echo" }
                pre #echo {}
                button #script data-on-click="@get('/script')" { "script" }
                p #script-out { "not yet" }
                button #remove data-on-click="@get('/remove')" { "remove" }
                p #doomed { "doomed" }
                button #stream data-on-click="@get('/stream')" { "stream" }
                ul #feed { li #feed-placeholder { "waiting" } }
                p #stream-script {}
            }
        },
    )
}

async fn merge(Path(beta): Path<String>) -> Response {
    let (mode, ..) = MODES.iter().find(|(_, b, _)| *b == beta).unwrap();
    let id = format!("box-{beta}");
    let event = match mode {
        // Without a selector, morph and replace target the fragment's top-level id.
        Mode::Outer => PatchElements::new(format!(r#"<div id="{id}"><p>new</p></div>"#)).into(),
        Mode::Replace => PatchElements::new(format!(r#"<div id="{id}"><p>new</p></div>"#))
            .replace()
            .into(),
        _ => PatchElements::new("<p>new</p>")
            .selector(Selector::new(format!("#{id}")).unwrap())
            .mode(*mode)
            .into(),
    };
    sse([event])
}

async fn echo(ReadSignals(signals): Signals) -> Response {
    let json = Value::Object(signals).to_string();
    let html = html! { pre #echo { (json) } }.into_string();
    sse([PatchElements::new(html).into()])
}

async fn stream() -> Response {
    let item = |text: &str| {
        PatchElements::new(format!("<li>{text}</li>"))
            .selector(Selector::new("#feed").unwrap())
            .mode(Mode::Append)
            .into()
    };
    sse([
        RemoveElements::new(Selector::new("#feed-placeholder").unwrap()).into(),
        item("one"),
        item("two"),
        item("three"),
        PatchSignals::new(&json!({"done": true})).unwrap().into(),
        ExecuteScript::new("document.getElementById('stream-script').textContent = 'ran'").into(),
    ])
}

async fn app() -> String {
    let app = Router::new()
        .route("/", get(|| async { home() }))
        .route("/merge/{mode}", get(merge))
        .route(
            "/signals/merge",
            get(|| async {
                let patch = json!({"count": 5, "user": {"name": "ferris"}});
                sse([PatchSignals::new(&patch).unwrap().into()])
            }),
        )
        .route(
            "/signals/remove",
            get(|| async {
                sse([
                    RemoveSignals::new([SignalPath::new("user.name").unwrap()]).into(),
                    PatchElements::new(r#"<p id="forgotten">forgotten</p>"#).into(),
                ])
            }),
        )
        .route("/echo", post(echo))
        .route(
            "/script",
            get(|| async {
                let js = "document.getElementById('script-out').textContent = 'script ran'";
                sse([ExecuteScript::new(js).into()])
            }),
        )
        .route(
            "/remove",
            get(|| async { sse([RemoveElements::new(Selector::new("#doomed").unwrap()).into()]) }),
        )
        .route("/stream", get(stream))
        .layer(DatastarLayer::new().dialect(Dialect::Beta));
    serve(app, Datastar::Beta11).await
}

/// Opens the page and waits until the client has applied the page's signals.
async fn open(tab: &Tab) -> Result {
    tab.goto(&app().await).await?;
    tab.wait_text("#count", "0").await
}

#[tokio::test]
async fn every_merge_mode_lands_where_the_mode_says() {
    with_browser(|tab| async move {
        open(&tab).await?;
        for (mode, beta, expected) in MODES {
            // A mark on the box tells a morphed element (kept) from a replaced one (new node).
            let box_js = format!(
                "document.getElementById({})",
                js_str(&format!("box-{beta}"))
            );
            tab.eval(&format!("{box_js}.__kept = true")).await?;
            tab.click(&format!("#merge-{beta}")).await?;
            // The Beta client marks every merge target with `data-fragment-merge-target`: ignore it.
            let section = format!(
                "(() => {{ const s = document.getElementById('sec-{beta}').cloneNode(true); \
                 s.querySelectorAll('[data-fragment-merge-target]') \
                 .forEach(e => e.removeAttribute('data-fragment-merge-target')); \
                 return s.innerHTML; }})()"
            );
            tab.wait_eq(&section, expected, &format!("{mode:?} merged as `{beta}`"))
                .await?;
            let kept = tab.eval(&format!("{box_js}.__kept === true")).await?;
            let replaced = mode == Mode::Replace;
            assert_eq!(
                kept,
                Value::Bool(!replaced),
                "{mode:?}: element kept = {kept}"
            );
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn signals_merge_bind_and_remove() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#merge-signals").await?;
        tab.wait_text("#count", "5").await?;
        tab.wait_text("#user-name", "ferris").await?;

        tab.type_into("#name", "Ada").await?;
        tab.wait_text("#name-view", "Ada").await?;

        let echoed = "document.getElementById('echo').textContent";
        tab.click("#echo-signals").await?;
        let sent = tab
            .wait_for(
                echoed,
                |v| v.as_str().is_some_and(|s| !s.is_empty()),
                crate::harness::TIMEOUT,
                "the echo of the signals",
            )
            .await?;
        let sent: Value = serde_json::from_str(sent.as_str().unwrap())?;
        assert_eq!(sent["user"]["name"], "ferris", "signals sent: {sent}");
        assert_eq!(sent["name"], "Ada", "signals sent: {sent}");

        tab.click("#remove-signals").await?;
        tab.wait_text("#forgotten", "forgotten").await?;
        tab.eval("document.getElementById('echo').textContent = ''")
            .await?;
        tab.click("#echo-signals").await?;
        let sent = tab
            .wait_for(
                echoed,
                |v| v.as_str().is_some_and(|s| !s.is_empty()),
                crate::harness::TIMEOUT,
                "the echo after removal",
            )
            .await?;
        let sent: Value = serde_json::from_str(sent.as_str().unwrap())?;
        assert_eq!(
            sent["user"].get("name"),
            None,
            "user.name still sent: {sent}"
        );
        assert_eq!(sent["count"], 5, "signals sent: {sent}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn execute_script_runs_and_removes_itself() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#script").await?;
        tab.wait_text("#script-out", "script ran").await?;
        // autoRemove is the default: only the client's own <script src> stays.
        tab.wait_count("script:not([src])", 0).await
    })
    .await;
}

#[tokio::test]
async fn remove_fragments_removes_the_selected_element() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.wait_count("#doomed", 1).await?;
        tab.click("#remove").await?;
        tab.wait_count("#doomed", 0).await
    })
    .await;
}

#[tokio::test]
async fn one_response_carries_a_stream_of_events() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#stream").await?;
        let items =
            "[...document.querySelectorAll('#feed li')].map(li => li.textContent).join(',')";
        tab.wait_eq(items, "one,two,three", "three appended items")
            .await?;
        tab.wait_text("#done", "true").await?;
        tab.wait_text("#stream-script", "ran").await
    })
    .await;
}
