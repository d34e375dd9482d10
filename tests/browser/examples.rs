//! The gallery's ports of the official examples, driven as a user would with the Datastar 1.0.1
//! client: clicks, keys, selects and files, with assertions on the DOM.
//!
//! Every page is served with a recorder: the server logs each request's status, and each HTML
//! page gets a first script that keeps every `console.error`, uncaught error, failed resource
//! and unhandled rejection. A test ends by checking that the page logged no error it did not
//! ask for, that no request failed, and that the page fetched nothing from another host.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::gallery::app;
use crate::harness::{Datastar, Result, TIMEOUT, Tab, serve_app, with_browser};

/// Runs first in every page: keeps what the console would show as an error, and the logs.
const RECORDER: &str = "<script>window.__errors = []; window.__logs = []; {\
    const error = console.error.bind(console), log = console.log.bind(console);\
    console.error = (...a) => { window.__errors.push(a.map(String).join(' ')); error(...a); };\
    console.log = (...a) => { window.__logs.push(a.map(String).join(' ')); log(...a); };\
    addEventListener('error', (e) => window.__errors.push(e.message || \
        `failed to load ${e.target?.src || e.target?.href || e.target}`), true);\
    addEventListener('unhandledrejection', (e) => window.__errors.push(`unhandled: ${e.reason}`));\
    }</script>";

const TAB: char = '\u{E004}';

/// (method, path, status) of every request the gallery answered.
type Log = Arc<Mutex<Vec<(String, String, u16)>>>;

/// The path whose answer waits until the test opens the gate: the lazy graph, held back until
/// the test has seen its placeholder, however slow the machine.
const GATED: &str = "/examples/lazy_load/graph";

/// A fresh gallery with the 1.0.1 client, behind the recorder.
struct Gallery {
    base: String,
    log: Log,
    gate: Arc<Notify>,
}

async fn record(
    State((log, gate)): State<(Log, Arc<Notify>)>,
    request: Request,
    next: Next,
) -> Response {
    let (method, path) = (
        request.method().to_string(),
        request.uri().path().to_owned(),
    );
    if path == GATED {
        gate.notified().await;
    }
    let response = next.run(request).await;
    log.lock()
        .unwrap()
        .push((method, path, response.status().as_u16()));
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !html {
        return response;
    }
    assert!(
        !response.headers().contains_key(header::CONTENT_ENCODING),
        "a compressed page: the recorder cannot go into it"
    );
    let (mut parts, body) = response.into_parts();
    let page = axum::body::to_bytes(body, 4 << 20).await.unwrap();
    let page = String::from_utf8(page.to_vec()).unwrap();
    let page = page.replacen("<head>", &format!("<head>{RECORDER}"), 1);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    (parts, page).into_response()
}

impl Gallery {
    async fn start() -> Gallery {
        let client = Datastar::V101;
        client.source(); // fails with what to do when the client was not fetched
        let (log, gate) = (Log::default(), Arc::new(Notify::new()));
        let app = app::app(app::Client::Local(client.path()))
            .layer(from_fn_with_state((log.clone(), gate.clone()), record));
        Gallery {
            base: serve_app(app).await,
            log,
            gate,
        }
    }

    fn url(&self, example: &str) -> String {
        format!("{}/examples/{example}", self.base)
    }

    /// Opens `example` and waits until the client runs (it hides the "did not load" notice).
    async fn open(&self, tab: &Tab, example: &str) -> Result {
        tab.goto(&self.url(example)).await?;
        tab.wait_count("#client_missing[style*='display: none']", 1)
            .await?;
        tab.wait_eq("window.__errors", json!([]), "no error while loading")
            .await
    }

    /// The requests answered so far whose method and path are these.
    fn requests(&self, method: &str, path: &str) -> Vec<u16> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(m, p, _)| m == method && p == path)
            .map(|(_, _, status)| *status)
            .collect()
    }

    /// No error but `expected`, no failed request, nothing from another host; then a screenshot.
    async fn finish(&self, tab: &Tab, name: &str, expected: &[&str]) -> Result {
        tab.wait_eq(
            "window.__errors",
            json!(expected),
            "only the errors asked for",
        )
        .await?;
        let failed: Vec<_> = (self.log.lock().unwrap().iter())
            .filter(|(_, _, status)| *status >= 400)
            .cloned()
            .collect();
        assert!(failed.is_empty(), "failed requests: {failed:?}");
        let elsewhere = format!(
            "performance.getEntriesByType('resource').map(e => e.name)\
             .filter(n => !n.startsWith({}))",
            serde_json::to_string(&self.base)?
        );
        tab.wait_eq(&elsewhere, json!([]), "nothing fetched from another host")
            .await?;
        screenshots(tab, name).await
    }
}

