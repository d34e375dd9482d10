use datastar_runtime::prelude::*;

#[fragment(selector = "#list")]
async fn list() -> Option<Markup> {
    None
}

fn main() {}
