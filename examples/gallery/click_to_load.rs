//! Click to load: each click appends the next page of rows at the end of the table.
//!
//! `$offset` says how many rows the page has. The server answers with three events in one
//! response: the new rows appended to `#agents`, the new `$offset`, and the button, which
//! becomes a note when there is nothing left to load.

use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "click_to_load",
    title: "Click to load",
    blurb: "Append the next page of rows at the end of a table, one click at a time.",
    source: include_str!("click_to_load.rs"),
};

const PAGE: usize = 10;
const TOTAL: usize = 45;

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
        div #click_to_load data-signals:offset=(js(&PAGE)) {
            table {
                thead { tr { th { "#" } th { "Agent" } th { "Code name" } } }
                tbody #agents { (rows(0..PAGE)) }
            }
            (more_button(PAGE))
        }
    }
}

fn rows(range: std::ops::Range<usize>) -> Markup {
    html! {
        @for n in range {
            tr id={"agent_" (n)} {
                td { (n + 1) }
                td { "Agent " (n + 1) }
                td.muted { (format!("{:06x}", (n as u64 + 1) * 0x9e3779b9 % 0xffffff)) }
            }
        }
    }
}

fn more_button(offset: usize) -> Markup {
    html! {
        div #more.row {
            @if offset < TOTAL {
                button #load_more data-on:click="@get('/examples/click_to_load/more')"
                    data-indicator:loading data-attr:disabled="$loading" {
                    "Load more"
                }
                span.muted { (offset) " of " (TOTAL) " agents" }
            } @else {
                span.muted { "All " (TOTAL) " agents loaded." }
            }
        }
    }
}

/// `GET /more?datastar={"offset":…}`: the next rows, then the new offset and the new button.
#[fragment(selector = "#agents", mode = "append")]
async fn more(ReadSignals(Page { offset }): ReadSignals<Page>) -> (Markup, PatchSignals, Event) {
    let offset = offset.min(TOTAL);
    let end = (offset + PAGE).min(TOTAL);
    (
        rows(offset..end),
        signals!({ "offset": end }),
        patch!(more_button(end)),
    )
}