/// Saves `NAME.png` at 1440 px wide and `NAME-390.png` at a phone's 390 px, then restores the
/// window.
async fn screenshots(tab: &Tab, name: &str) -> Result {
    for (width, height, file) in [
        (1440, 900, name.to_owned()),
        (390, 844, format!("{name}-390")),
    ] {
        tab.0.set_window_size(width, height).await?;
        tab.wait_eq("window.innerWidth", width, "the new width")
            .await?;
        tab.screenshot(&file).await?;
    }
    tab.0.set_window_size(1280, 900).await?;
    Ok(())
}

/// The texts of the elements matching `selector`, joined with `|`.
fn texts(selector: &str) -> String {
    format!(
        "[...document.querySelectorAll({})].map(e => e.textContent.trim()).join('|')",
        serde_json::to_string(selector).unwrap()
    )
}

/// Waits for the `confirm` the page opened; accepts or dismisses it; returns its text.
async fn answer_confirm(tab: &Tab, accept: bool) -> Result<String> {
    let start = Instant::now();
    let text = loop {
        match tab.0.get_alert_text().await {
            Ok(text) => break text,
            Err(_) if start.elapsed() < TIMEOUT => {
                tokio::time::sleep(Duration::from_millis(20)).await; // polling, as `wait_for` does
            }
            Err(e) => return Err(format!("no confirm opened: {e}").into()),
        }
    };
    if accept {
        tab.0.accept_alert().await?;
    } else {
        tab.0.dismiss_alert().await?;
    }
    Ok(text)
}

#[tokio::test]
async fn bulk_update_changes_the_ticked_rows_and_clears_the_ticks() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "bulk_update").await?;
        let statuses = texts("#contacts .status");
        tab.wait_eq(
            &statuses,
            "Active|Active|Active|Inactive",
            "the first statuses",
        )
        .await?;
        tab.click("#contact_0 input").await?;
        tab.click("#contact_2 input").await?;
        tab.click("#deactivate").await?;
        tab.wait_eq(
            &statuses,
            "Inactive|Active|Inactive|Inactive",
            "rows 0 and 2 deactivated",
        )
        .await?;
        // The changed rows flash; the ticks are cleared by the server's signals.
        tab.wait_count("#contacts tr.deactivated", 2).await?;
        tab.wait_count("#contacts input:checked", 0).await?;

        tab.click("#select_all").await?;
        tab.wait_count("#contacts input:checked", 4).await?;
        tab.click("#activate").await?;
        tab.wait_eq(
            &statuses,
            "Active|Active|Active|Active",
            "every row activated",
        )
        .await?;
        tab.wait_count("#contacts tr.activated", 3).await?;
        tab.wait_count("input:checked", 0).await?;
        gallery.finish(&tab, "bulk_update", &[]).await?;

        // The visitor's contacts are kept on the server.
        tab.goto(&gallery.url("bulk_update")).await?;
        tab.wait_eq(
            &statuses,
            "Active|Active|Active|Active",
            "the statuses after a reload",
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn delete_row_removes_exactly_that_row_after_the_confirm() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "delete_row").await?;
        let names = texts("#delete_row td.name");
        let all = "Joe Smith|Angie MacDowell|Fuqua Tarkenton|Kim Yee";
        tab.wait_eq(&names, all, "four contacts").await?;

        // Dismissed: nothing is sent, nothing goes.
        tab.click("#contact_1 .delete").await?;
        assert_eq!(answer_confirm(&tab, false).await?, "Are you sure?");
        tab.wait_eq(&names, all, "four contacts still").await?;
        let path = "/examples/delete_row/contact/1";
        assert!(
            gallery.requests("DELETE", path).is_empty(),
            "a DELETE was sent"
        );

        tab.click("#contact_1 .delete").await?;
        answer_confirm(&tab, true).await?;
        tab.wait_eq(
            &names,
            "Joe Smith|Fuqua Tarkenton|Kim Yee",
            "Angie's row gone",
        )
        .await?;
        assert_eq!(gallery.requests("DELETE", path), [200]);
        gallery.finish(&tab, "delete_row", &[]).await?;

        tab.goto(&gallery.url("delete_row")).await?;
        tab.wait_eq(
            &names,
            "Joe Smith|Fuqua Tarkenton|Kim Yee",
            "still gone after a reload",
        )
        .await?;
        tab.click("#reset").await?;
        tab.wait_eq(&names, all, "every contact back").await
    })
    .await;
}

