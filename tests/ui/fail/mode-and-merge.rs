use datastar_runtime::prelude::*;

#[fragment(selector = "#list", mode = "append", merge = "append")]
async fn item() -> Markup {
    html! { li { "milk" } }
}

fn main() {}
