//! Click to edit: a contact shown as text turns into a form in place, and back.
//!
//! The page holds an empty `#contact_1` that fetches its content on load (`data-init`). Edit
//! swaps in a form whose inputs are bound to signals; Save sends those signals with PUT, and
//! the server answers with the contact, or with the same form and the errors beside the fields.
//!
//! Each visitor edits their own copy of the contact (a session cookie); names are at most 50
//! characters and the email 254, and only the contacts that exist can be saved.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use datastar_runtime::prelude::*;
use serde::{Deserialize, Serialize};

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "click_to_edit",
    title: "Click to edit",
    blurb: "Edit a record in place: the view becomes a form, Save validates on the server.",
    source: include_str!("click_to_edit.rs"),
};

/// A contact as stored, and as the form's signals (`$first`, `$last`, `$email`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Contact {
    first: String,
    last: String,
    email: String,
}

/// What is wrong with a submitted contact, field by field.
#[derive(Default)]
struct Errors {
    first: Option<&'static str>,
    last: Option<&'static str>,
    email: Option<&'static str>,
}

/// The longest name, in characters.
const MAX_NAME: usize = 50;
/// The longest email address, in characters (RFC 5321's limit).
const MAX_EMAIL: usize = 254;

impl Contact {
    fn validate(&self) -> Result<(), Errors> {
        let required = |value: &str| value.trim().is_empty().then_some("required");
        let at_most =
            |value: &str, max: usize, message| (value.chars().count() > max).then_some(message);
        let name = |value: &str| {
            required(value).or_else(|| at_most(value, MAX_NAME, "at most 50 characters"))
        };
        let errors = Errors {
            first: name(&self.first),
            last: name(&self.last),
            email: required(&self.email)
                .or_else(|| at_most(&self.email, MAX_EMAIL, "at most 254 characters"))
                .or_else(|| {
                    let (user, domain) = self.email.split_once('@').unwrap_or_default();
                    (user.is_empty() || !domain.contains('.')).then_some("not an email address")
                }),
        };
        match errors {
            Errors {
                first: None,
                last: None,
                email: None,
            } => Ok(()),
            errors => Err(errors),
        }
    }
}

/// One visitor's contacts, by id.
type Book = HashMap<u32, Contact>;
type Contacts = Arc<Mutex<Book>>;

/// The stored contact `id`, or an empty one.
fn stored(contacts: &Contacts, id: u32) -> Contact {
    contacts
        .lock()
        .unwrap()
        .get(&id)
        .cloned()
        .unwrap_or_default()
}

/// A new visitor's contacts.
fn first_book() -> Book {
    HashMap::from([(
        1,
        Contact {
            first: "Joe".into(),
            last: "Blow".into(),
            email: "joe@blow.com".into(),
        },
    )])
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route("/", get(move || async move { page(&layout) }))
        .route("/contact/{id}", get(view).put(save))
        .route("/contact/{id}/edit", get(edit))
        .with_state(Visitors::new(first_book))
}

fn page(layout: &Layout) -> Markup {
    layout.example(
        &EXAMPLE,
        html! {
            div #contact_1 data-init="@get('/examples/click_to_edit/contact/1')" {
                p.muted { "Loading…" }
            }
        },
    )
}

fn url(id: u32) -> String {
    format!("/examples/click_to_edit/contact/{id}")
}

/// `GET /contact/{id}`: the contact as text, with an Edit button. Without a selector, the
/// fragment morphs the element with its id, `#contact_{id}`.
#[fragment]
async fn view(Mine(contacts): Mine<Book>, Path(id): Path<u32>) -> Markup {
    let contact = stored(&contacts, id);
    shown(id, &contact)
}

fn shown(id: u32, contact: &Contact) -> Markup {
    html! {
        div id={"contact_" (id)} {
            p { strong { "First name: " } span.first { (contact.first) } }
            p { strong { "Last name: " } span.last { (contact.last) } }
            p { strong { "Email: " } span.email { (contact.email) } }
            button.edit data-on:click={"@get(" (js(&format!("{}/edit", url(id)))) ")"} { "Edit" }
        }
    }
}

/// `GET /contact/{id}/edit`: the form, its signals holding the stored values.
#[fragment]
async fn edit(Mine(contacts): Mine<Book>, Path(id): Path<u32>) -> Markup {
    let contact = stored(&contacts, id);
    form(id, &contact, &Errors::default())
}

/// `PUT /contact/{id}`: the signals of the form; stored if valid, else the form with its errors.
/// Only a contact that exists is saved: the ids are not a way to fill the server's memory.
#[fragment]
async fn save(
    Mine(contacts): Mine<Book>,
    Path(id): Path<u32>,
    ReadSignals(contact): ReadSignals<Contact>,
) -> Result<Markup, (StatusCode, String)> {
    if let Err(errors) = contact.validate() {
        return Ok(form(id, &contact, &errors));
    }
    match contacts.lock().unwrap().get_mut(&id) {
        Some(stored) => *stored = contact.clone(),
        None => return Err((StatusCode::NOT_FOUND, format!("there is no contact {id}"))),
    }
    Ok(shown(id, &contact))
}

fn form(id: u32, contact: &Contact, errors: &Errors) -> Markup {
    // `data-signals` seeds the signals that the inputs bind; morphing keeps what the user typed.
    // `js`, not `serde_json::to_string`: the values are user text, and plain JSON could run it.
    html! {
        div id={"contact_" (id)} data-signals=(js(contact)) {
            (field("First name", "first", errors.first))
            (field("Last name", "last", errors.last))
            (field("Email", "email", errors.email))
            div.row {
                button.save data-on:click={"@put(" (js(&url(id))) ")"} { "Save" }
                button.secondary.cancel data-on:click={"@get(" (js(&url(id))) ")"} { "Cancel" }
            }
        }
    }
}

fn field(label: &str, signal: &str, error: Option<&str>) -> Markup {
    html! {
        label {
            (label)
            input type="text" name=(signal) data-bind=(signal)
                maxlength=(if signal == "email" { MAX_EMAIL } else { MAX_NAME });
            @if let Some(error) = error { span.error { (error) } }
        }
    }
}