#[tokio::test]
async fn edit_row_edits_one_row_and_refuses_a_bad_email() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "edit_row").await?;
        tab.wait_count("#edit_row button.edit", 4).await?;

        tab.click("#contact_2 .edit").await?;
        tab.wait_eq(
            "document.querySelector('#contact_2 input.name')?.value",
            "Fuqua Tarkenton",
            "the row's name in its input",
        )
        .await?;
        // One row at a time: the other Edit buttons are gone.
        tab.wait_count("#edit_row button.edit", 0).await?;
        tab.replace_text("#contact_2 input.name", "Fran Tarkenton")
            .await?;
        tab.replace_text("#contact_2 input.email", "fran").await?;
        tab.click("#contact_2 .save").await?;
        tab.wait_text("#contact_2 .error", "`fran` is not an email address.")
            .await?;
        tab.replace_text("#contact_2 input.email", "fran@tarkenton.org")
            .await?;
        tab.click("#contact_2 .save").await?;
        tab.wait_text("#contact_2 .name", "Fran Tarkenton").await?;
        tab.wait_text("#contact_2 .email", "fran@tarkenton.org")
            .await?;

        // Cancel keeps the stored values.
        tab.click("#contact_0 .edit").await?;
        tab.replace_text("#contact_0 input.name", "Nobody").await?;
        tab.click("#contact_0 .cancel").await?;
        tab.wait_text("#contact_0 .name", "Joe Smith").await?;
        tab.wait_count("#edit_row button.edit", 4).await?;
        gallery.finish(&tab, "edit_row", &[]).await?;

        tab.goto(&gallery.url("edit_row")).await?;
        tab.wait_text("#contact_2 .name", "Fran Tarkenton").await
    })
    .await;
}

#[tokio::test]
async fn inline_validation_shows_the_error_on_blur_and_clears_it_when_fixed() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "inline_validation").await?;
        tab.click("#input_firstName").await?;
        tab.type_into("#input_firstName", "A").await?;
        // Typing alone checks nothing: the field is checked when it is left.
        assert!(
            gallery
                .requests("GET", "/examples/inline_validation/validate")
                .is_empty()
        );
        tab.type_into("#input_firstName", &TAB.to_string()).await?;
        tab.wait_text(
            "#error_firstName",
            "First name must be at least 2 characters.",
        )
        .await?;
        tab.wait_count(".error", 1).await?; // the empty fields are not blamed

        // Now that it is wrong, it is checked as it is typed: the message goes once it is right.
        tab.click("#input_firstName").await?;
        tab.type_into("#input_firstName", "da").await?;
        tab.wait_count("#error_firstName", 0).await?;
        assert_eq!(
            tab.eval("document.activeElement.id").await?,
            "input_firstName"
        );
        tab.wait_eq(
            "document.getElementById('input_firstName').value",
            "Ada",
            "the text kept",
        )
        .await?;

        tab.click("#input_email").await?;
        tab.type_into("#input_email", &format!("ada@example.com{TAB}"))
            .await?;
        tab.wait_text(
            "#error_email",
            "Email 'ada@example.com' is already taken or is invalid. Please enter another email.",
        )
        .await?;
        tab.replace_text("#input_email", "test@test.com").await?;
        tab.wait_count("#error_email", 0).await?;
        tab.click("#input_lastName").await?;
        tab.type_into("#input_lastName", &format!("Lovelace{TAB}"))
            .await?;
        tab.wait_eq(
            "document.getElementById('sign_up').disabled",
            false,
            "Sign up enabled",
        )
        .await?;

        // The same check as a QUERY request: same handler, signals in the body.
        tab.click("#query_check").await?;
        let answer = "document.getElementById('query_answer').textContent";
        tab.wait_for(
            answer,
            |v| {
                let v = v.as_str().unwrap_or_default();
                v.starts_with("event: datastar-patch-elements")
                    && v.contains("id=\"inline_validation\"")
            },
            TIMEOUT,
            "the events of the QUERY",
        )
        .await?;
        let path = "/examples/inline_validation/validate";
        assert_eq!(gallery.requests("QUERY", path), [200]);
        gallery.finish(&tab, "inline_validation", &[]).await?;

        tab.click("#sign_up").await?;
        tab.wait_text("#thanks", "Thank you for signing up, Ada!")
            .await
    })
    .await;
}

