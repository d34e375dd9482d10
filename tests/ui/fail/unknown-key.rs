use datastar_runtime::prelude::*;

#[fragment(selecter = "#list")]
async fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {}
