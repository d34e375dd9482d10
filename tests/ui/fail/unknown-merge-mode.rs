use datastar_runtime::prelude::*;

#[fragment(selector = "#feed", mode = "apend")]
async fn feed() -> Markup {
    html! { li { "milk" } }
}

fn main() {}
