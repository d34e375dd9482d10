use datastar_runtime::prelude::*;

#[fragment(selector = "#list", merge = "inner", selector = "#other")]
async fn list() -> Markup {
    html! { li {} }
}

fn main() {}
