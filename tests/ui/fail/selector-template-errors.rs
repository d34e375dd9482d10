use datastar_runtime::prelude::*;

// A placeholder that no argument binds, with a near miss.
#[fragment(selector = "#card-{idd}", mode = "inner")]
async fn card(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

// The static parts must make a selector, with each placeholder standing for an identifier.
#[fragment(selector = "#card-{id} >> .title", mode = "inner")]
async fn title(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

// Unbalanced braces.
#[fragment(selector = "#card-{id", mode = "inner")]
async fn open(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

#[fragment(selector = "#card-}", mode = "inner")]
async fn close() -> Markup {
    html! { "x" }
}

// Placeholders take names, not expressions or format specs.
#[fragment(selector = "#card-{card.id:?}", mode = "inner")]
async fn spec(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

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

// `patch!` names any variable in scope, as `format!` does.
fn row() -> Event {
    let n = 3;
    let _ = n;
    patch!(selector = "#row-{m}", mode = "inner", html! { "x" })
}

fn main() {}