#[tokio::test]
async fn lazy_load_shows_a_placeholder_then_the_graph() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        tab.goto(&gallery.url("lazy_load")).await?;
        // The placeholder shows while the graph is on its way (held back until seen here).
        tab.wait_text("#loading", "Loading the graph…").await?;
        gallery.gate.notify_one();
        tab.wait_count("#lazy_load svg rect.bar", 12).await?;
        tab.wait_count("#loading", 0).await?;
        assert_eq!(gallery.requests("GET", "/examples/lazy_load/graph"), [200]);
        gallery.finish(&tab, "lazy_load", &[]).await
    })
    .await;
}

#[tokio::test]
async fn lazy_tabs_fetch_the_chosen_tab() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "lazy_tabs").await?;
        tab.wait_text("#tab_content h3", "Tab 0").await?;
        for n in [3, 7, 1] {
            tab.click(&format!("#tab_{n}")).await?;
            tab.wait_text("#tab_content h3", &format!("Tab {n}"))
                .await?;
            tab.wait_eq(
                texts("[role=tab][aria-selected=true]").as_str(),
                format!("Tab {n}"),
                "one tab marked",
            )
            .await?;
        }
        assert_eq!(gallery.requests("GET", "/examples/lazy_tabs/tab/7"), [200]);
        gallery.finish(&tab, "lazy_tabs", &[]).await
    })
    .await;
}

#[tokio::test]
async fn infinite_scroll_loads_rows_as_the_end_comes_into_view() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "infinite_scroll").await?;
        let count = "document.querySelectorAll('#agents tr').length";
        let mut rows = tab.eval(count).await?.as_u64().unwrap_or_default();
        assert!(rows >= 10, "{rows} rows");
        while rows < 100 {
            // Scroll the list to its end, as a user would with the wheel.
            tab.eval("(el => (el.scrollTop = el.scrollHeight, true))(document.getElementById('infinite_scroll'))")
                .await?;
            let more = tab
                .wait_for(count, |v| v.as_u64() > Some(rows), TIMEOUT, "more rows")
                .await?;
            rows = more.as_u64().unwrap_or_default();
        }
        assert_eq!(rows, 100);
        tab.wait_text(
            "#loading_message",
            "That's enough scrolling for you today: all 100 agents.",
        )
        .await?;
        let names: Vec<String> = (0..100).map(|n| format!("Agent Smith {n}")).collect();
        tab.wait_eq(&texts("#agents td:first-child"), names.join("|"), "rows 0 to 99 in order")
            .await?;
        gallery.finish(&tab, "infinite_scroll", &[]).await
    })
    .await;
}

#[tokio::test]
async fn value_select_loads_the_models_of_the_chosen_make() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "value_select").await?;
        tab.wait_count("#model", 0).await?;
        tab.element("#make")
            .await?
            .select_by_value("toyota")
            .await?;
        tab.wait_eq(
            &texts("#model option:not([disabled])"),
            "Land Cruiser|Corolla|Camry",
            "Toyota's models",
        )
        .await?;
        tab.element("#model")
            .await?
            .select_by_value("corolla")
            .await?;
        tab.wait_text("#submit", "Submit Toyota / Corolla").await?;

        // Another make: its models, and the model chosen before is cleared.
        tab.element("#make").await?.select_by_value("ford").await?;
        tab.wait_eq(
            &texts("#model option:not([disabled])"),
            "F-150|Mustang|Focus",
            "Ford's models",
        )
        .await?;
        tab.wait_count("#submit", 0).await?;
        tab.element("#model")
            .await?
            .select_by_value("mustang")
            .await?;
        tab.click("#submit").await?;
        tab.wait_text("#chosen", "You chose the Ford Mustang.")
            .await?;
        gallery.finish(&tab, "value_select", &[]).await?;

        tab.click("#again").await?;
        tab.wait_count("#make", 1).await?;
        tab.wait_count("#model", 0).await
    })
    .await;
}

#[tokio::test]
async fn file_upload_reports_the_file_and_refuses_one_too_big() {
    with_browser(|tab| async move {
        let dir = tempfile::tempdir()?;
        let small = dir.path().join("notes.txt");
        std::fs::write(&small, "hello, datastar\n")?;
        let big = dir.path().join("big.bin");
        std::fs::write(&big, vec![7u8; 1536 * 1024])?;

        let gallery = Gallery::start().await;
        gallery.open(&tab, "file_upload").await?;
        tab.type_into("#files", &small.display().to_string())
            .await?;
        tab.click("#upload").await?;
        tab.wait_text("#upload_result td.name", "notes.txt").await?;
        tab.wait_text("#upload_result td.size", "16 bytes").await?;
        tab.wait_text("#upload_result caption", "Received 1 file(s), 16 bytes.")
            .await?;

        gallery.open(&tab, "file_upload").await?;
        tab.type_into("#files", &big.display().to_string()).await?;
        tab.click("#upload").await?;
        tab.wait_text(
            "#upload_error",
            "big.bin is 1.5 MiB: the limit is 1.0 MiB. Nothing was kept.",
        )
        .await?;
        assert_eq!(
            gallery.requests("POST", "/examples/file_upload/upload"),
            [200, 200]
        );
        gallery.finish(&tab, "file_upload", &[]).await
    })
    .await;
}

