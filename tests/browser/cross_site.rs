//! Cross-site writes in a real Chromium: a page on another origin tries the two requests a
//! browser sends without asking (a `no-cors` `fetch` of `text/plain` JSON and a `<form>`
//! post), with the user's cookies, against the gallery. Nothing changes.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::Html;
use axum::routing::get;

use crate::gallery::app;
use crate::harness::{Datastar, Result, TIMEOUT, Tab, js_str, serve_app, with_browser};

/// The writes the attacker's page tries: a path of the gallery and the JSON it posts.
const WRITES: [(&str, &str); 2] = [
    ("/examples/live_feed/post", "message"),
    ("/examples/todomvc/add", "input"),
];

/// What the gallery answered to each POST: path and status.
type Seen = Arc<Mutex<Vec<(String, u16)>>>;

/// The gallery, with a record of every POST it answered.
async fn gallery() -> (String, Seen) {
    let client = Datastar::V101;
    client.source(); // fails with what to do when the client was not fetched
    let seen = Seen::default();
    let record = seen.clone();
    let app = app::app(app::Client::Local(client.path())).layer(from_fn(
        move |request: Request, next: Next| {
            let record = record.clone();
            async move {
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                let response = next.run(request).await;
                if method == http::Method::POST {
                    record
                        .lock()
                        .unwrap()
                        .push((path, response.status().as_u16()));
                }
                response
            }
        },
    ));
    (serve_app(app).await, seen)
}

/// A page that, once loaded, posts to `target` by `fetch` and by form.
fn attacker(target: &str) -> Router {
    let mut script = String::new();
    for (path, key) in WRITES {
        let url = js_str(&format!("{target}{path}"));
        let body = js_str(&format!(r#"{{"{key}":"pwned by fetch"}}"#));
        script += &format!(
            "fetch({url}, {{method: 'POST', mode: 'no-cors', credentials: 'include', \
             headers: {{'Content-Type': 'text/plain'}}, body: {body}}});\n"
        );
        // text/plain form encoding writes `name=value`: together, a JSON object.
        let name = js_str(&format!(r#"{{"{key}":"pwned by form","x":""#));
        script += &format!(
            "{{ const frame = document.createElement('iframe');
               frame.name = 'sink_{key}';
               document.body.append(frame);
               const form = document.createElement('form');
               form.method = 'POST'; form.enctype = 'text/plain'; form.action = {url};
               form.target = frame.name;
               const field = document.createElement('input');
               field.type = 'hidden'; field.name = {name}; field.value = '\"}}';
               form.append(field); document.body.append(form); form.submit(); }}\n"
        );
    }
    let page = format!("<!doctype html><title>elsewhere</title><body><script>{script}</script>");
    Router::new().route("/", get(move || async move { Html(page) }))
}

/// Loads the attacker's page at `origin` and waits until the gallery answered its four
/// requests.
async fn attack(tab: &Tab, origin: &str, seen: &Seen) -> Result {
    let before = seen.lock().unwrap().len();
    tab.goto(&format!("{origin}/")).await?;
    let start = std::time::Instant::now();
    while seen.lock().unwrap().len() < before + 4 {
        if start.elapsed() > TIMEOUT {
            let seen = seen.lock().unwrap().clone();
            return Err(format!("the page on {origin} did not post four times: {seen:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(())
}

#[tokio::test]
async fn a_page_on_another_origin_cannot_post_to_the_gallery() {
    with_browser(|tab| async move {
        let (gallery, seen) = gallery().await;
        // The user has visited the gallery: the attack's requests carry their session cookie
        // (cookies ignore ports, so the other port of 127.0.0.1 sends it too).
        tab.goto(&format!("{gallery}/examples/todomvc")).await?;
        let elsewhere = serve_app(attacker(&gallery)).await;
        // Another port of 127.0.0.1 is the same site (`Sec-Fetch-Site: same-site`) but not
        // the same origin; `localhost` is another site altogether.
        let port = elsewhere.rsplit(':').next().unwrap_or_default();
        for origin in [elsewhere.clone(), format!("http://localhost:{port}")] {
            attack(&tab, &origin, &seen).await?;
        }
        let answers = seen.lock().unwrap().clone();
        assert_eq!(
            answers.len(),
            8,
            "every attempt reached the gallery: {answers:?}"
        );
        assert!(
            answers.iter().all(|(_, s)| *s == 403),
            "refused: {answers:?}"
        );

        // Nothing changed: the feed is empty and the todos are the two first ones.
        tab.goto(&format!("{gallery}/examples/live_feed")).await?;
        tab.wait_text("#feed_status", "● live").await?;
        assert_eq!(
            tab.eval("document.getElementById('posts').textContent")
                .await?,
            ""
        );
        tab.goto(&format!("{gallery}/examples/todomvc")).await?;
        let titles = "[...document.querySelectorAll('#todo_list li label')]\
                      .map(l => l.textContent).join('|')";
        tab.wait_eq(
            titles,
            "Taste Datastar|Write a Rust handler",
            "the two first todos",
        )
        .await?;

        // The gallery's own page still writes.
        tab.click("#new_todo").await?;
        tab.type_into("#new_todo", &format!("Buy milk{}", crate::harness::ENTER))
            .await?;
        tab.wait_eq(
            titles,
            "Taste Datastar|Write a Rust handler|Buy milk",
            "the todo added by the page itself",
        )
        .await?;
        let last = seen.lock().unwrap().last().cloned();
        assert_eq!(last, Some(("/examples/todomvc/add".to_owned(), 200)));
        Ok(())
    })
    .await;
}
