//! The gallery's chrome: the page shell, the index, and the demo-beside-source layout.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::Client;

/// The official Datastar 1.0 bundle.
pub const CDN_CLIENT: &str = datastar_runtime::CLIENT_URL;

/// Where the gallery serves a local client given with `--datastar-js`.
pub const LOCAL_CLIENT_PATH: &str = "/datastar.js";

/// One example of the gallery: what the index and the page header say about it.
pub struct Example {
    /// The path segment under `/examples/`.
    pub slug: &'static str,
    pub title: &'static str,
    pub blurb: &'static str,
    /// The example's own source file, shown beside the demo.
    pub source: &'static str,
}

/// Every example, in the order of the index.
pub const EXAMPLES: [&Example; 6] = [
    &super::click_to_edit::EXAMPLE,
    &super::active_search::EXAMPLE,
    &super::click_to_load::EXAMPLE,
    &super::progress_bar::EXAMPLE,
    &super::live_feed::EXAMPLE,
    &super::todomvc::EXAMPLE,
];

/// Renders the pages; knows where the client comes from.
#[derive(Clone)]
pub struct Layout {
    client_src: Arc<str>,
}

impl Layout {
    pub fn new(client: &Client) -> Self {
        let src = match client {
            Client::Cdn => CDN_CLIENT,
            Client::Local(_) => LOCAL_CLIENT_PATH,
        };
        Layout {
            client_src: src.into(),
        }
    }

    /// The page around `body`; `current` is the slug of the example shown, if any, which the
    /// nav marks.
    fn shell(&self, title: &str, current: Option<&str>, body: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Datastar for Rust" }
                    link rel="icon" type="image/svg+xml" href=(FAVICON_PATH);
                    style { (PreEscaped(CSS)) }
                    (datastar_runtime::client_script_at(&self.client_src))
                }
                body {
                    header.top {
                        a href="/" aria-current=[current.is_none().then_some("page")] {
                            "Datastar for Rust"
                        }
                        " · examples"
                        nav { @for example in EXAMPLES {
                            a href={"/examples/" (example.slug)}
                                aria-current=[(current == Some(example.slug)).then_some("page")] {
                                (example.title)
                            }
                        } }
                    }
                    // Shown only if the client never starts: Datastar hides it the moment it
                    // runs, and the CSS keeps it out of sight for the first seconds.
                    p #client_missing role="alert" data-show="false" {
                        "The Datastar client did not load, so the demos cannot run. Offline? Start the gallery with "
                        code { "--datastar-js path/to/datastar.js" } " to serve a local copy."
                    }
                    (body)
                }
            }
        }
    }

    /// `404 Not Found`, as a page with the way back.
    pub fn not_found(&self) -> (StatusCode, Markup) {
        let page = self.shell(
            "Not found",
            None,
            html! {
                main.index {
                    h1 { "No such page" }
                    p { "Nothing lives at this address. The examples are listed on the "
                        a href="/" { "home page" } "." }
                }
            },
        );
        (StatusCode::NOT_FOUND, page)
    }

    /// An example's page: the live demo beside the Rust source that serves it.
    pub fn example(&self, example: &Example, demo: Markup) -> Markup {
        self.shell(
            example.title,
            Some(example.slug),
            html! {
                main.example {
                    section.demo {
                        h1 { (example.title) }
                        p.blurb { (example.blurb) }
                        div.stage { (demo) }
                    }
                    section.source {
                        h2 { "examples/gallery/" (example.slug) ".rs" }
                        pre { code { @for line in example.source.lines() {
                            span.line { (line) } "\n"
                        } } }
                    }
                }
            },
        )
    }
}

