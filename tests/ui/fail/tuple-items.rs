use datastar_runtime::prelude::*;

// The first item must be the HTML.
#[fragment(selector = "#list", mode = "append")]
async fn first() -> (PatchSignals, Markup) {
    (signals!({ "n": 1 }), html! { li { "milk" } })
}

// Every further item must be an event: a `Result` needs `?`, a string is not an event.
#[fragment(selector = "#list", mode = "append")]
async fn rest() -> (Markup, Result<PatchSignals, InvalidValue>, String) {
    (
        html! { li { "milk" } },
        PatchSignals::new(&serde_json::json!({ "n": 1 })),
        String::from("alert(1)"),
    )
}

// A removal starts its tuple with `()`.
#[fragment(selector = "#toast", mode = "remove")]
async fn dismiss() -> (Markup, PatchSignals) {
    (html! { "gone" }, signals!({ "toast": null }))
}

use datastar_runtime::InvalidValue;

fn main() {}
