//! Hostile text through every input of the gallery, with the Datastar 1.0.1 client: it must stay
//! text. No dialog opens, no element is injected, no action runs, and the text comes back as typed.
//!
//! The first payload is the stored XSS found in TodoMVC: it forges the markers that Datastar's
//! expression compiler puts quoted text back with, so `` $` `` pasted the code before it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::routing::any;

use crate::gallery::app;
use crate::harness::{Datastar, ENTER, Result, Tab, js_str, serve_app, with_browser};

const PAYLOADS: [&str; 6] = [
    "🖕JS_$`_DS🚀+alert(7));// ",
    "<script>alert(2)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'); alert(3); //",
    "${alert(4)}",
    "@post('/x')",
];

/// The gallery, plus a `/x` that counts the requests an injected `@post('/x')` would make.
async fn start(tab: &Tab, example: &str) -> Result<Arc<AtomicUsize>> {
    let client = Datastar::V101;
    client.source();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let gallery = app::app(app::Client::Local(client.path())).route(
        "/x",
        any(move || async move {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    );
    let url = serve_app(gallery).await;
    tab.goto(&format!("{url}/examples/{example}")).await?;
    trap_dialogs(tab).await?;
    Ok(hits)
}

/// Replaces `alert`, `confirm` and `prompt` with a recorder, so a dialog is a value to assert on.
async fn trap_dialogs(tab: &Tab) -> Result {
    tab.eval(
        "(window.__dialogs = [], ['alert', 'confirm', 'prompt'].forEach(f => \
           window[f] = (...args) => { window.__dialogs.push(`${f}(${args.join()})`); }))",
    )
    .await?;
    Ok(())
}

/// Nothing ran and nothing was injected: no dialog, no `img` or `script` in the page's `main`,
/// no request to `/x`.
async fn assert_inert(tab: &Tab, hits: &AtomicUsize) -> Result {
    assert_eq!(
        tab.eval("window.__dialogs").await?,
        serde_json::json!([]),
        "dialogs opened"
    );
    let injected = tab
        .eval("[...document.querySelectorAll('main img, main script')].map(e => e.outerHTML)")
        .await?;
    assert_eq!(injected, serde_json::json!([]), "elements injected");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "requests to /x");
    Ok(())
}

/// Sets the input's value and fires `input`, as typing does. (chromedriver cannot type
/// characters outside the BMP, such as the payload's emoji.)
async fn fill(tab: &Tab, selector: &str, text: &str) -> Result {
    tab.element(selector).await?;
    tab.eval(&format!(
        "(el => (el.focus(), el.value = {}, el.dispatchEvent(new Event('input', {{bubbles: true}}))))\
         (document.querySelector({}))",
        js_str(text),
        js_str(selector),
    ))
    .await?;
    Ok(())
}

async fn wait_value(tab: &Tab, selector: &str, expected: &str) -> Result {
    let probe = format!(
        "document.querySelector({})?.value ?? null",
        js_str(selector)
    );
    let waited = tab
        .wait_eq(&probe, expected, &format!("the value of `{selector}`"))
        .await;
    // A payload that ran usually broke the expression too: say what it did.
    if let Err(e) = waited {
        let dialogs = tab.eval("window.__dialogs").await?;
        return Err(format!("{e}\n  dialogs opened: {dialogs}").into());
    }
    Ok(())
}

#[tokio::test]
async fn todomvc_titles_stay_text_when_added_edited_and_edited_again() {
    with_browser(|tab| async move {
        let hits = start(&tab, "todomvc").await?;
        for (n, payload) in PAYLOADS.iter().enumerate() {
            let id = n + 3; // after the two seeded todos
            let title = payload.trim(); // TodoMVC trims titles
            fill(&tab, "#new_todo", payload).await?;
            tab.type_into("#new_todo", &ENTER.to_string()).await?;
            let label = format!("#todo_{id} label");
            tab.wait_text(&label, title).await?;

            // The edit view seeds `$title` from the stored title: the stored-XSS path.
            tab.double_click(&label).await?;
            let edit = format!("#todo_{id} input.edit");
            wait_value(&tab, &edit, title).await?;

            // Save another payload over it, then open the edit view on that one.
            let other = PAYLOADS[(n + 1) % PAYLOADS.len()];
            fill(&tab, &edit, other).await?;
            tab.type_into(&edit, &ENTER.to_string()).await?;
            tab.wait_text(&label, other.trim()).await?;
            tab.double_click(&label).await?;
            wait_value(&tab, &edit, other.trim()).await?;
            tab.type_into(&edit, "\u{E00C}").await?; // Escape cancels
            tab.wait_text(&label, other.trim()).await?;
            assert_inert(&tab, &hits).await?;
        }
        tab.screenshot("hostile_todomvc").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn click_to_edit_fields_stay_text_when_saved_shown_and_edited_again() {
    with_browser(|tab| async move {
        let hits = start(&tab, "click_to_edit").await?;
        tab.wait_text("#contact_1 .first", "Joe").await?;
        for (n, payload) in PAYLOADS.iter().enumerate() {
            let last = PAYLOADS[(n + 1) % PAYLOADS.len()];
            tab.click("#contact_1 .edit").await?;
            fill(&tab, "input[name=first]", payload).await?;
            fill(&tab, "input[name=last]", last).await?;
            fill(&tab, "input[name=email]", "ada@lovelace.org").await?;
            tab.click("#contact_1 .save").await?;
            tab.wait_text("#contact_1 .first", payload).await?;
            tab.wait_text("#contact_1 .last", last).await?;

            // The form seeds its signals from the stored contact: the stored-XSS path.
            tab.click("#contact_1 .edit").await?;
            wait_value(&tab, "input[name=first]", payload).await?;
            wait_value(&tab, "input[name=last]", last).await?;

            // An invalid email comes back in the form with its error.
            fill(&tab, "input[name=email]", payload).await?;
            tab.click("#contact_1 .save").await?;
            tab.wait_text("#contact_1 .error", "not an email address")
                .await?;
            wait_value(&tab, "input[name=email]", payload).await?;
            tab.click("#contact_1 .cancel").await?;
            tab.wait_text("#contact_1 .first", payload).await?;
            assert_inert(&tab, &hits).await?;
        }
        tab.screenshot("hostile_click_to_edit").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn active_search_queries_stay_text() {
    with_browser(|tab| async move {
        let hits = start(&tab, "active_search").await?;
        tab.wait_text("#summary", "24 of 24 people").await?;
        for payload in PAYLOADS {
            fill(&tab, "#search", payload).await?;
            tab.wait_text("#summary", "0 of 24 people").await?;
            wait_value(&tab, "#search", payload).await?;
            fill(&tab, "#search", "grace").await?;
            tab.wait_text("#summary", "1 of 24 people").await?;
            assert_inert(&tab, &hits).await?;
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn live_feed_posts_stay_text() {
    with_browser(|tab| async move {
        let hits = start(&tab, "live_feed").await?;
        tab.wait_text("#feed_status", "● live").await?;
        let newest =
            "document.querySelector('#posts li')?.textContent.replace(/^\\S+ /, '') ?? null";
        for payload in PAYLOADS {
            fill(&tab, "#message", payload).await?;
            tab.click("#post").await?;
            tab.wait_eq(newest, payload.trim(), "the newest post")
                .await?;
            wait_value(&tab, "#message", "").await?;
            assert_inert(&tab, &hits).await?;
        }
        Ok(())
    })
    .await;
}
