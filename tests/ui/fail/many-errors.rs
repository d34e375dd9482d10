use datastar_runtime::prelude::*;

#[fragment(
    selector = "div >",
    merge = "Inner",
    view_transition_selector = "#list",
    settle = 0,
    selector = "#b",
    namespace = "math",
    retry = -1,
    id = "a\nb",
    colour = "red",
)]
fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {}
