use datastar_runtime::prelude::*;

#[fragment(selector = "#feed", merge = "apend")]
async fn feed() -> Markup {
    html! { li { "milk" } }
}

fn main() {}
