use datastar_runtime::prelude::*;

fn main() {
    let _ = patch!(merge = "prepend", html! { li { "milk" } });
    let _ = patch!(selector = "#toast", merge = "remove", html! { "bye" });
    let _ = patch!(selector = "#feed", merge = "append");
    let _ = patch!(selector = "#feed", merge = "append", Some("milk"));
}