/// `GET /`: what the crate is, how to start, and the examples.
pub async fn index(State(layout): State<Layout>) -> Markup {
    let link = |slug: &str, text: &str| html! { a href={ "/examples/" (slug) } { (text) } };
    layout.shell(
        "Examples",
        None,
        html! {
            main.index {
                section.hero {
                    h1 { "Datastar for Rust" }
                    p.lead {
                        "Write a web app's handlers in Rust with " a href="https://docs.rs/axum" { "axum" }
                        " and " a href="https://maud.lambda.xyz" { "maud" } ": annotate a handler, write its "
                        "markup inline, and " a href="https://data-star.dev" { "Datastar" }
                        " patches it into the page over Server-Sent Events. Mistakes in modes, "
                        "selectors and markup are caught by the compiler, not in the browser."
                    }
                }
                div.start {
                    section {
                        h2 { "Add it" }
                        pre.snippet { code { (DEPENDENCIES) } }
                        h2 { "Write a handler" }
                        pre.snippet { code { (HANDLER) } }
                    }
                    section {
                        h2 { "Make a typo" }
                        p { "and the build says where, and what you meant:" }
                        pre.snippet.error { code { (COMPILE_ERROR) } }
                        h2 { "What sets it apart" }
                        ul.points {
                            li { strong { "Checked at compile time: " } "modes, CSS selectors (as Chromium parses them), "
                                "selector templates whose values are escaped, and Datastar attributes in the markup. "
                                (link("click_to_edit", "Click to edit")) " and " (link("todomvc", "TodoMVC")) " are written that way." }
                            li { strong { "Three wire dialects: " } "Datastar 1.0, the 0.20–1.0.0-beta \"merge fragments\" "
                                "clients, and the original " code { "datastar-fragment" } " stream, chosen once per router." }
                            li { strong { "Streams and a hub: " } "a handler can stream, push from a task, or share one update "
                                "with every open tab, encoded once: " (link("progress_bar", "Progress bar")) ", "
                                (link("live_feed", "Live feed")) "." }
                            li { strong { "Compression: " } "brotli or gzip, flushed after every event, bounded per stream; "
                                "every stream of this gallery is compressed." }
                            li { strong { "Reconnects: " } "event ids come back as " code { "Last-Event-ID" } ", and a tab that "
                                "fell behind gets the whole state in one morph: " (link("live_feed", "Live feed")) "." }
                        }
                        p.links {
                            a href="https://docs.rs/datastar-runtime" { "API docs" } " · "
                            a href="https://data-star.dev" { "data-star.dev" } " · "
                            a href="https://data-star.dev/examples" { "the official examples" }
                        }
                    }
                }
                h2 { "Examples" }
                p { "Each page runs a live demo next to the Rust handlers behind it." }
                ul.cards { @for example in EXAMPLES {
                    li { a href={"/examples/" (example.slug)} {
                        strong { (example.title) } span { (example.blurb) }
                    } }
                } }
            }
        },
    )
}

/// `GET /favicon.svg`: the gallery's icon, a star.
pub async fn favicon() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
}

/// Where the icon is served.
pub const FAVICON_PATH: &str = "/favicon.svg";

const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d2330"/><path d="M16 4l3.5 8.1 8.5.7-6.5 5.6 2 8.6L16 22.5 8.5 27l2-8.6L4 12.8l8.5-.7z" fill="#ffc83d"/></svg>"##;

const DEPENDENCIES: &str = r#"[dependencies]
datastar-runtime = "0.1"
maud = { version = "0.27", features = ["axum"] }
axum = "0.8"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#;

const HANDLER: &str = r##"use datastar_runtime::prelude::*;

/// GET /contact/7 morphs #contact_7 into the page.
#[fragment(selector = "#contact_{id}", mode = "outer")]
async fn contact(Path(id): Path<u32>) -> Markup {
    html! {
        div id={ "contact_" (id) } {
            "Ada Lovelace "
            button data-on:click={ "@get(" (js(&format!("/contact/{id}/edit"))) ")" } { "Edit" }
        }
    }
}"##;

/// What rustc prints for a typo in a mode (the README shows the same error).
const COMPILE_ERROR: &str = r##"error: unknown mode `apend`
       = help: did you mean `append`?
       = note: expected one of `outer`, `inner`, `replace`, `prepend`, `append`, `before`, `after`, `remove` or `morph`
 --> src/main.rs:3:39
  |
3 | #[fragment(selector = "#feed", mode = "apend")]
  |                                       ^^^^^^^"##;

