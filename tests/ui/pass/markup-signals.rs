//! Signals the markup reads that the type has, by serde's names, pass.

use std::collections::HashMap;

use datastar_runtime::prelude::*;
use serde::Deserialize;

#[derive(Deserialize, Signals)]
#[serde(rename_all = "kebab-case")]
struct Address {
    street_name: String,
    zip: Option<u32>,
}

#[derive(Deserialize, Signals)]
struct Paging {
    page: u32,
}

#[derive(Deserialize, Signals)]
#[serde(rename_all = "camelCase")]
struct Contact {
    first_name: String,
    #[serde(rename = "mail", alias = "email")]
    email_address: String,
    address: Address,
    #[serde(flatten)]
    paging: Paging,
    tags: Vec<String>,
    extra: HashMap<String, serde_json::Value>,
    #[serde(skip)]
    _cache: (),
    r#type: String,
}

#[fragment(signals = Contact)]
async fn form(ReadSignals(contact): ReadSignals<Contact>) -> Markup {
    let _ = (&contact.first_name, &contact.email_address, &contact.address.street_name);
    let _ = (contact.address.zip, contact.paging.page, &contact.tags, &contact.extra, &contact.r#type);
    html! {
        div #contact data-computed:full="$firstName + '!'" data-indicator:saving {
            input data-bind:first-name;
            input data-bind="mail";
            input data-bind="email";
            input "data-bind:address.street-name__case.kebab";
            span data-text="$address.zip + $page + $tags.length + $extra.anything.at.all" {}
            span data-text="$full + $saving + $_local + '$notASignal'" data-show="$type" {}
            button data-on:click="@put('/contact')" data-signals:draft="''" {}
            span data-text="$draft" {}
        }
    }
}

fn helper() -> Markup {
    html! {
        #![signals = Contact]
        p data-text="$address.street-name" {}
    }
}

fn main() {
    let _: Router = Router::new().route("/contact", put(form));
    let _ = patch!(signals = Contact, html! { p #p data-text="$firstName" {} });
    assert_eq!(helper().into_string(), r#"<p data-text="$address.street-name"></p>"#);
}
