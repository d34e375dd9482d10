//! The backend actions in Chromium with the Datastar 1.0.1 client, each given a hostile value:
//! it must arrive whole and run nothing but the action.

use axum::Router;
use axum::extract::Path;
use axum::routing::get;
use datastar_runtime::{
    Console, DispatchEvent, Events, PatchElements, Prefetch, Redirect, ReplaceUrl, Selector,
};
use maud::html;

use crate::harness::{Datastar, Result, Tab, js_str, page, serve, with_browser};

/// Closes the script, opens another, comments out the rest, breaks out of either quote, escapes
/// the closing quote, and ends the line in JavaScript before ES2019.
const HOSTILE: &str = "</script><script>alert(1)</script><!-- \"'\\\u{2028}&";

fn app() -> Router {
    let dispatch = || DispatchEvent::new(HOSTILE).unwrap();
    Router::new()
        .route(
            "/",
            get(|| async {
                page(
                    "actions",
                    html! {
                        div #target {}
                        p #said {}
                        @for name in ["log", "error", "dispatch", "dispatch-at", "replace", "query", "prefetch", "redirect"] {
                            button #(name) data-on:click={ "@get('/action/" (name) "')" } { (name) }
                        }
                        @for n in 0..SCRIPT_URLS.len() {
                            button #{ "script-url-" (n) } data-on:click={ "@get('/action/script-url/" (n) "')" } { "script URL " (n) }
                        }
                    },
                )
            }),
        )
        .route("/landing", get(|| async { page("landing", html! { p { "landed" } }) }))
        .route(
            "/action/log",
            // An action beside another event, in one answer.
            get(|| async {
                Events((
                    PatchElements::new(r#"<p id="said">logged</p>"#),
                    Console::log(HOSTILE),
                ))
            }),
        )
        .route("/action/error", get(|| async { Console::error(HOSTILE) }))
        .route(
            "/action/dispatch",
            get(move || async move {
                dispatch()
                    .detail(&serde_json::json!({ "text": HOSTILE }))
                    .unwrap()
            }),
        )
        .route(
            "/action/dispatch-at",
            get(move || async move {
                dispatch()
                    .selector(Selector::new("#target").unwrap())
                    .bubbles(false)
                    .detail(HOSTILE)
                    .unwrap()
            }),
        )
        .route(
            "/action/replace",
            get(|| async { ReplaceUrl::new(format!("/elsewhere?x={HOSTILE}")) }),
        )
        .route(
            "/action/query",
            get(|| async { ReplaceUrl::query([("q", HOSTILE), ("n", "2")]) }),
        )
        .route(
            "/action/prefetch",
            get(|| async { Prefetch::new([format!("/landing?x={HOSTILE}")]) }),
        )
        .route(
            "/action/redirect",
            get(|| async { Redirect::to(format!("/landing#{HOSTILE}")) }),
        )
        .route(
            "/action/script-url/{n}",
            get(|Path(n): Path<usize>| async move { Redirect::to(SCRIPT_URLS[n]) }),
        )
}

/// URLs that run script (or would show attacker markup) when navigated to, in spellings the
/// URL parser folds: case, leading spaces, a tab and a newline inside the scheme.
const SCRIPT_URLS: [&str; 4] = [
    "javascript:alert(1)",
    "  JaVaScRiPt:alert(1)",
    "java\tscri\npt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
];

/// Loads the page with `alert` and the console recorded; an `alert` means the value escaped.
async fn open(tab: &Tab) -> Result<String> {
    let base = serve(app(), Datastar::V101).await;
    tab.goto(&base).await?;
    tab.element("#prefetch").await?;
    tab.eval(
        "(() => { window.__alerts = 0; window.alert = () => { window.__alerts += 1 };\
         window.__said = [];\
         console.log = (m) => window.__said.push(['log', m]);\
         console.error = (m) => window.__said.push(['error', m]); return true })()",
    )
    .await?;
    Ok(base)
}

/// No script but the action ran: no alert, and the action's `<script>` is gone again.
async fn nothing_else_ran(tab: &Tab) -> Result {
    tab.wait_eq("window.__alerts", 0, "no alert").await?;
    tab.wait_eq(
        "document.querySelectorAll('body script:not([type=speculationrules])').length",
        0,
        "the action's script removed",
    )
    .await
}

#[tokio::test]
async fn console_log_and_error_print_the_value_whole() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#log").await?;
        tab.wait_text("#said", "logged").await?;
        tab.click("#error").await?;
        let expected = serde_json::json!([["log", HOSTILE], ["error", HOSTILE]]);
        tab.wait_eq("window.__said", expected, "both messages")
            .await?;
        nothing_else_ran(&tab).await
    })
    .await;
}

