//! The essay's click to edit, where this crate began: the "Streaming Backend" essay's example,
//! with its markup, served in the Seed dialect to the client of its time, Datastar 0.19.9.
//!
//! The page holds an empty `#contact_1` that loads the contact with `$$get` on load. Edit
//! brings the form and, in a `datastar-signal` event, the values its inputs are bound to
//! (`data-model`); Save sends the store with `$$put`, Cancel loads the contact again. Every
//! handler answers with one `datastar-fragment` that morphs `#contact_1`.
//!
//! The markup is 0.19's (`data-on-load`, `data-on-click`, `data-model`, `$$get`), so it is
//! written with `maud::html!`: the prelude's `html!` checks Datastar 1.0's grammar. Each
//! visitor edits their own contact (the gallery's session cookie); names are at most 50
//! characters and the email 254.

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use datastar_runtime::prelude::*;
use maud::{DOCTYPE, PreEscaped};
use serde::{Deserialize, Serialize};

use super::Client;
use super::visitor::{Mine, Visitors};

/// Datastar 0.19.9, the last release of the essay's generation, from its CDN.
pub const CDN_SEED_CLIENT: &str =
    "https://cdn.jsdelivr.net/npm/@sudodevnull/datastar@0.19.9/dist/datastar.iife.js";

/// Where the essay is served.
pub const BASE: &str = "/essay/click_to_edit";

/// Where the gallery serves a local 0.19.9 given with `--datastar-seed-js`, under [`BASE`].
const LOCAL_CLIENT: &str = "/datastar-0.19.9.js";

const SOURCE: &str = include_str!("essay.rs");

/// The essay's contact, as its store names it (`firstName`, `lastName`, `email`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contact {
    first_name: String,
    last_name: String,
    email: String,
}

const MAX_NAME: usize = 50;
const MAX_EMAIL: usize = 254;

impl Contact {
    /// What is wrong with it, if anything.
    fn problem(&self) -> Option<&'static str> {
        let too_long = |value: &str, max| value.chars().count() > max;
        if [&self.first_name, &self.last_name, &self.email]
            .iter()
            .any(|v| v.trim().is_empty())
        {
            Some("every field is required")
        } else if too_long(&self.first_name, MAX_NAME) || too_long(&self.last_name, MAX_NAME) {
            Some("names are at most 50 characters")
        } else if too_long(&self.email, MAX_EMAIL) || !self.email.contains('@') {
            Some("the email is not an email address")
        } else {
            None
        }
    }
}

fn joe() -> Contact {
    Contact {
        first_name: "Joe".into(),
        last_name: "Blow".into(),
        email: "joe@blow.com".into(),
    }
}

/// The essay's routes, under a router of their own in the Seed dialect.
pub fn routes(client: &Client) -> Router {
    let src: Arc<str> = match client {
        Client::Cdn => CDN_SEED_CLIENT.into(),
        Client::Local(_) => format!("{BASE}{LOCAL_CLIENT}").into(),
    };
    let mut essay = Router::new()
        .route("/", get(page).with_state(src))
        .merge(
            Router::new()
                .route("/contact/1", get(view).put(save))
                .route("/contact/1/edit", get(edit))
                .with_state(Visitors::new(joe)),
        )
        .layer(
            DatastarLayer::new()
                .dialect(Dialect::Seed)
                .signals_limit(4 * 1024),
        );
    if let Client::Local(path) = client {
        let js = std::fs::read(path).unwrap_or_else(|e| {
            panic!(
                "cannot read the Datastar 0.19.9 client {}: {e}",
                path.display()
            )
        });
        essay = essay.route(
            LOCAL_CLIENT,
            get(move || async move { ([(header::CONTENT_TYPE, "text/javascript")], js) }),
        );
    }
    essay
}

/// The page: the essay's empty `#contact_1`, which loads the contact.
async fn page(State(src): State<Arc<str>>) -> Markup {
    // 0.19's store starts with the form's signals, so that its inputs can bind at once.
    maud::html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "The essay's click to edit · Datastar for Rust" }
                style { (PreEscaped(CSS)) }
                script defer src=(src) {}
            }
            body data-store="{firstName: '', lastName: '', email: ''}" {
                p { a href="/" { "Datastar for Rust" } " · where it began" }
                h1 { "The essay's click to edit" }
                p {
                    "The example of the \"Streaming Backend\" essay, as it was: Datastar 0.19.9 "
                    "in the page, " code { "datastar-fragment" } " events from "
                    code { "#[fragment(selector = \"#contact_1\", merge = \"morph\")]" } "."
                }
                div #contact_1 data-on-load="$$get('/essay/click_to_edit/contact/1')" {}
                h2 { "The Rust" }
                pre { code { (SOURCE) } }
            }
        }
    }
}

/// `GET /contact/1`: the contact as text.
#[fragment(selector = "#contact_1", merge = "morph")]
async fn view(Mine(contact): Mine<Contact>) -> Markup {
    let contact = contact.lock().unwrap().clone();
    shown(&contact)
}

fn shown(contact: &Contact) -> Markup {
    maud::html! {
        div #contact_1 {
            label { "First Name: " span.first { (contact.first_name) } }
            label { "Last Name: " span.last { (contact.last_name) } }
            label { "Email: " span.email { (contact.email) } }
            div {
                button.edit data-on-click="$$get('/essay/click_to_edit/contact/1/edit')" { "Edit" }
            }
        }
    }
}

/// `GET /contact/1/edit`: the form, and its values as signals (a `datastar-signal` event, so
/// no value goes through the page's expressions).
#[fragment(selector = "#contact_1", merge = "morph")]
async fn edit(Mine(contact): Mine<Contact>) -> (Markup, PatchSignals) {
    let contact = contact.lock().unwrap().clone();
    (form(None), signals(&contact))
}

fn signals(contact: &Contact) -> PatchSignals {
    PatchSignals::new(contact).unwrap_or_else(|_| signals!({}))
}

/// `PUT /contact/1`: the store; saved if it is a contact, else the form again, saying why.
#[fragment(selector = "#contact_1", merge = "morph")]
async fn save(Mine(stored): Mine<Contact>, ReadSignals(contact): ReadSignals<Contact>) -> Markup {
    if let Some(problem) = contact.problem() {
        return form(Some(problem));
    }
    *stored.lock().unwrap() = contact.clone();
    shown(&contact)
}

fn form(problem: Option<&str>) -> Markup {
    maud::html! {
        div #contact_1 {
            label { "First Name" input.first type="text" maxlength=(MAX_NAME) data-model="firstName"; }
            label { "Last Name" input.last type="text" maxlength=(MAX_NAME) data-model="lastName"; }
            label { "Email" input.email type="email" maxlength=(MAX_EMAIL) data-model="email"; }
            @if let Some(problem) = problem { p.error { (problem) } }
            div {
                button.save data-on-click="$$put('/essay/click_to_edit/contact/1')" { "Save" }
                button.cancel data-on-click="$$get('/essay/click_to_edit/contact/1')" { "Cancel" }
            }
        }
    }
}

const CSS: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}\
label{display:block;margin:.3rem 0}input{margin-left:.5rem}button{margin:.5rem .5rem 0 0}\
.error{color:#b00}pre{background:#f4f4f4;padding:1rem;overflow:auto;font-size:13px}";
