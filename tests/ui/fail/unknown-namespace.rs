use datastar_runtime::prelude::*;

#[fragment(selector = "#chart", namespace = "svgg")]
async fn chart() -> Markup {
    html! { circle r="4" {} }
}

fn main() {}
