//! Delete row: a Delete button asks the browser's `confirm`, then removes exactly its row.
//!
//! `confirm('Are you sure?') && @delete(..)`: nothing is sent unless the user agrees. The
//! server forgets the contact and answers with one `remove` event for `#contact_{id}`, a
//! selector template filled from the path (and escaped, whatever the id). Reset brings the
//! contacts back.
//!
//! Each visitor deletes their own contacts (a session cookie); deleting one that is not there
//! is a 404 that says so.

use axum::http::StatusCode;
use datastar_runtime::prelude::*;

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "delete_row",
    title: "Delete row",
    blurb: "Delete a table row after a confirm; the server removes exactly that row.",
    source: include_str!("delete_row.rs"),
};

struct Contact {
    id: u32,
    name: &'static str,
    email: &'static str,
    active: bool,
}

/// A new visitor's contacts, as on the official page.
fn first_contacts() -> Vec<Contact> {
    [
        ("Joe Smith", "joe@smith.org", true),
        ("Angie MacDowell", "angie@macdowell.org", true),
        ("Fuqua Tarkenton", "fuqua@tarkenton.org", true),
        ("Kim Yee", "kim@yee.org", false),
    ]
    .into_iter()
    .zip(0..)
    .map(|((name, email, active), id)| Contact {
        id,
        name,
        email,
        active,
    })
    .collect()
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Mine(contacts): Mine<Vec<Contact>>| async move {
                let demo = html! {
                    (table(&contacts.lock().unwrap()))
                    p.muted { "A port of " a href="https://data-star.dev/examples/delete_row" { "the official example" } " on data-star.dev." }
                };
                layout.example(&EXAMPLE, demo)
            }),
        )
        .route("/contact/{id}", delete(remove))
        .route("/reset", post(reset))
        .with_state(Visitors::new(first_contacts))
}

fn table(contacts: &[Contact]) -> Markup {
    html! {
        div #delete_row style="overflow-x: auto" {
            table {
                thead { tr { th { "Name" } th { "Email" } th { "Status" } th {} } }
                tbody {
                    @for contact in contacts {
                        tr id={ "contact_" (contact.id) } {
                            td.name { (contact.name) }
                            td { (contact.email) }
                            td { (if contact.active { "Active" } else { "Inactive" }) }
                            td { button.delete.secondary
                                data-on:click={ "confirm('Are you sure?') && @delete("
                                    (js(&format!("/examples/delete_row/contact/{}", contact.id))) ")" } {
                                "Delete"
                            } }
                        }
                    }
                }
            }
            div.row { button #reset data-on:click="@post('/examples/delete_row/reset')" { "Reset" } }
        }
    }
}

/// `DELETE /contact/{id}`: forgets the contact and removes its row, `#contact_{id}`.
#[fragment(selector = "#contact_{id}", mode = "remove")]
async fn remove(
    Mine(contacts): Mine<Vec<Contact>>,
    Path(id): Path<u32>,
) -> Result<(), (StatusCode, String)> {
    let mut contacts = contacts.lock().unwrap();
    let before = contacts.len();
    contacts.retain(|contact| contact.id != id);
    if contacts.len() == before {
        return Err((StatusCode::NOT_FOUND, format!("there is no contact {id}")));
    }
    Ok(())
}

/// `POST /reset`: every contact back; no selector, so the table morphs `#delete_row`.
#[fragment]
async fn reset(Mine(contacts): Mine<Vec<Contact>>) -> Markup {
    let mut contacts = contacts.lock().unwrap();
    *contacts = first_contacts();
    table(&contacts)
}
