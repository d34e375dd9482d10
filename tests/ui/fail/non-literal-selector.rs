use datastar_runtime::prelude::*;

// One error, that says what to write, and no second one about a missing selector.
fn row(id: u32) -> Event {
    let selector = format!("#row-{id}");
    patch!(selector = selector, mode = "inner", html! { "x" })
}

fn main() {}
