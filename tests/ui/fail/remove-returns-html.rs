use datastar_runtime::prelude::*;

#[fragment(selector = "#toast", merge = "remove")]
async fn dismiss() -> Markup {
    html! {}
}

fn main() {}
