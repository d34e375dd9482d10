use datastar_runtime::prelude::*;

fn main() {
    // The HTML comes last, after the options, as in `#[fragment]`'s order of reading.
    let _ = patch!(html! { li { "milk" } }, selector = "#list", merge = "append");
}
