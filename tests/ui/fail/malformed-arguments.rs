use datastar_runtime::prelude::*;

#[fragment(selector "#list")]
async fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {
    // The handler still exists with its final signature: no second error here.
    let _: Router = Router::new().route("/list", get(list));
}
