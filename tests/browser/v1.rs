//! Datastar 1.0.1 (the client shipped in the `starhtml` wheel) against the V1 dialect, with the 1.0
//! attribute syntax: `data-init`, `data-on:click`, `data-signals:count`, `data-bind:name`.

use axum::Router;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use datastar_runtime::{
    DatastarLayer, Event, Events, ExecuteScript, Mode, PatchElements, PatchSignals, ReadSignals,
    RemoveElements, RemoveSignals, Selector, SignalPath, Signals,
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::harness::{Datastar, Result, Tab, js_str, page, serve, with_browser};

/// Every mode, by its V1 name, with the `<section>` it leaves.
const MODES: [(Mode, &str, &str); 7] = [
    (
        Mode::Outer,
        "outer",
        r#"<div id="box-outer"><p>new</p></div>"#,
    ),
    (
        Mode::Inner,
        "inner",
        r#"<div id="box-inner"><p>new</p></div>"#,
    ),
    (
        Mode::Replace,
        "replace",
        r#"<div id="box-replace"><p>new</p></div>"#,
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
        "v1",
        html! {
            div data-signals:count="0" data-signals:name="''" data-signals:user="{name: 'nobody'}" {
                span #count data-text="$count" {}
                span #name-view data-text="$name" {}
                span #user-name data-text="$user.name" {}
                button #echo-signals data-on:click="@post('/echo')" { "echo" }
                pre #echo {}
                div #greeting data-init="@get('/init')" { "loading" }
                button #increment data-on:click="@get('/increment')" { "+1" }
                input #name data-bind:name;
                button #greet data-on:click="@post('/greet')" { "greet" }
                p #hello {}
                @for (_, name, _) in MODES {
                    button #{"patch-" (name)} data-on:click={"@get('/patch/" (name) "')"} { (name) }
                    section #{"sec-" (name)} { div #{"box-" (name)} { p { "original" } } }
                }
                button #remove data-on:click="@get('/remove')" { "remove" }
                p #doomed { "doomed" }
                button #remove-signal data-on:click="@get('/remove-signal')" { "forget user" }
                p #forgotten {}
                button #script data-on:click="@get('/script')" { "script" }
                p #script-out {}
            }
        },
    )
}

#[derive(Deserialize)]
struct Counter {
    count: i64,
}

#[derive(Deserialize)]
struct Greeting {
    name: String,
}

/// The count arrives in the GET query (`?datastar=`) and goes back one higher.
async fn increment(ReadSignals(Counter { count }): ReadSignals<Counter>) -> Response {
    sse([PatchSignals::new(&json!({ "count": count + 1 }))
        .unwrap()
        .into()])
}

/// The bound name arrives as the POST body.
async fn greet(ReadSignals(Greeting { name }): ReadSignals<Greeting>) -> Response {
    sse([PatchElements::new(html! { p #hello { "Hello, " (name) "!" } }.into_string()).into()])
}

async fn echo(ReadSignals(signals): Signals) -> Response {
    let json = Value::Object(signals).to_string();
    sse([PatchElements::new(html! { pre #echo { (json) } }.into_string()).into()])
}

async fn patch(Path(name): Path<String>) -> Response {
    let (mode, ..) = MODES.iter().find(|(_, n, _)| *n == name).unwrap();
    let id = format!("box-{name}");
    let event = match mode {
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

async fn app() -> String {
    let app = Router::new()
        .route("/", get(|| async { home() }))
        .route(
            "/init",
            get(|| async { sse([PatchElements::new(r#"<div id="greeting">hello</div>"#).into()]) }),
        )
        .route("/increment", get(increment))
        .route("/greet", post(greet))
        .route("/echo", post(echo))
        .route("/patch/{mode}", get(patch))
        .route(
            "/remove",
            get(|| async { sse([RemoveElements::new(Selector::new("#doomed").unwrap()).into()]) }),
        )
        .route(
            "/remove-signal",
            get(|| async {
                sse([
                    RemoveSignals::new([SignalPath::new("user.name").unwrap()]).into(),
                    PatchElements::new(r#"<p id="forgotten">forgotten</p>"#).into(),
                ])
            }),
        )
        .route(
            "/script",
            get(|| async {
                let js = "document.getElementById('script-out').textContent = 'script ran'";
                sse([ExecuteScript::new(js).into()])
            }),
        )
        .layer(DatastarLayer::new());
    serve(app, Datastar::V101).await
}

async fn open(tab: &Tab) -> Result {
    tab.goto(&app().await).await?;
    tab.wait_text("#count", "0").await
}

#[tokio::test]
async fn init_click_bind_and_post_round_trip() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.wait_text("#greeting", "hello").await?;

        // The count goes to the server in the GET query and comes back one higher.
        tab.click("#increment").await?;
        tab.wait_text("#count", "1").await?;
        tab.click("#increment").await?;
        tab.wait_text("#count", "2").await?;

        tab.type_into("#name", "Ada").await?;
        tab.wait_text("#name-view", "Ada").await?;
        tab.click("#greet").await?;
        tab.wait_text("#hello", "Hello, Ada!").await
    })
    .await;
}

#[tokio::test]
async fn every_patch_mode_lands_where_the_mode_says() {
    with_browser(|tab| async move {
        open(&tab).await?;
        for (mode, name, expected) in MODES {
            let box_js = format!(
                "document.getElementById({})",
                js_str(&format!("box-{name}"))
            );
            tab.eval(&format!("{box_js}.__kept = true")).await?;
            tab.click(&format!("#patch-{name}")).await?;
            let section = format!("document.getElementById('sec-{name}').innerHTML");
            tab.wait_eq(&section, expected, &format!("mode `{name}`"))
                .await?;
            let kept = tab.eval(&format!("{box_js}.__kept === true")).await?;
            assert_eq!(
                kept,
                Value::Bool(mode != Mode::Replace),
                "{mode:?}: element kept = {kept}"
            );
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn remove_elements_signals_and_execute_script() {
    with_browser(|tab| async move {
        open(&tab).await?;
        // What the client holds is what it sends: the echo shows the signals before and after.
        tab.wait_text("#user-name", "nobody").await?;
        tab.click("#echo-signals").await?;
        tab.wait_text("#echo", r#"{"count":0,"name":"","user":{"name":"nobody"}}"#)
            .await?;
        tab.click("#remove-signal").await?;
        tab.wait_text("#forgotten", "forgotten").await?;
        tab.click("#echo-signals").await?;
        // Removing the last key of `user` removes `user` too.
        tab.wait_text("#echo", r#"{"count":0,"name":""}"#).await?;

        tab.wait_count("#doomed", 1).await?;
        tab.click("#remove").await?;
        tab.wait_count("#doomed", 0).await?;

        tab.click("#script").await?;
        tab.wait_text("#script-out", "script ran").await?;
        // The script removes itself (`data-effect="el.remove()"`).
        tab.wait_count("body script", 0).await
    })
    .await;
}

/// A handler that panics is asked once: the layer answers 500, which the client does not
/// retry. A dropped connection is a network error, which it retries (1 s, then 2 s later).
#[tokio::test]
async fn a_handler_that_panics_is_asked_once_not_retried() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = Router::new()
        .route(
            "/",
            get(|| async {
                page(
                    "panic",
                    html! { button #broken data-on:click="@get('/broken')" { "broken" } },
                )
            }),
        )
        .route(
            "/broken",
            get(move || async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let rows: Vec<PatchElements> = Vec::new();
                rows[3].clone()
            }),
        )
        .layer(DatastarLayer::new());
    let base = serve(app, Datastar::V101).await;
    with_browser(move |tab| async move {
        tab.goto(&base).await?;
        tab.click("#broken").await?;
        let started = std::time::Instant::now();
        while asked.load(Ordering::SeqCst) == 0 {
            assert!(started.elapsed() < Duration::from_secs(10), "never asked");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Long enough for two retries of a network error.
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(asked.load(Ordering::SeqCst), 1, "the client asked again");
        Ok(())
    })
    .await;
}
