use datastar_runtime::prelude::*;

// The HTML is fine: the error type is what cannot be sent.
#[fragment(selector = "#file", mode = "inner")]
async fn file() -> Result<Markup, std::io::Error> {
    let text = std::fs::read_to_string("notes.txt")?;
    Ok(html! { pre { (text) } })
}

fn main() {}
