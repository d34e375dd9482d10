//! The examples gallery, driven as a user would with the Datastar 1.0.1 client: each test
//! clicks and types, asserts on the DOM, and saves a screenshot under `target/screenshots/`.

use serde_json::Value;

use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::harness::{
    BACKSPACE, Datastar, ENTER, Result, TIMEOUT, Tab, serve_app, with_browser, with_browsers,
};

#[allow(dead_code)]
#[path = "../../examples/gallery/main.rs"]
pub(crate) mod app;

/// Serves a fresh gallery with the local 1.0.1 client; returns the URL of `example`.
async fn open(tab: &Tab, example: &str) -> Result<String> {
    let url = start().await;
    let page = format!("{url}/examples/{example}");
    tab.goto(&page).await?;
    Ok(page)
}

async fn start() -> String {
    let client = Datastar::V101;
    client.source(); // fails with what to do when the client was not fetched
    serve_app(app::app(app::Client::Local(client.path()))).await
}

#[tokio::test]
async fn index_links_every_example() {
    with_browser(|tab| async move {
        tab.goto(&start().await).await?;
        tab.wait_count("ul.cards a", 17).await?;
        tab.click("ul.cards a[href='/examples/todomvc']").await?;
        tab.wait_text("main h1", "TodoMVC").await?;
        // The client started, so the notice that it did not load is hidden (by Datastar itself).
        tab.wait_count("#client_missing[style*='display: none']", 1)
            .await?;
        // The page shows its own source beside the demo.
        let source = tab
            .eval("document.querySelector('section.source pre.code').textContent")
            .await?;
        assert!(
            source
                .as_str()
                .unwrap_or_default()
                .contains("async fn add("),
            "source: {source}"
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn click_to_edit_round_trips_a_change() {
    with_browser(|tab| async move {
        let page = open(&tab, "click_to_edit").await?;
        tab.wait_text("#contact_1 .first", "Joe").await?; // loaded by data-init

        tab.click("#contact_1 .edit").await?;
        tab.replace_text("input[name=first]", "Ada").await?;
        tab.replace_text("input[name=email]", "not-an-email")
            .await?;
        tab.click("#contact_1 .save").await?;
        tab.wait_text("#contact_1 .error", "not an email address")
            .await?;
        // The form came back with the error; what the user typed is still there.
        tab.wait_eq(
            "document.querySelector('input[name=first]').value",
            "Ada",
            "the first name kept",
        )
        .await?;
        tab.screenshot("click_to_edit").await?;

        tab.replace_text("input[name=email]", "ada@lovelace.org")
            .await?;
        tab.click("#contact_1 .save").await?;
        tab.wait_text("#contact_1 .first", "Ada").await?;
        tab.wait_text("#contact_1 .email", "ada@lovelace.org")
            .await?;

        // Cancel restores the view without saving.
        tab.click("#contact_1 .edit").await?;
        tab.replace_text("input[name=last]", "Byron").await?;
        tab.click("#contact_1 .cancel").await?;
        tab.wait_text("#contact_1 .last", "Blow").await?;

        // The change was stored on the server: a reload shows it.
        tab.goto(&page).await?;
        tab.wait_text("#contact_1 .first", "Ada").await
    })
    .await;
}

#[tokio::test]
async fn active_search_filters_and_morphing_keeps_the_focused_input() {
    with_browser(|tab| async move {
        open(&tab, "active_search").await?;
        tab.wait_text("#summary", "24 of 24 people").await?;
        // Record whether the indicator ever shows while a search is in flight, and whether the
        // input moves or changes size meanwhile (it must not: the indicator's room is kept).
        tab.eval(
            "(window.__spinnerShown = false, window.__inputBoxes = new Set(), \
              new MutationObserver(() => { \
               if (getComputedStyle(document.getElementById('spinner')).visibility === 'visible') \
                 window.__spinnerShown = true; \
               const r = document.getElementById('search').getBoundingClientRect(); \
               window.__inputBoxes.add([r.x, r.y, r.width, r.height].join(',')); \
             }).observe(document.getElementById('active_search'), \
               {attributes: true, childList: true, subtree: true}))",
        )
        .await?;

        tab.click("#search").await?;
        tab.type_into("#search", "bell").await?;
        tab.wait_text("#summary", "4 of 24 people").await?;
        tab.wait_eq("window.__spinnerShown", true, "the search indicator shown")
            .await?;
        tab.wait_text("#spinner", "Searching…").await?;
        tab.wait_eq(
            "getComputedStyle(document.getElementById('spinner')).visibility",
            "hidden",
            "the indicator hidden again",
        )
        .await?;
        assert_eq!(
            tab.eval("window.__inputBoxes.size").await?,
            1,
            "the input moved while the indicator showed: {}",
            tab.eval("[...window.__inputBoxes].join(' / ')").await?
        );
        // The whole component, input included, was morphed: focus and text survive.
        let focused = tab.eval("document.activeElement.id").await?;
        assert_eq!(focused, "search", "focus moved to {focused}");
        tab.wait_eq(
            "document.getElementById('search').value",
            "bell",
            "the typed text kept",
        )
        .await?;

        let erase: String = std::iter::repeat_n(BACKSPACE, 4).collect();
        tab.type_into("#search", &format!("{erase}grace")).await?;
        tab.wait_text("#summary", "1 of 24 people").await?;
        tab.wait_text("#results td", "Grace").await?;
        assert_eq!(tab.eval("document.activeElement.id").await?, "search");
        tab.screenshot("active_search").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn click_to_load_appends_rows_at_the_end() {
    with_browser(|tab| async move {
        open(&tab, "click_to_load").await?;
        tab.wait_count("#agents tr", 10).await?;
        for rows in [20, 30, 40, 45] {
            tab.click("#load_more").await?;
            tab.wait_count("#agents tr", rows).await?;
        }
        tab.wait_count("#load_more", 0).await?;
        let order = "[...document.querySelectorAll('#agents tr td:nth-child(2)')]\
                     .map(td => td.textContent).join(',')";
        let expected: Vec<String> = (1..=45).map(|n| format!("Agent {n}")).collect();
        tab.wait_eq(order, expected.join(","), "rows 1 to 45 in order")
            .await?;
        tab.screenshot("click_to_load").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn progress_updates_arrive_one_by_one() {
    with_browser(|tab| async move {
        open(&tab, "progress_bar").await?;
        // Record every value the bar shows, with the time it showed up.
        tab.eval(
            "(window.__seen = [], new MutationObserver(() => { \
               const v = document.getElementById('progress_value')?.textContent; \
               const last = window.__seen[window.__seen.length - 1]; \
               if (v && (!last || last.v !== v)) window.__seen.push({v, t: performance.now()}); \
             }).observe(document.body, {childList: true, subtree: true, characterData: true}))",
        )
        .await?;
        tab.click("#start").await?;
        tab.wait_text("#progress_value", "50%").await?;
        tab.screenshot("progress_bar").await?;
        tab.wait_text("#progress_done", "Done.").await?;

        let seen = tab.eval("window.__seen").await?;
        let seen = seen.as_array().ok_or("no values recorded")?;
        let values: Vec<u64> = seen
            .iter()
            .map(|s| {
                s["v"]
                    .as_str()
                    .unwrap()
                    .trim_end_matches('%')
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(
            values.len() >= 20,
            "only {} distinct values seen: {values:?}",
            values.len()
        );
        assert!(
            values.windows(2).all(|w| w[0] < w[1]),
            "not increasing: {values:?}"
        );
        assert_eq!(values.last(), Some(&100), "values: {values:?}");
        // A response buffered until the end would show every value at the same moment.
        let time = |s: &Value| s["t"].as_f64().unwrap();
        let spread = time(seen.last().unwrap()) - time(&seen[0]);
        assert!(
            spread > 1500.0,
            "all {} values within {spread} ms",
            values.len()
        );
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn live_feed_reaches_every_open_tab() {
    with_browsers(2, |tabs| async move {
        let url = start().await;
        let page = format!("{url}/examples/live_feed");
        for tab in &tabs {
            tab.goto(&page).await?;
            tab.wait_text("#feed_status", "● live").await?;
        }
        let (alice, bob) = (&tabs[0], &tabs[1]);
        let posts = "[...document.querySelectorAll('#posts li')].map(li => li.textContent.replace(/^\\S+ /, '')).join('|')";

        alice.type_into("#message", "hello from Alice").await?;
        alice.click("#post").await?;
        for tab in &tabs {
            tab.wait_eq(posts, "hello from Alice", "Alice's post in every tab").await?;
        }
        alice.wait_eq("document.getElementById('message').value", "", "Alice's input emptied").await?;

        bob.type_into("#message", &format!("hi Alice{ENTER}")).await?;
        for tab in &tabs {
            tab.wait_eq(posts, "hi Alice|hello from Alice", "both posts, newest first").await?;
        }
        bob.screenshot("live_feed").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn todomvc_adds_edits_toggles_filters_and_clears() {
    with_browser(|tab| async move {
        open(&tab, "todomvc").await?;
        let titles = "[...document.querySelectorAll('#todo_list li')]\
                      .map(li => li.querySelector('label')?.textContent ?? '').join('|')";
        tab.wait_eq(
            titles,
            "Taste Datastar|Write a Rust handler",
            "the two first todos",
        )
        .await?;

        tab.click("#new_todo").await?;
        tab.type_into("#new_todo", &format!("Buy milk{ENTER}"))
            .await?;
        tab.wait_eq(
            titles,
            "Taste Datastar|Write a Rust handler|Buy milk",
            "the new todo",
        )
        .await?;
        tab.wait_eq(
            "document.getElementById('new_todo').value",
            "",
            "the input emptied",
        )
        .await?;
        assert_eq!(
            tab.eval("document.activeElement.id").await?,
            "new_todo",
            "focus kept"
        );
        tab.wait_text("#todo_count", "3 items left").await?;

        tab.click("#todo_3 .toggle").await?;
        tab.wait_text("#todo_count", "2 items left").await?;
        tab.click("#filter_active").await?;
        tab.wait_eq(
            titles,
            "Taste Datastar|Write a Rust handler",
            "active todos",
        )
        .await?;
        tab.click("#filter_completed").await?;
        tab.wait_eq(titles, "Buy milk", "completed todos").await?;
        tab.click("#filter_all").await?;
        tab.wait_count("#todo_list li", 3).await?;

        tab.double_click("#todo_1 label").await?;
        tab.replace_text(
            "#todo_1 input.edit",
            &format!("Taste Datastar daily{ENTER}"),
        )
        .await?;
        tab.wait_eq(
            titles,
            "Taste Datastar daily|Write a Rust handler|Buy milk",
            "the edit",
        )
        .await?;

        tab.click("#todo_2 .destroy").await?;
        tab.wait_eq(titles, "Taste Datastar daily|Buy milk", "todo 2 deleted")
            .await?;
        tab.screenshot("todomvc").await?;
        tab.click("#clear_completed").await?;
        tab.wait_eq(titles, "Taste Datastar daily", "completed todos cleared")
            .await?;

        tab.click("#toggle_all").await?;
        tab.wait_text("#todo_count", "0 items left").await?;
        let probe = "document.querySelector('#todo_1 .toggle').checked";
        tab.wait_for(
            probe,
            |v| *v == true,
            TIMEOUT,
            "todo 1 checked by toggle all",
        )
        .await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn active_search_says_when_no_one_matches_and_keeps_its_indicator_out_of_requests() {
    with_browser(|tab| async move {
        open(&tab, "active_search").await?;
        tab.wait_text("#summary", "24 of 24 people").await?;
        tab.type_into("#search", "zzz").await?;
        tab.wait_text("#summary", "0 of 24 people").await?;
        tab.wait_text("#no_match", "No one matches “zzz”.").await?;
        // The wire panel shows what the request carried: the search, not the indicator.
        tab.wait_for(
            "[...document.querySelectorAll('#wire_log pre.signals')].map(p => p.textContent).join('|')",
            |v| v.as_str().is_some_and(|s| s.contains(r#""search":"zzz""#)),
            TIMEOUT,
            "the search's signals on the wire",
        )
        .await?;
        let sent = tab
            .eval("[...document.querySelectorAll('#wire_log pre.signals')].map(p => p.textContent).join('|')")
            .await?;
        assert!(!sent.as_str().unwrap_or_default().contains("searching"), "sent: {sent}");
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn click_to_edit_shows_that_it_is_loading_and_resets() {
    with_browser(|tab| async move {
        open(&tab, "click_to_edit").await?;
        tab.wait_text("#contact_1 .first", "Joe").await?;
        tab.eval(
            "(window.__loadingShown = false, new MutationObserver(() => { \
               if (getComputedStyle(document.getElementById('contact_loading')).visibility === 'visible') \
                 window.__loadingShown = true; \
             }).observe(document.body, {attributes: true, childList: true, subtree: true}))",
        )
        .await?;
        tab.click("#contact_1 .edit").await?;
        tab.replace_text("input[name=first]", "Ada").await?;
        tab.click("#contact_1 .save").await?;
        tab.wait_text("#contact_1 .first", "Ada").await?;
        tab.wait_eq("window.__loadingShown", true, "the loading indicator shown").await?;
        tab.wait_eq(
            "getComputedStyle(document.getElementById('contact_loading')).visibility",
            "hidden",
            "the indicator hidden again",
        )
        .await?;
        tab.click("#contact_1 .reset").await?;
        tab.wait_text("#contact_1 .first", "Joe").await?;
        // Stored: a reload shows the reset contact.
        tab.goto(tab.0.current_url().await?.as_ref()).await?;
        tab.wait_text("#contact_1 .first", "Joe").await
    })
    .await;
}

#[tokio::test]
async fn todomvc_focuses_the_edit_field_and_saves_on_blur() {
    with_browser(|tab| async move {
        open(&tab, "todomvc").await?;
        tab.wait_count("#todo_list li", 2).await?;
        tab.double_click("#todo_1 label").await?;
        tab.element("#todo_1 input.edit").await?;
        tab.wait_eq(
            "document.activeElement?.matches('#todo_1 input.edit') ?? false",
            true,
            "the edit field focused",
        )
        .await?;
        // Leaving the field saves what was typed.
        tab.type_into("#todo_1 input.edit", " now").await?;
        tab.click("#new_todo").await?;
        tab.wait_text("#todo_1 label", "Taste Datastar now").await?;
        // Escape cancels, and the next blur does not save the cancelled text.
        tab.double_click("#todo_2 label").await?;
        tab.type_into("#todo_2 input.edit", " later\u{E00C}")
            .await?;
        tab.wait_text("#todo_2 label", "Write a Rust handler")
            .await?;
        tab.click("#new_todo").await?;
        tab.goto(tab.0.current_url().await?.as_ref()).await?;
        tab.wait_text("#todo_2 label", "Write a Rust handler")
            .await?;
        tab.wait_text("#todo_1 label", "Taste Datastar now").await
    })
    .await;
}

#[tokio::test]
async fn todomvc_second_tab_of_the_same_visitor_gets_the_change() {
    with_browser(|tab| async move {
        let page = open(&tab, "todomvc").await?;
        tab.wait_count("#todo_list li", 2).await?;
        let first = tab.0.window().await?;
        let second = tab.0.new_window(false).await?.handle;
        tab.0.switch_to_window(second.clone()).await?;
        tab.goto(&page).await?; // the same browser: the same session cookie, the same list
        tab.wait_count("#todo_list li", 2).await?;

        tab.0.switch_to_window(first.clone()).await?;
        tab.type_into("#new_todo", &format!("From the first tab{ENTER}"))
            .await?;
        tab.wait_count("#todo_list li", 3).await?;
        tab.0.switch_to_window(second).await?;
        tab.wait_text("#todo_3 label", "From the first tab").await?;
        tab.click("#todo_3 .toggle").await?;
        tab.wait_text("#todo_count", "2 items left").await?;
        tab.0.switch_to_window(first).await?;
        tab.wait_text("#todo_count", "2 items left").await
    })
    .await;
}

/// A TCP relay to `target` on a fixed port, that can be cut (every connection closed, the port
/// refusing) and restored: the server going away and coming back, as the browser sees it.
struct Relay {
    port: u16,
    target: std::net::SocketAddr,
    cut: Arc<Notify>,
}

impl Relay {
    async fn start(target: &str) -> Result<Self> {
        let target = target.trim_start_matches("http://").parse()?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let relay = Relay {
            port,
            target,
            cut: Arc::new(Notify::new()),
        };
        relay.run(listener);
        Ok(relay)
    }

    fn run(&self, listener: TcpListener) {
        let (target, cut) = (self.target, self.cut.clone());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { return };
                        let cut = cut.clone();
                        tokio::spawn(async move {
                            let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                                () = cut.notified() => {}
                            }
                        });
                    }
                    () = cut.notified() => return, // drops the listener: connections refused
                }
            }
        });
    }

    fn cut(&self) {
        self.cut.notify_waiters();
    }

    async fn restore(&self) -> Result {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await?;
        self.run(listener);
        Ok(())
    }
}

#[tokio::test]
async fn live_feed_says_it_is_offline_while_the_server_is_down() {
    with_browser(|tab| async move {
        let relay = Relay::start(&start().await).await?;
        tab.goto(&format!(
            "http://127.0.0.1:{}/examples/live_feed",
            relay.port
        ))
        .await?;
        tab.wait_text("#feed_status", "● live").await?;
        let shown = |id: &str| {
            format!("getComputedStyle(document.getElementById('{id}')).display !== 'none'")
        };
        tab.wait_eq(
            &shown("feed_offline"),
            false,
            "no offline notice while live",
        )
        .await?;

        relay.cut();
        tab.wait_eq(&shown("feed_offline"), true, "the offline notice")
            .await?;
        tab.wait_eq(&shown("feed_status"), false, "'live' hidden while offline")
            .await?;
        tab.screenshot("live_feed_offline").await?;

        relay.restore().await?;
        tab.wait_eq(
            &shown("feed_offline"),
            false,
            "the notice gone once reconnected",
        )
        .await?;
        tab.wait_text("#feed_status", "● live").await?;
        tab.wait_eq(&shown("feed_status"), true, "'live' shown again")
            .await?;
        // Failed loads while the server was down are expected here; the log is drained.
        tab.console_log().await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_wire_panel_shows_the_event_a_click_produced() {
    with_browser(|tab| async move {
        open(&tab, "click_to_edit").await?;
        tab.wait_text("#contact_1 .first", "Joe").await?;
        tab.click("#contact_1 .edit").await?;
        tab.element("input[name=first]").await?;
        let exchange = "[...document.querySelectorAll('#wire_log .exchange')].find(e => \
                        e.querySelector('.request code')?.textContent === '/examples/click_to_edit/contact/1/edit')";
        tab.wait_for(
            &format!("({exchange})?.querySelector('.event pre')?.textContent ?? ''"),
            |v| {
                v.as_str().is_some_and(|s| {
                    s.starts_with("event: datastar-patch-elements\n")
                        && s.contains(r#"data: elements <div id="contact_1""#)
                        && s.contains("data-bind=\"first\"")
                })
            },
            TIMEOUT,
            "the edit form's event, as text, on the wire panel",
        )
        .await?;
        let response = tab.eval(&format!("({exchange}).querySelector('.response').textContent")).await?;
        let response = response.as_str().unwrap_or_default();
        // Chromium accepts brotli, which the gallery prefers: the wire size is the smaller.
        assert!(response.contains("200 text/event-stream, br · 1 event"), "{response}");
        let sizes = tab.eval(&format!("({exchange}).querySelector('.event .size').textContent")).await?;
        let sizes: Vec<u64> = sizes
            .as_str()
            .unwrap_or_default()
            .split(" → ")
            .map(|s| s.trim_end_matches(" B").parse().unwrap_or(0))
            .collect();
        assert!(sizes.len() == 2 && sizes[1] > 0 && sizes[1] < sizes[0], "sizes: {sizes:?}");
        tab.screenshot("wire_panel").await?;
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_copy_button_puts_the_whole_file_on_the_clipboard() {
    with_browser(|tab| async move {
        open(&tab, "click_to_edit").await?;
        tab.wait_text("#copy_source", "Copy").await?;
        // Record what is written, and still write it (the promise decides what the button says).
        tab.eval(
            "(() => { const write = navigator.clipboard.writeText.bind(navigator.clipboard); \
               navigator.clipboard.writeText = (text) => { window.__copied = text; return write(text); }; \
               return true })()",
        )
        .await?;
        tab.click("#copy_source").await?;
        tab.wait_text("#copy_source", "Copied").await?;
        let copied = tab.eval("window.__copied").await?;
        assert_eq!(
            copied.as_str(),
            Some(include_str!("../../examples/gallery/click_to_edit.rs")),
            "the file as it is on disk"
        );
        let pasted = tab.eval("navigator.clipboard.readText().catch(e => 'unreadable: ' + e)").await?;
        if !pasted.as_str().unwrap_or_default().starts_with("unreadable") {
            assert_eq!(pasted, copied, "the clipboard holds the file");
        }
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_source_panel_puts_the_handlers_first_and_folds_the_plumbing() {
    with_browser(|tab| async move {
        open(&tab, "todomvc").await?;
        let first_code = tab
            .eval("document.querySelector('section.source pre.code .chunk .text').parentElement.parentElement.textContent")
            .await?;
        let first_code = first_code.as_str().unwrap_or_default();
        assert!(first_code.contains("async fn"), "the first item shown: {first_code}");
        // The route table is there, folded.
        tab.wait_eq(
            "[...document.querySelectorAll('section.source details.plumbing .text')].some(t => t.textContent.includes('pub fn routes('))",
            true,
            "routes() in the folded part",
        )
        .await?;
        assert_eq!(tab.eval("document.querySelector('section.source details.plumbing').open").await?, false);
        // Highlighted on the server: keywords, functions and macros have their classes.
        for class in ["hl-keyword", "hl-function", "hl-function-macro", "hl-type", "hl-string", "hl-comment"] {
            let n = tab.eval(&format!("document.querySelectorAll('section.source .{class}').length")).await?;
            assert!(n.as_u64().unwrap_or(0) > 0, "no .{class}");
        }
        // Line numbers are those of the file.
        let ln = tab
            .eval("[...document.querySelectorAll('section.source .line')].find(l => l.textContent.includes('async fn add(')).querySelector('.ln').textContent")
            .await?;
        let file = include_str!("../../examples/gallery/todomvc.rs");
        let line = file.lines().position(|l| l.contains("async fn add(")).unwrap() + 1;
        assert_eq!(ln, line.to_string());
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn the_nav_marks_the_current_page() {
    with_browser(|tab| async move {
        let url = start().await;
        let current = "[...document.querySelectorAll('header.top a[aria-current=page]')].map(a => a.getAttribute('href')).join(',')";
        tab.goto(&url).await?;
        tab.wait_eq(current, "/", "the home link marked").await?;
        for example in app::layout::EXAMPLES {
            tab.goto(&format!("{url}/examples/{}", example.slug)).await?;
            tab.wait_eq(current, format!("/examples/{}", example.slug), "the example's link marked").await?;
        }
        Ok(())
    })
    .await;
}

/// Every page of the gallery, at a desktop's width and a phone's: no console error, no failed
/// request, and a screenshot of each under `target/screenshots/page_*.png`.
#[tokio::test]
async fn every_page_loads_clean_at_1440_and_390_pixels() {
    with_browser(|tab| async move {
        let url = start().await;
        let mut pages = vec![("index".to_owned(), url.clone())];
        for example in app::layout::EXAMPLES {
            pages.push((example.slug.to_owned(), format!("{url}/examples/{}", example.slug)));
        }
        tab.console_log().await?; // drain
        for (width, height) in [(1440, 900), (390, 844)] {
            tab.set_width(width, height).await?;
            for (name, page) in &pages {
                tab.goto(page).await?;
                // Datastar ran (it hides the notice), and what the page loads first has come.
                tab.wait_count("#client_missing[style*='display: none']", 1).await?;
                if name != "index" {
                    tab.wait_for(
                        "document.querySelector('#wire_log p.muted')?.textContent !== 'Connecting…'",
                        |v| *v == true,
                        TIMEOUT,
                        "the wire panel connected",
                    )
                    .await?;
                }
                let failed = tab
                    .eval("performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation')) \
                           .filter(e => e.responseStatus >= 400).map(e => e.name + ' ' + e.responseStatus)")
                    .await?;
                assert_eq!(failed, serde_json::json!([]), "failed requests on {page}");
                let errors: Vec<Value> = tab
                    .console_log()
                    .await?
                    .into_iter()
                    .filter(|entry| entry["level"] == "SEVERE" || entry["level"] == "WARNING")
                    .collect();
                assert!(errors.is_empty(), "console on {page} at {width} px: {errors:?}");
                let overflow = tab.eval("document.documentElement.scrollWidth - window.innerWidth").await?;
                assert!(overflow.as_i64().unwrap_or(1) <= 0, "{page} scrolls sideways at {width} px by {overflow}");
                let path = tab.screenshot(&format!("page_{name}_{width}")).await?;
                assert!(path.is_file());
            }
            // The 404 page is a failed request by design; it is looked at all the same.
            tab.goto(&format!("{url}/no/such/page")).await?;
            tab.wait_text("main h1", "No such page").await?;
            tab.screenshot(&format!("page_not_found_{width}")).await?;
            tab.console_log().await?;
        }
        Ok(())
    })
    .await;
}
