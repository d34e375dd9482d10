use datastar_runtime::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Signals)]
struct Address {
    city: String,
}

#[derive(Deserialize, Signals)]
#[serde(rename_all = "camelCase")]
struct Contact {
    first_name: String,
    #[serde(rename = "mail")]
    email: String,
    address: Address,
}

#[fragment(signals = Contact)]
async fn form() -> Markup {
    html! {
        div #contact {
            // Flat: the key reads as `fristName`.
            input data-bind:frist-name;
            // Renamed: serde reads this field as `mail`.
            input data-bind="email";
            // Nested: `Address` has no `town`.
            span data-text="$address.town" {}
            // These are fields of `Contact`.
            input data-bind:first-name;
            input data-bind="mail";
            span data-text="$address.city" data-show="$_open" {}
        }
    }
}

fn main() {
    let _ = patch!(signals = Contact, html! { p #nick data-text="$nickname" {} });
}
