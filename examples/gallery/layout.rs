//! The gallery's chrome: the page shell, the index, and the demo-beside-source layout.

use std::sync::Arc;

use axum::extract::State;
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

    fn shell(&self, title: &str, body: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · Datastar for Rust" }
                    style { (PreEscaped(CSS)) }
                    (datastar_runtime::client_script_at(&self.client_src))
                }
                body {
                    header.top {
                        a href="/" { "Datastar for Rust" } " · examples"
                        nav { @for example in EXAMPLES {
                            a href={"/examples/" (example.slug)} { (example.title) }
                        } }
                    }
                    (body)
                }
            }
        }
    }

    /// An example's page: the live demo beside the Rust source that serves it.
    pub fn example(&self, example: &Example, demo: Markup) -> Markup {
        self.shell(
            example.title,
            html! {
                main.example {
                    section.demo {
                        h1 { (example.title) }
                        p.blurb { (example.blurb) }
                        div.stage { (demo) }
                    }
                    section.source {
                        h2 { "examples/gallery/" (example.slug) ".rs" }
                        pre { code { (example.source) } }
                    }
                }
            },
        )
    }
}

/// `GET /`: the list of examples.
pub async fn index(State(layout): State<Layout>) -> Markup {
    layout.shell(
        "Examples",
        html! {
            main.index {
                h1 { "Examples" }
                p { "Each page runs a live demo next to the Rust handlers behind it: axum, maud and "
                    code { "datastar-runtime" } "." }
                ul.cards { @for example in EXAMPLES {
                    li { a href={"/examples/" (example.slug)} {
                        strong { (example.title) } span { (example.blurb) }
                    } }
                } }
            }
        },
    )
}

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
                     padding: 1rem 1.2rem; overflow: auto; max-height: 80vh;
                     font: .8rem/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
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
