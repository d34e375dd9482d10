use datastar_runtime::prelude::*;

struct Contacts;

impl Contacts {
    #[fragment(selector = "#list")]
    async fn list(&self) -> Markup {
        html! { ul #list {} }
    }
}

fn main() {}
