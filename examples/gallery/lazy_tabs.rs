//! Lazy tabs: a tab's content is fetched when the tab is chosen.
//!
//! The page holds the tab bar and the first tab's content. A click asks for that tab, and the
//! server answers with the whole component, the chosen tab marked: the selected tab is the
//! server's state, not the page's (HATEOAS). Unknown tabs are a 404 that says so.

use axum::http::StatusCode;
use datastar_runtime::prelude::*;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "lazy_tabs",
    title: "Lazy tabs",
    blurb: "Tabs whose content is fetched from the server when one is chosen.",
    source: include_str!("lazy_tabs.rs"),
};

const TABS: usize = 8;

const WORDS: [&str; 16] = [
    "signals",
    "morph",
    "stream",
    "server",
    "patch",
    "hypermedia",
    "browser",
    "event",
    "fragment",
    "selector",
    "state",
    "render",
    "axum",
    "maud",
    "markup",
    "request",
];

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move {
                let demo = html! {
                    (tabs(0))
                    p.muted { "A port of " a href="https://data-star.dev/examples/lazy_tabs" { "the official example" } " on data-star.dev." }
                };
                layout.example(&EXAMPLE, demo)
            }),
        )
        .route("/tab/{tab}", get(tab))
}

/// Three sentences that differ from tab to tab.
fn content(tab: usize) -> Markup {
    let word = |n: usize| WORDS[(tab * 7 + n * 5) % WORDS.len()];
    html! {
        h3 { "Tab " (tab) }
        @for sentence in 0..3 {
            p { "The " (word(sentence)) " of tab " (tab) " meets the " (word(sentence + 1))
                ", and every " (word(sentence + 2)) " is rendered on the server." }
        }
    }
}

fn tabs(chosen: usize) -> Markup {
    html! {
        div #lazy_tabs {
            style { "#lazy_tabs [role=tablist] { display: flex; flex-wrap: wrap; gap: .3rem; }
                     #lazy_tabs [role=tab][aria-selected=false] { background: #fff; color: var(--accent); }
                     #lazy_tabs [role=tabpanel] { padding: .5rem 0; }" }
            div role="tablist" {
                @for i in 0..TABS {
                    button id={ "tab_" (i) } role="tab" aria-selected=(i == chosen)
                        data-on:click={ "@get(" (js(&format!("/examples/lazy_tabs/tab/{i}"))) ")" } {
                        "Tab " (i)
                    }
                }
            }
            div #tab_content role="tabpanel" { (content(chosen)) }
        }
    }
}

/// `GET /tab/{tab}`: the component with `tab` chosen; it morphs `#lazy_tabs`.
#[fragment]
async fn tab(Path(tab): Path<usize>) -> Result<Markup, (StatusCode, String)> {
    if tab >= TABS {
        return Err((
            StatusCode::NOT_FOUND,
            format!("there is no tab {tab}: tabs go from 0 to {}", TABS - 1),
        ));
    }
    Ok(tabs(tab))
}
