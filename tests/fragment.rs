use datastar_runtime::prelude::*;

#[fragment(selector = "#a")]
async fn a() -> Markup {
    html! { div {} }
}

fn b() -> Markup {
    html! { div {} }
}

#[test]
fn compiles() {
    let _ = b();
    let _: Router = Router::new().route("/", get(a));
}