#[tokio::test]
async fn sortable_keeps_the_new_order_across_a_reload() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "sortable").await?;
        let order = texts("#sortable_list li span");
        tab.wait_eq(
            &order,
            "Item 1|Item 2|Item 3|Item 4|Item 5",
            "the first order",
        )
        .await?;
        tab.click("#item_3 .move_up").await?;
        tab.wait_eq(&order, "Item 1|Item 3|Item 2|Item 4|Item 5", "item 3 up")
            .await?;
        tab.wait_text("#order_info", "Item 3 moved from place 3 to 2")
            .await?;
        tab.click("#item_1 .move_down").await?;
        tab.wait_eq(&order, "Item 3|Item 1|Item 2|Item 4|Item 5", "item 1 down")
            .await?;
        tab.wait_text("#order_info", "Item 1 moved from place 1 to 2")
            .await?;
        // The ends cannot move further.
        tab.wait_eq(
            "document.querySelector('#item_3 .move_up').disabled",
            true,
            "first cannot go up",
        )
        .await?;
        gallery.finish(&tab, "sortable", &[]).await?;

        tab.goto(&gallery.url("sortable")).await?;
        tab.wait_eq(
            &order,
            "Item 3|Item 1|Item 2|Item 4|Item 5",
            "the order after a reload",
        )
        .await?;
        tab.click("#reset").await?;
        tab.wait_eq(
            &order,
            "Item 1|Item 2|Item 3|Item 4|Item 5",
            "the order reset",
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn backend_actions_each_do_what_they_say() {
    with_browser(|tab| async move {
        let gallery = Gallery::start().await;
        gallery.open(&tab, "backend_actions").await?;
        tab.eval("(window.__same_page = true)").await?;
        let starts = |prefix: &'static str| move |v: &Value| v.as_str().is_some_and(|s| s.starts_with(prefix));

        tab.click("#patch_signals").await?;
        tab.wait_for("document.getElementById('said').textContent", starts("Hello from the server at "), TIMEOUT, "the patched signal")
            .await?;
        tab.click("#execute_script").await?;
        tab.wait_text("#script_output", "Written by a script from the server").await?;
        tab.click("#console_log").await?;
        tab.wait_for("window.__logs.at(-1) ?? ''", starts("Hello from the server at "), TIMEOUT, "the log")
            .await?;
        tab.click("#console_error").await?;
        tab.wait_eq("window.__errors", json!(["An error the server asked for"]), "the error")
            .await?;
        tab.click("#dispatch_event").await?;
        tab.wait_for(
            "JSON.parse(document.getElementById('event_detail').textContent || 'null')?.text",
            |v| v == "hello",
            TIMEOUT,
            "the event's detail",
        )
        .await?;
        tab.click("#replace_url").await?;
        tab.wait_for(
            "location.pathname + location.search",
            |v| v.as_str().is_some_and(|s| s.strip_prefix("/examples/backend_actions?page=").is_some_and(|n| n.parse::<u8>().is_ok())),
            TIMEOUT,
            "a new ?page= in the address",
        )
        .await?;
        tab.click("#prefetch").await?;
        tab.wait_eq(
            "[...document.querySelectorAll('script[type=speculationrules]')].map(s => JSON.parse(s.textContent).prefetch[0].urls)",
            json!([["/examples/lazy_load", "/examples/lazy_tabs"]]),
            "one speculation rule",
        )
        .await?;
        // Every action's script is gone once run, but the rules, which must stay.
        tab.wait_count("body script:not([type=speculationrules])", 0).await?;
        tab.wait_eq("window.__same_page", true, "no page load so far").await?;
        gallery.finish(&tab, "backend_actions", &["An error the server asked for"]).await?;

        tab.click("#redirect").await?;
        tab.wait_text("#redirected", "The server's redirect brought you back here.")
            .await?;
        tab.wait_eq("location.search", "?redirected=true", "the redirect's URL").await?;
        tab.wait_eq("window.__errors", json!([]), "no error after the redirect").await
    })
    .await;
}
