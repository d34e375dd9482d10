use datastar_runtime::prelude::*;

#[fragment(selector = "#list", settle = 300)]
async fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {}
