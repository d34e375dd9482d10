use datastar_runtime::prelude::*;

const NAMESPACE: &str = "svg";
const ID: &str = "42";

#[fragment(selector = "#chart", mode = "inner", namespace = NAMESPACE)]
async fn chart() -> Markup {
    html! { "x" }
}

#[fragment(selector = "#chart", mode = "inner", id = ID)]
async fn with_id() -> Markup {
    html! { "x" }
}

fn main() {}
