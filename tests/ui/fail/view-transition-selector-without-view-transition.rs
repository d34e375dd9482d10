use datastar_runtime::prelude::*;

#[fragment(selector = "#list", view_transition_selector = "#list")]
async fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {}
