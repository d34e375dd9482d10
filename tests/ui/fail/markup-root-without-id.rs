use datastar_runtime::prelude::*;

/// No selector: the client patches each top-level element into the one with its id.
#[fragment]
async fn card() -> Markup {
    html! {
        div #card_1 { "has an id" }
        @if true { div.card { "has none" } }
    }
}

/// `outer` swaps `#list` for the root, which must then still be `#list`.
#[fragment(selector = "#list")]
async fn list() -> Markup {
    html! { ul #items {} }
}

#[fragment(selector = "#list", merge = "replace")]
async fn list_replaced() -> Markup {
    html! { ul.list {} }
}

// These are right, or opted out.
#[fragment(selector = "#list")]
async fn list_ok() -> Markup {
    html! { #[unchecked] ul.other {} ul #list {} }
}

#[fragment(selector = "#list", merge = "inner")]
async fn items() -> Markup {
    html! { li { "inner needs no id" } }
}

#[fragment]
async fn computed(Path(id): Path<u32>) -> Markup {
    html! { div id={"card_" (id)} {} }
}

fn main() {
    let _ = patch!(html! { p { "no id" } });
}
