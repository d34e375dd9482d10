use datastar_runtime::prelude::*;

#[fragment(selector = "#contact", merge = "upsert_attributes")]
async fn contact() -> Markup {
    html! { div #contact data-x="1" {} }
}

fn main() {}
