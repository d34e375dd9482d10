//! The gallery's input limits as a user meets them in Chromium: a value over the limit (pasted
//! past `maxlength` by a script, as a hostile page or an old browser could) is refused with a
//! message under the input, which goes away once a valid value is sent.

use crate::gallery::app;
use crate::harness::{Datastar, ENTER, Result, Tab, js_str, serve_app, with_browser};

async fn open(tab: &Tab, example: &str) -> Result {
    let client = Datastar::V101;
    client.source(); // fails with what to do when the client was not fetched
    let url = serve_app(app::app(app::Client::Local(client.path()))).await;
    tab.goto(&format!("{url}/examples/{example}")).await
}

/// Sets the value of `input` the way a paste does, past any `maxlength`, and tells Datastar.
async fn set_value(tab: &Tab, input: &str, value: &str) -> Result {
    tab.eval(&format!(
        "(() => {{ const input = document.querySelector({}); input.value = {}; \
           input.dispatchEvent(new Event('input', {{bubbles: true}})); return true; }})()",
        js_str(input),
        js_str(value)
    ))
    .await?;
    Ok(())
}

/// Submits `value` in `input` with Enter; then `error` must say `message`, shown or hidden.
async fn submit(tab: &Tab, input: &str, value: &str, error: &str, message: &str) -> Result {
    set_value(tab, input, value).await?;
    tab.type_into(input, &ENTER.to_string()).await?;
    tab.wait_text(error, message).await?;
    let display = format!(
        "getComputedStyle(document.querySelector({})).display",
        js_str(error)
    );
    if message.is_empty() {
        tab.wait_eq(&display, "none", "the error hidden").await
    } else {
        tab.wait_for(
            &display,
            |d| d != "none",
            crate::harness::TIMEOUT,
            "the error shown",
        )
        .await
        .map(drop)
    }
}

#[tokio::test]
async fn a_post_over_280_characters_is_refused_in_place() {
    with_browser(|tab| async move {
        open(&tab, "live_feed").await?;
        tab.wait_text("#feed_status", "● live").await?;
        let error = "#message_error";
        let too_long = "A post is at most 280 characters; this one has 281.";
        submit(&tab, "#message", &"x".repeat(281), error, too_long).await?;
        assert_eq!(
            tab.eval("document.getElementById('posts').children.length")
                .await?,
            0
        );
        submit(&tab, "#message", &"y".repeat(280), error, "").await?;
        tab.wait_count("#posts li", 1).await
    })
    .await;
}

#[tokio::test]
async fn a_todo_over_200_characters_is_refused_in_place() {
    with_browser(|tab| async move {
        open(&tab, "todomvc").await?;
        tab.wait_count("#todo_list li", 2).await?;
        let error = "#todo_error";
        let too_long = "A todo is at most 200 characters; this one has 201.";
        submit(&tab, "#new_todo", &"x".repeat(201), error, too_long).await?;
        tab.wait_count("#todo_list li", 2).await?;
        submit(&tab, "#new_todo", "Buy milk", error, "").await?;
        tab.wait_count("#todo_list li", 3).await
    })
    .await;
}
