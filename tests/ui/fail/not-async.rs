use datastar_runtime::prelude::*;

#[fragment(selector = "#list")]
fn list() -> Markup {
    html! { ul #list {} }
}

fn main() {
    // Still a handler: no second error here.
    let _: Router = Router::new().route("/list", get(list));
}