const CSS: &str = r#"
:root { --ink: #1d2330; --muted: #5d6675; --line: #dfe3ea; --accent: #3d5afe; --bg: #f6f7fb;
        --good: #1b873f; --bad: #c62828; font-family: system-ui, sans-serif; color: var(--ink); }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center;
             padding: .8rem 1.5rem; background: var(--ink); color: #fff; }
header.top a { color: #fff; text-decoration: none; }
header.top > a { font-weight: 700; }
header.top nav { display: flex; flex-wrap: wrap; gap: 1rem; font-size: .9rem; }
header.top nav a { opacity: .8; } header.top nav a:hover { opacity: 1; }
header.top nav a[aria-current=page] { opacity: 1; font-weight: 600; border-bottom: 2px solid #ffc83d; }
#client_missing { margin: 0; padding: .7rem 1.5rem; background: #fff3cd; color: #5c4400;
                  border-bottom: 1px solid #e6cf7a; opacity: 0; animation: appear 0s 3s forwards; }
@keyframes appear { to { opacity: 1; } }
section.hero .lead { font-size: 1.1rem; max-width: 60rem; line-height: 1.5; }
div.start { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
@media (max-width: 1000px) { div.start { grid-template-columns: 1fr; } }
div.start > section { min-width: 0; }
pre.snippet { margin: 0 0 1rem; background: #1d2330; color: #e6e9f0; border-radius: 10px;
              padding: .9rem 1.1rem; overflow: auto; font: .8rem/1.45 ui-monospace, monospace; }
pre.snippet.error { color: #ffb4ab; }
ul.points { padding-left: 1.1rem; line-height: 1.5; } ul.points li { margin: .4rem 0; }
p.links { font-size: .95rem; }
main { padding: 1.5rem; max-width: 1500px; margin: 0 auto; }
main.example { display: grid; grid-template-columns: minmax(340px, 5fr) 7fr; gap: 1.5rem;
               align-items: start; }
main.example > section { min-width: 0; }
@media (max-width: 1000px) { main.example { grid-template-columns: 1fr; } }
h1 { margin: 0 0 .3rem; font-size: 1.6rem; }
.blurb { color: var(--muted); margin: 0 0 1rem; }
.stage { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1.2rem; }
section.source h2 { font: 600 .85rem ui-monospace, monospace; color: var(--muted); margin: .4rem 0; }
section.source pre { margin: 0; background: #1d2330; color: #e6e9f0; border-radius: 10px;
                     padding: 1rem 1.2rem 1rem .4rem; overflow: auto; max-height: 80vh;
                     font: .8rem/1.45 ui-monospace, SFMono-Regular, Menlo, monospace;
                     white-space: pre-wrap; overflow-wrap: anywhere; counter-reset: line; }
section.source { position: sticky; top: 1rem; }
section.source .line { display: inline-block; width: 100%; padding-left: 3.4em; text-indent: -3.4em; }
section.source .line::before { counter-increment: line; content: counter(line);
                     display: inline-block; width: 2.6em; margin-right: .8em; text-align: right;
                     color: #7d8597; text-indent: 0; user-select: none; }
ul.cards { list-style: none; padding: 0; display: grid; gap: 1rem;
           grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); }
ul.cards a { display: block; height: 100%; padding: 1rem; background: #fff; color: inherit;
             border: 1px solid var(--line); border-radius: 10px; text-decoration: none; }
ul.cards a:hover { border-color: var(--accent); }
ul.cards strong { display: block; margin-bottom: .3rem; }
ul.cards span { color: var(--muted); font-size: .9rem; }
button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--accent);
         background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
input[type=text], input[type=email], input:not([type]) { font: inherit; padding: .4rem .6rem;
         border: 1px solid var(--line); border-radius: 6px; width: 100%; }
label { display: block; margin: .5rem 0; font-size: .9rem; color: var(--muted); }
.error { color: var(--bad); font-size: .85rem; }
.row { display: flex; gap: .5rem; align-items: center; margin-top: .8rem; }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); }
.muted { color: var(--muted); }
"#;
