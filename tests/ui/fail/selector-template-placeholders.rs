use datastar_runtime::prelude::*;

// An empty placeholder.
#[fragment(selector = "#card-{}", mode = "inner")]
async fn empty(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

// A placeholder must be a variable's name.
#[fragment(selector = "#card-{1st}", mode = "inner")]
async fn number(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

// A handler whose arguments bind no names.
#[fragment(selector = "#card-{id}", mode = "inner")]
async fn unbound() -> Markup {
    html! { "x" }
}

fn main() {}
