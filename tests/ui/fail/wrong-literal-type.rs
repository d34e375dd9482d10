use datastar_runtime::prelude::*;

const LIST: &str = "#list";

#[fragment(selector = LIST, view_transition = "yes", retry = "5s")]
async fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {}
