//! `#[axum::debug_handler]` goes with `#[fragment]` in either order.
use datastar_runtime::prelude::*;

#[axum::debug_handler]
#[fragment(selector = "#card-{id}", mode = "inner")]
async fn before(Path(id): Path<u32>) -> Markup {
    html! { (id) }
}

#[fragment(selector = "#card-{id}", mode = "inner")]
#[axum::debug_handler]
async fn after(Path(id): Path<u32>) -> (Markup, PatchSignals) {
    (html! { (id) }, signals!({ "id": id }))
}

fn main() {
    let _: Router = Router::new()
        .route("/a/{id}", get(before))
        .route("/b/{id}", get(after));
}
