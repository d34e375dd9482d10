use datastar_runtime::prelude::*;

#[fragment(selector = "#list")]
async fn list() {
    html! { ul #list {} };
}

fn main() {}
