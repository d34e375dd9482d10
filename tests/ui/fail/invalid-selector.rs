use datastar_runtime::prelude::*;

#[fragment(selector = "#1a")]
async fn first() -> Markup {
    html! { div {} }
}

#[fragment(selector = "ul > li:nth-child(2n+)", merge = "inner")]
async fn second() -> Markup {
    html! { "x" }
}

fn main() {}
