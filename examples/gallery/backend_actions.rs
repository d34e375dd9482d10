//! Backend actions: the server tells the browser what to do, beyond patching HTML.
//!
//! Each button asks the server for one action, and each action is a plain event of the runtime:
//! [`PatchSignals`] (`signals!`), [`ExecuteScript`], and the typed scripts of the Go SDK,
//! [`Console`], [`DispatchEvent`], [`ReplaceUrl`], [`Prefetch`] and [`Redirect`]. Every value
//! in them is written as an escaped JSON literal, so no text can break out of its script. A
//! `#[fragment]` answers with the HTML of the status line and, in the same tuple, the action.
//!
//! On the official site these are the examples execute script, dispatch custom event, replace
//! URL from backend, prefetch and redirects.

use std::time::{SystemTime, UNIX_EPOCH};

use datastar_runtime::prelude::*;
use datastar_runtime::{Console, DispatchEvent, Prefetch, Redirect, ReplaceUrl};
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "backend_actions",
    title: "Backend actions",
    blurb: "Patch signals, run a script, log, dispatch an event, change the URL, prefetch, redirect.",
    source: include_str!("backend_actions.rs"),
};

const BASE: &str = "/examples/backend_actions";

/// The page's query: `?redirected=true` after the redirect.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Arrival {
    redirected: bool,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Query(arrival): Query<Arrival>| async move {
                layout.example(&EXAMPLE, demo(arrival.redirected))
            }),
        )
        .route("/patch_signals", get(patch_signals))
        .route("/execute_script", get(execute_script))
        .route("/console_log", get(console_log))
        .route("/console_error", get(console_error))
        .route("/dispatch_event", get(dispatch_event))
        .route("/replace_url", get(replace_url))
        .route("/prefetch", get(prefetch))
        .route("/redirect", get(redirect))
}

/// (button id, label, official example)
const ACTIONS: [(&str, &str, &str); 8] = [
    (
        "patch_signals",
        "Patch signals",
        "https://data-star.dev/reference/sse_events#datastar-patch-signals",
    ),
    (
        "execute_script",
        "Execute script",
        "https://data-star.dev/examples/execute_script",
    ),
    (
        "console_log",
        "Console log",
        "https://data-star.dev/examples/execute_script",
    ),
    (
        "console_error",
        "Console error",
        "https://data-star.dev/examples/execute_script",
    ),
    (
        "dispatch_event",
        "Dispatch event",
        "https://data-star.dev/examples/dispatch_custom_event",
    ),
    (
        "replace_url",
        "Replace URL",
        "https://data-star.dev/examples/replace_url_from_backend",
    ),
    (
        "prefetch",
        "Prefetch",
        "https://data-star.dev/examples/prefetch",
    ),
    (
        "redirect",
        "Redirect",
        "https://data-star.dev/examples/redirects",
    ),
];

fn demo(redirected: bool) -> Markup {
    html! {
        div #backend_actions data-signals="{_said: '', _detail: ''}"
            data-on:server-greeting="$_detail = JSON.stringify(evt.detail)" {
            @if redirected { p #redirected { "The server's redirect brought you back here." } }
            div.row style="flex-wrap: wrap" {
                @for (id, label, _) in ACTIONS {
                    button.secondary id=(id) data-on:click={ "@get(" (js(&format!("{BASE}/{id}"))) ")" } { (label) }
                }
            }
            p #action_status.muted { "Pick an action; open the console to see the log and the error." }
            dl {
                dt { "Signal " code { "$_said" } ", patched by the server" } dd #said data-text="$_said" {}
                dt { "Set by a script the server sent" } dd #script_output {}
                dt { "Detail of the " code { "server-greeting" } " event" } dd #event_detail data-text="$_detail" {}
            }
            p.muted { "The official counterparts: "
                @for (i, (_, label, href)) in ACTIONS.iter().enumerate() {
                    @if i > 0 { ", " } a href=(href) { (label) }
                } "." }
        }
    }
}

/// The status line, which every action with HTML morphs (`#action_status`).
fn status(text: &str) -> Markup {
    html! { p #action_status.muted { (text) } }
}

/// The time of day, UTC, as `HH:MM:SS`.
fn clock() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

/// `GET /patch_signals`: sets `$_said`; signals starting with `_` stay in the page, and only
/// the server's patch can change them from outside.
async fn patch_signals() -> PatchSignals {
    signals!({ "_said": format!("Hello from the server at {}", clock()) })
}

/// `GET /execute_script`: runs a script, which removes itself once run.
#[fragment]
async fn execute_script() -> (Markup, ExecuteScript) {
    let script = ExecuteScript::new(
        "document.getElementById('script_output').textContent = 'Written by a script from the server'",
    );
    (status("The server sent a script."), script)
}

/// `GET /console_log`: `console.log` in the browser.
#[fragment]
async fn console_log() -> (Markup, Console) {
    (
        status("Logged to the console."),
        Console::log(format!("Hello from the server at {}", clock())),
    )
}

/// `GET /console_error`: `console.error` in the browser.
#[fragment]
async fn console_error() -> (Markup, Console) {
    (
        status("Logged an error to the console."),
        Console::error("An error the server asked for"),
    )
}

/// `GET /dispatch_event`: a `server-greeting` event from `#backend_actions`, with a detail.
#[fragment]
async fn dispatch_event() -> (Markup, DispatchEvent) {
    let event = DispatchEvent::new("server-greeting")
        .and_then(|event| event.detail(&serde_json::json!({ "text": "hello", "at": clock() })))
        .expect("a constant name and a JSON detail")
        .selector(Selector::id("backend_actions"));
    (status("Dispatched a server-greeting event."), event)
}

/// `GET /replace_url`: a new `?page=` in the address bar, without loading the page.
#[fragment]
async fn replace_url() -> (Markup, ReplaceUrl) {
    let page = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 100;
    let text = format!("The address now ends in ?page={page}.");
    (
        status(&text),
        ReplaceUrl::query([("page", page.to_string())]),
    )
}

/// `GET /prefetch`: speculation rules, so that the browser fetches the next pages early.
#[fragment]
async fn prefetch() -> (Markup, Prefetch) {
    let pages = ["/examples/lazy_load", "/examples/lazy_tabs"];
    (
        status("Asked the browser to prefetch Lazy load and Lazy tabs."),
        Prefetch::new(pages),
    )
}

/// `GET /redirect`: to this page again, which then says so.
async fn redirect() -> Redirect {
    Redirect::to(format!("{BASE}?redirected=true"))
}
