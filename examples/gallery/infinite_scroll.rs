//! Infinite scroll: the next rows load when the end of the list scrolls into view.
//!
//! Below the rows sits `#loading_message`, whose `data-on-intersect` asks for the rows after
//! `offset` when it becomes visible. The server answers with two events: the rows, appended to
//! `#agents`, and a new `#loading_message` with the next offset. Its attribute changes, so
//! Datastar observes it afresh and, if it is still in view, asks again at once.
//!
//! Offsets are capped: after 100 agents the list ends, as on the official page.

use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "infinite_scroll",
    title: "Infinite scroll",
    blurb: "Rows load as you scroll: the end of the list asks for more when it comes into view.",
    source: include_str!("infinite_scroll.rs"),
};

const PAGE: usize = 10;
const TOTAL: usize = 100;

#[derive(Deserialize)]
struct Page {
    offset: usize,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, demo()) }),
        )
        .route("/more", get(more))
}

fn demo() -> Markup {
    html! {
        div #infinite_scroll style="max-height: 22rem; overflow-y: auto; border: 1px solid var(--line); border-radius: 8px" {
            table {
                thead { tr { th { "Name" } th { "Email" } th { "ID" } } }
                tbody #agents { (rows(0..PAGE)) }
            }
            (loading(PAGE))
        }
        p.muted { "Scroll the list. A port of "
            a href="https://data-star.dev/examples/infinite_scroll" { "the official example" } " on data-star.dev." }
    }
}

fn rows(range: std::ops::Range<usize>) -> Markup {
    html! {
        @for n in range {
            tr id={ "agent_" (n) } {
                td { "Agent Smith " (n) }
                td { "void" (n + 1) "@null.org" }
                td.muted { (format!("{:08X}", (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32)) }
            }
        }
    }
}

/// The end of the list: it asks for the rows from `offset` once in view, or says there are no more.
fn loading(offset: usize) -> Markup {
    html! {
        @if offset < TOTAL {
            p #loading_message.muted
                data-on-intersect={ "@get(" (js(&format!("/examples/infinite_scroll/more?offset={offset}"))) ")" } {
                "Loading…"
            }
        } @else {
            p #loading_message { "That's enough scrolling for you today: all " (TOTAL) " agents." }
        }
    }
}

/// `GET /more?offset=N`: the next rows at the end of `#agents`, then the new end of the list.
#[fragment(selector = "#agents", mode = "append")]
async fn more(Query(Page { offset }): Query<Page>) -> (Markup, Event) {
    let offset = offset.min(TOTAL);
    let end = (offset + PAGE).min(TOTAL);
    (rows(offset..end), patch!(loading(end)))
}