#[tokio::test]
async fn dispatch_event_reaches_its_listeners_with_its_detail() {
    with_browser(|tab| async move {
        open(&tab).await?;
        let name = js_str(HOSTILE);
        tab.eval(&format!(
            "(() => {{ window.__got = [];\
             document.addEventListener({name}, (e) => window.__got.push(['document', e.detail, e.bubbles, e.cancelable, e.composed]));\
             document.querySelector('#target').addEventListener({name}, (e) => window.__got.push(['target', e.detail, e.bubbles]));\
             return true }})()"
        ))
        .await?;
        tab.click("#dispatch").await?;
        let from_document =
            serde_json::json!([["document", { "text": HOSTILE }, true, true, true]]);
        tab.wait_eq("window.__got", from_document.clone(), "the event on document")
            .await?;
        // From `#target`, not bubbling: the document never hears it.
        tab.click("#dispatch-at").await?;
        let mut both = from_document;
        both.as_array_mut()
            .unwrap()
            .push(serde_json::json!(["target", HOSTILE, false]));
        tab.wait_eq("window.__got", both, "the event on #target only")
            .await?;
        nothing_else_ran(&tab).await
    })
    .await;
}

#[tokio::test]
async fn replace_url_and_query_change_the_address_without_loading() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.eval("(window.__same_page = true)").await?;
        tab.click("#query").await?;
        let query = "[location.pathname, new URLSearchParams(location.search).get('q'), \
                     new URLSearchParams(location.search).get('n')]";
        tab.wait_eq(
            query,
            serde_json::json!(["/", HOSTILE, "2"]),
            "the new query",
        )
        .await?;
        tab.click("#replace").await?;
        let url = "[location.pathname, decodeURIComponent(location.search)]";
        let expected = serde_json::json!(["/elsewhere", format!("?x={HOSTILE}")]);
        tab.wait_eq(url, expected, "the new URL").await?;
        tab.wait_eq("window.__same_page", true, "no page load")
            .await?;
        nothing_else_ran(&tab).await
    })
    .await;
}

#[tokio::test]
async fn prefetch_leaves_speculation_rules_that_parse() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#prefetch").await?;
        let rules = "(() => { const s = document.querySelectorAll('script[type=speculationrules]');\
                     return s.length === 1 ? JSON.parse(s[0].textContent).prefetch[0] : s.length })()";
        let expected = serde_json::json!({
            "source": "list",
            "urls": [format!("/landing?x={HOSTILE}")],
        });
        tab.wait_eq(rules, expected, "one speculation rule with the URL").await?;
        tab.wait_eq(
            "HTMLScriptElement.supports('speculationrules')",
            true,
            "a browser that reads them",
        )
        .await?;
        nothing_else_ran(&tab).await
    })
    .await;
}

#[tokio::test]
async fn redirect_goes_to_the_url() {
    with_browser(|tab| async move {
        open(&tab).await?;
        tab.click("#redirect").await?;
        let at = "[document.title, location.pathname, decodeURIComponent(location.hash)]";
        let expected = serde_json::json!(["landing", "/landing", format!("#{HOSTILE}")]);
        tab.wait_eq(at, expected, "the landing page").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn redirect_refuses_urls_that_are_not_http() {
    with_browser(|tab| async move {
        open(&tab).await?;
        for (n, url) in SCRIPT_URLS.iter().enumerate() {
            tab.click(&format!("#script-url-{n}")).await?;
            tab.wait_eq(
                "window.__said.filter(([level, m]) => level === 'error' \
                 && String(m).startsWith('datastar: redirect refused')).length",
                n + 1,
                &format!("the refusal of {url:?} in the console"),
            )
            .await?;
        }
        tab.wait_eq(
            "[document.title, window.__alerts]",
            serde_json::json!(["actions", 0]),
            "still on the page, nothing ran",
        )
        .await?;
        nothing_else_ran(&tab).await
    })
    .await;
}
