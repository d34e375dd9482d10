use datastar_runtime::prelude::*;

// A removal creates no elements, so nothing that shapes new elements applies to it.
#[fragment(
    selector = "#toast",
    mode = "remove",
    view_transition = true,
    view_transition_selector = "#toast"
)]
async fn dismiss() {}

#[fragment(selector = "#chart", merge = "remove", namespace = "svg")]
async fn clear() {}

fn main() {}
