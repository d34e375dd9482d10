use datastar_runtime::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Signals)]
struct Contact {
    name: String,
}

#[fragment(signals = Contact)]
async fn contact() -> Markup {
    let name = String::from("Ada");
    html! {
        div.contact {
            button data-on-click="@post('/save')" { "Save" }
            p data-shwo="$open" {}
            button data-on:click="@gett('/x')" {}
            input "data-on:input__"="@get('/x')";
            p data-show:open="$open" {}
            p data-text=(name) {}
            p data-text="$nmae" {}
        }
    }
}

fn main() {}
