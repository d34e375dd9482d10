//! Bulk update: tick rows, then activate or deactivate them all in one request.
//!
//! Each checkbox is bound to a signal under `$selections` (`$selections.contact_0`, …); the
//! header's checkbox sets them all at once with `@setAll`. Activate and Deactivate send the
//! selections with a PUT; the server changes the ticked contacts and answers with two events:
//! the table body, whose changed rows flash, and the selections, all cleared.
//!
//! Each visitor has their own contacts (a session cookie). A selection that names no contact is
//! a 400 that says which.

use std::collections::HashMap;

use axum::http::StatusCode;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "bulk_update",
    title: "Bulk update",
    blurb: "Tick rows, then activate or deactivate them all with one request.",
    source: include_str!("bulk_update.rs"),
};

const STYLE: &str = "
#bulk_update tr.activated { animation: bulk-on 1s ease-out; }
#bulk_update tr.deactivated { animation: bulk-off 1s ease-out; }
@keyframes bulk-on { from { background: #c8f0d2; } }
@keyframes bulk-off { from { background: #f8d0d0; } }
";

struct Contact {
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
    .map(|(name, email, active)| Contact {
        name,
        email,
        active,
    })
    .collect()
}

/// The signals: `$selections.all` and one `$selections.contact_N` per row.
#[derive(Deserialize, Signals)]
struct Selection {
    selections: HashMap<String, bool>,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Mine(contacts): Mine<Vec<Contact>>| async move {
                layout.example(&EXAMPLE, demo(&contacts.lock().unwrap()))
            }),
        )
        .route("/activate", put(activate))
        .route("/deactivate", put(deactivate))
        .with_state(Visitors::new(first_contacts))
}

/// Every selection signal, false: `{"all": false, "contact_0": false, …}`.
fn cleared(contacts: &[Contact]) -> serde_json::Map<String, serde_json::Value> {
    let mut selections = serde_json::Map::new();
    selections.insert("all".into(), false.into());
    for i in 0..contacts.len() {
        selections.insert(format!("contact_{i}"), false.into());
    }
    selections
}

fn demo(contacts: &[Contact]) -> Markup {
    html! {
        #![signals = Selection]
        div #bulk_update style="overflow-x: auto" data-signals=(js(&serde_json::json!({ "selections": cleared(contacts) }))) {
            style { (STYLE) }
            table {
                caption.muted { "Tick rows, then activate or deactivate them." }
                thead { tr {
                    th { input #select_all type="checkbox" aria-label="Select all" data-bind="selections.all"
                        data-on:change="@setAll($selections.all, {include: /^selections\\.contact_/})"; }
                    th { "Name" } th { "Email" } th { "Status" }
                } }
                (rows(contacts, &[]))
            }
            div.row {
                button #activate data-on:click="@put('/examples/bulk_update/activate')" { "Activate" }
                button #deactivate.secondary data-on:click="@put('/examples/bulk_update/deactivate')" { "Deactivate" }
            }
            p.muted { "A port of " a href="https://data-star.dev/examples/bulk_update" { "the official example" } " on data-star.dev." }
        }
    }
}

/// The table body; the rows in `changed` flash.
fn rows(contacts: &[Contact], changed: &[usize]) -> Markup {
    html! {
        tbody #contacts {
            @for (i, contact) in contacts.iter().enumerate() {
                @let flash = changed.contains(&i);
                tr id={ "contact_" (i) } .activated[flash && contact.active] .deactivated[flash && !contact.active] {
                    td { input type="checkbox" aria-label={ "Select " (contact.name) }
                        data-bind=(format!("selections.contact_{i}")); }
                    td { (contact.name) }
                    td { (contact.email) }
                    td.status { (if contact.active { "Active" } else { "Inactive" }) }
                }
            }
        }
    }
}

/// `PUT /activate`: activates the ticked contacts. No selector: the body morphs `#contacts`.
#[fragment]
async fn activate(
    Mine(contacts): Mine<Vec<Contact>>,
    ReadSignals(selection): ReadSignals<Selection>,
) -> Result<(Markup, PatchSignals), (StatusCode, String)> {
    set_active(&mut contacts.lock().unwrap(), &selection, true)
}

/// `PUT /deactivate`: deactivates the ticked contacts.
#[fragment]
async fn deactivate(
    Mine(contacts): Mine<Vec<Contact>>,
    ReadSignals(selection): ReadSignals<Selection>,
) -> Result<(Markup, PatchSignals), (StatusCode, String)> {
    set_active(&mut contacts.lock().unwrap(), &selection, false)
}

/// The body with the changed rows flashing, then every selection cleared. The rows are checked
/// before any changes: a selection that names no contact changes nothing.
fn set_active(
    contacts: &mut [Contact],
    selection: &Selection,
    active: bool,
) -> Result<(Markup, PatchSignals), (StatusCode, String)> {
    let mut ticked = Vec::new();
    for (key, &on) in &selection.selections {
        if key == "all" {
            continue;
        }
        let row = key
            .strip_prefix("contact_")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n < contacts.len())
            .ok_or_else(|| {
                (
                    StatusCode::BAD_REQUEST,
                    format!("no contact is selected by `{key}`"),
                )
            })?;
        if on && contacts[row].active != active {
            ticked.push(row);
        }
    }
    for &row in &ticked {
        contacts[row].active = active;
    }
    Ok((
        rows(contacts, &ticked),
        signals!({ "selections": cleared(contacts) }),
    ))
}
