use datastar_runtime::prelude::*;

#[fragment]
async fn by_id() -> Markup {
    html! { div #a {} }
}

#[fragment(merge = "morph")]
async fn morph_by_id() -> Markup {
    html! { div #a {} }
}

#[fragment(merge = "replace")]
async fn replace_by_id() -> Markup {
    html! { div #a {} }
}

#[fragment(selector = "#a", merge = "outer")]
async fn outer() -> Markup {
    html! { div #a {} }
}

#[fragment(selector = "#a", merge = "inner")]
async fn inner() -> Markup {
    html! { "x" }
}

#[fragment(selector = "#a", merge = "replace")]
async fn replace() -> Markup {
    html! { div #a {} }
}

#[fragment(selector = "#a", merge = "prepend")]
async fn prepend() -> Markup {
    html! { li {} }
}

#[fragment(selector = "#a", merge = "append")]
async fn append() -> Markup {
    html! { li {} }
}

#[fragment(selector = "#a", merge = "before")]
async fn before() -> Markup {
    html! { p {} }
}

#[fragment(selector = "#a", merge = "after")]
async fn after() -> Markup {
    html! { p {} }
}

#[fragment(selector = "#a", merge = "remove")]
async fn remove() {}

#[fragment(
    selector = "svg > g.points",
    merge = "append",
    view_transition = true,
    view_transition_selector = "#chart",
    namespace = "svg",
    id = "42",
    retry = 2500
)]
async fn every_key() -> Markup {
    html! { circle r="2" {} }
}

#[fragment(selector = "math", namespace = "mathml", merge = "inner", view_transition = false)]
async fn mathml() -> Markup {
    html! { mi { "x" } }
}

fn main() {
    let _: Router = Router::new()
        .route("/1", get(by_id))
        .route("/2", get(morph_by_id))
        .route("/3", get(replace_by_id))
        .route("/4", get(outer))
        .route("/5", get(inner))
        .route("/6", get(replace))
        .route("/7", get(prepend))
        .route("/8", get(append))
        .route("/9", get(before))
        .route("/10", get(after))
        .route("/11", delete(remove))
        .route("/12", get(every_key))
        .route("/13", get(mathml));
}
