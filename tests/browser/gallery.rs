//! The examples gallery, driven as a user would with the Datastar 1.0.1 client: each test
//! clicks and types, asserts on the DOM, and saves a screenshot under `target/screenshots/`.

use serde_json::Value;

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
        tab.wait_count("ul.cards a", 6).await?;
        tab.click("ul.cards a[href='/examples/todomvc']").await?;
        tab.wait_text("main h1", "TodoMVC").await?;
        // The client started, so the notice that it did not load is hidden (by Datastar itself).
        tab.wait_count("#client_missing[style*='display: none']", 1)
            .await?;
        // The page shows its own source beside the demo.
        let source = tab
            .eval("document.querySelector('section.source code').textContent")
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
        // Record whether the indicator ever shows while a search is in flight.
        tab.eval(
            "(window.__spinnerShown = false, new MutationObserver(() => { \
               if (getComputedStyle(document.getElementById('spinner')).display !== 'none') \
                 window.__spinnerShown = true; \
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
            "getComputedStyle(document.getElementById('spinner')).display",
            "none",
            "the indicator hidden again",
        )
        .await?;
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
