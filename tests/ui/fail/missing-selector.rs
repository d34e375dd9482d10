use datastar_runtime::prelude::*;

#[fragment(merge = "append")]
async fn feed() -> Markup {
    html! { li { "milk" } }
}

fn main() {}
