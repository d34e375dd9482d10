//! Edit row: one row of a table at a time turns into inputs, and back.
//!
//! Edit fetches the whole table with that row as inputs and the other rows' Edit buttons gone,
//! plus the row's values as the signals `$name` and `$email` the inputs are bound to. Save
//! sends them with a PATCH: the server checks them and answers with the table, or keeps the
//! row in edit with the reason under it. Cancel and Reset fetch the table again.
//!
//! Each visitor edits their own contacts (a session cookie); a name is at most 50 characters
//! and an email 254, and only rows that exist can be edited.

use axum::http::StatusCode;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "edit_row",
    title: "Edit row",
    blurb: "Edit one row of a table in place; Save checks it on the server.",
    source: include_str!("edit_row.rs"),
};

const BASE: &str = "/examples/edit_row";
/// The longest name, in characters.
const MAX_NAME: usize = 50;
/// The longest email address, in characters.
const MAX_EMAIL: usize = 254;

#[derive(Clone)]
struct Contact {
    name: String,
    email: String,
}

/// A new visitor's contacts, as on the official page.
fn first_contacts() -> Vec<Contact> {
    [
        ("Joe Smith", "joe@smith.org"),
        ("Angie MacDowell", "angie@macdowell.org"),
        ("Fuqua Tarkenton", "fuqua@tarkenton.org"),
        ("Kim Yee", "kim@yee.org"),
    ]
    .map(|(name, email)| Contact {
        name: name.into(),
        email: email.into(),
    })
    .into()
}

/// The row being edited, as the inputs' signals.
#[derive(Deserialize, Signals)]
struct Draft {
    name: String,
    email: String,
}

impl Draft {
    /// Why the draft cannot be saved, if it cannot.
    fn problem(&self) -> Option<String> {
        let (name, email) = (self.name.trim(), self.email.trim());
        if name.is_empty() || email.is_empty() {
            return Some("A contact needs a name and an email.".into());
        }
        if name.chars().count() > MAX_NAME {
            return Some(format!("A name is at most {MAX_NAME} characters."));
        }
        if email.chars().count() > MAX_EMAIL {
            return Some(format!("An email is at most {MAX_EMAIL} characters."));
        }
        (!email.contains('@')).then(|| format!("`{email}` is not an email address."))
    }
}

/// Which row is in edit, and why its last save was refused.
struct Editing<'a> {
    row: usize,
    problem: Option<&'a str>,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Mine(contacts): Mine<Vec<Contact>>| async move {
                let demo = html! {
                    div data-signals="{name: '', email: ''}" { (table(&contacts.lock().unwrap(), None)) }
                    p.muted { "A port of " a href="https://data-star.dev/examples/edit_row" { "the official example" } " on data-star.dev." }
                };
                layout.example(&EXAMPLE, demo)
            }),
        )
        .route("/contacts", get(show))
        .route("/contacts/reset", post(reset))
        .route("/contacts/{row}/edit", get(edit))
        .route("/contacts/{row}", patch(save))
        .with_state(Visitors::new(first_contacts))
}

fn table(contacts: &[Contact], editing: Option<&Editing<'_>>) -> Markup {
    html! {
        #![signals = Draft]
        div #edit_row style="overflow-x: auto" {
            table {
                thead { tr { th { "Name" } th { "Email" } th {} } }
                tbody {
                    @for (i, contact) in contacts.iter().enumerate() {
                        @if let Some(edit) = editing.filter(|e| e.row == i) {
                            tr id={ "contact_" (i) } .editing {
                                td { input.name type="text" aria-label="Name" data-bind:name maxlength=(MAX_NAME); }
                                td { input.email type="text" aria-label="Email" data-bind:email maxlength=(MAX_EMAIL);
                                    @if let Some(problem) = edit.problem { p.error { (problem) } } }
                                td { div.row {
                                    button.save data-on:click={ "@patch(" (js(&format!("{BASE}/contacts/{i}"))) ")" } { "Save" }
                                    button.cancel.secondary data-on:click={ "@get(" (js(&format!("{BASE}/contacts"))) ")" } { "Cancel" }
                                } }
                            }
                        } @else {
                            tr id={ "contact_" (i) } {
                                td.name { (contact.name) }
                                td.email { (contact.email) }
                                td { @if editing.is_none() {
                                    button.edit.secondary data-on:click={ "@get(" (js(&format!("{BASE}/contacts/{i}/edit"))) ")" } { "Edit" }
                                } }
                            }
                        }
                    }
                }
            }
            div.row { button #reset.secondary data-on:click={ "@post(" (js(&format!("{BASE}/contacts/reset"))) ")" } { "Reset" } }
        }
    }
}

/// `GET /contacts`: the table, no row in edit (Cancel). It morphs `#edit_row`.
#[fragment]
async fn show(Mine(contacts): Mine<Vec<Contact>>) -> Markup {
    table(&contacts.lock().unwrap(), None)
}

/// `POST /contacts/reset`: the first contacts back.
#[fragment]
async fn reset(Mine(contacts): Mine<Vec<Contact>>) -> Markup {
    let mut contacts = contacts.lock().unwrap();
    *contacts = first_contacts();
    table(&contacts, None)
}

fn no_row(row: usize) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("there is no row {row}"))
}

/// `GET /contacts/{row}/edit`: the table with `row` in edit, and its values as the signals.
#[fragment]
async fn edit(
    Mine(contacts): Mine<Vec<Contact>>,
    Path(row): Path<usize>,
) -> Result<(Markup, PatchSignals), (StatusCode, String)> {
    let contacts = contacts.lock().unwrap();
    let contact = contacts.get(row).ok_or_else(|| no_row(row))?;
    let signals = signals!({ "name": contact.name, "email": contact.email });
    let editing = Editing { row, problem: None };
    Ok((table(&contacts, Some(&editing)), signals))
}

/// `PATCH /contacts/{row}`: saves `$name` and `$email`, or keeps the row in edit with the reason.
#[fragment]
async fn save(
    Mine(contacts): Mine<Vec<Contact>>,
    Path(row): Path<usize>,
    ReadSignals(draft): ReadSignals<Draft>,
) -> Result<Markup, (StatusCode, String)> {
    let mut contacts = contacts.lock().unwrap();
    if row >= contacts.len() {
        return Err(no_row(row));
    }
    if let Some(problem) = draft.problem() {
        let editing = Editing {
            row,
            problem: Some(&problem),
        };
        return Ok(table(&contacts, Some(&editing)));
    }
    contacts[row] = Contact {
        name: draft.name.trim().to_owned(),
        email: draft.email.trim().to_owned(),
    };
    Ok(table(&contacts, None))
}
