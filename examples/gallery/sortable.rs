//! Sortable: reorder a list; the order is kept on the server, so it survives a reload.
//!
//! The official example drags items with the SortableJS library from a CDN. This one needs no
//! script of its own: each item has Move up and Move down buttons, which POST the move; the
//! server reorders the visitor's list and answers with the list (the items keep their ids, so
//! the morph moves them rather than rebuilding them) and a `reordered` DOM event, as the
//! official page dispatches, whose detail the page shows. Buttons work with the keyboard, a
//! screen reader and a touch screen, where HTML drag and drop does not, and they need no
//! library to download.
//!
//! Each visitor has their own order (a session cookie); a move of an unknown item, or in a
//! direction other than `up` and `down`, is refused with a message.

use axum::http::StatusCode;
use datastar_runtime::DispatchEvent;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "sortable",
    title: "Sortable",
    blurb: "Reorder a list with buttons; the server keeps the order, so it survives a reload.",
    source: include_str!("sortable.rs"),
};

const ITEMS: u32 = 5;

/// A new visitor's order: items 1 to 5.
fn first_order() -> Vec<u32> {
    (1..=ITEMS).collect()
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Direction {
    Up,
    Down,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Mine(order): Mine<Vec<u32>>| async move {
                let demo = html! {
                    div #sortable_demo data-signals="{_orderInfo: ''}" {
                        (list(&order.lock().unwrap()))
                        p.muted { "Last move: " span #order_info data-text="$_orderInfo || 'none yet'" {} }
                        p.muted { "No drag-and-drop library to download: the buttons also work \
                            from the keyboard, with a screen reader and on a phone." }
                    }
                    p.muted { "A port of " a href="https://data-star.dev/examples/sortable" { "the official example" } " on data-star.dev." }
                };
                layout.example(&EXAMPLE, demo)
            }),
        )
        .route("/items/{item}/{direction}", post(move_item))
        .route("/reset", post(reset))
        .with_state(Visitors::new(first_order))
}

fn list(order: &[u32]) -> Markup {
    let last = order.len().saturating_sub(1);
    html! {
        div #sortable {
            style { "#sortable ol { list-style: none; padding: 0; margin: 0 0 .8rem; display: grid; gap: .4rem; }
                     #sortable li { display: flex; align-items: center; gap: .5rem; padding: .6rem .8rem;
                                    background: #eef1ff; border-radius: 8px; }
                     #sortable li span { flex: 1; }
                     #sortable li button { padding: .2rem .6rem; }" }
            ol #sortable_list data-on:reordered="$_orderInfo = evt.detail.orderInfo" {
                @for (position, item) in order.iter().enumerate() {
                    li id={ "item_" (item) } {
                        span { "Item " (item) }
                        @for (direction, arrow, edge) in [("up", "↑", 0), ("down", "↓", last)] {
                            button class={ "secondary move_" (direction) } disabled[position == edge]
                                aria-label={ "Move item " (item) " " (direction) }
                                data-on:click={ "@post(" (js(&format!("/examples/sortable/items/{item}/{direction}"))) ")" } {
                                (arrow)
                            }
                        }
                    }
                }
            }
            button #reset.secondary data-on:click="@post('/examples/sortable/reset')" { "Reset the order" }
        }
    }
}

/// `POST /items/{item}/{direction}`: moves `item` one place; the list morphs `#sortable`, then
/// a `reordered` event says what moved.
#[fragment]
async fn move_item(
    Mine(order): Mine<Vec<u32>>,
    Path((item, direction)): Path<(u32, Direction)>,
) -> Result<(Markup, DispatchEvent), (StatusCode, String)> {
    let mut order = order.lock().unwrap();
    let from = order
        .iter()
        .position(|&i| i == item)
        .ok_or_else(|| (StatusCode::NOT_FOUND, format!("there is no item {item}")))?;
    let to = match direction {
        Direction::Up => from.saturating_sub(1),
        Direction::Down => (from + 1).min(order.len() - 1),
    };
    order.swap(from, to);
    let info = format!("Item {item} moved from place {} to {}", from + 1, to + 1);
    let reordered = DispatchEvent::new("reordered")
        .and_then(|event| event.detail(&serde_json::json!({ "orderInfo": info })))
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .selector(Selector::id("sortable_list"));
    Ok((list(&order), reordered))
}

/// `POST /reset`: items 1 to 5 again.
#[fragment]
async fn reset(Mine(order): Mine<Vec<u32>>) -> Markup {
    let mut order = order.lock().unwrap();
    *order = first_order();
    list(&order)
}
