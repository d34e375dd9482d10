//! Active search: the list filters as you type.
//!
//! The input is bound to `$search`; each keystroke, debounced by 200 ms, sends it with a GET.
//! The server answers with the whole component, input included: morphing leaves the focused
//! input and what is typed in it alone, and changes only the rows. `data-indicator` sets
//! `$searching` while a request is in flight, which shows the spinner.

use std::time::Duration;

use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "active_search",
    title: "Active search",
    blurb: "Type to filter a list on the server, debounced, with a loading indicator.",
    source: include_str!("active_search.rs"),
};

/// (first name, last name, email)
const PEOPLE: [(&str, &str, &str); 24] = [
    ("Ada", "Lovelace", "ada@analytical.engine"),
    ("Alan", "Turing", "alan@bletchley.uk"),
    ("Alice", "Liddell", "alice@wonder.land"),
    ("Barbara", "Liskov", "barbara@mit.edu"),
    ("Brian", "Kernighan", "bwk@bell-labs.com"),
    ("Claude", "Shannon", "claude@bell-labs.com"),
    ("Dennis", "Ritchie", "dmr@bell-labs.com"),
    ("Donald", "Knuth", "knuth@stanford.edu"),
    ("Edsger", "Dijkstra", "ewd@utexas.edu"),
    ("Frances", "Allen", "fran@ibm.com"),
    ("Grace", "Hopper", "grace@navy.mil"),
    ("Guido", "van Rossum", "guido@python.org"),
    ("John", "McCarthy", "jmc@stanford.edu"),
    ("Ken", "Thompson", "ken@bell-labs.com"),
    ("Leslie", "Lamport", "leslie@microsoft.com"),
    ("Linus", "Torvalds", "linus@kernel.org"),
    ("Margaret", "Hamilton", "margaret@nasa.gov"),
    ("Niklaus", "Wirth", "wirth@ethz.ch"),
    ("Radia", "Perlman", "radia@dec.com"),
    ("Rob", "Pike", "rob@golang.org"),
    ("Sophie", "Wilson", "sophie@acorn.co.uk"),
    ("Tim", "Berners-Lee", "timbl@w3.org"),
    ("Tony", "Hoare", "tony@oxford.ac.uk"),
    ("Barbara", "McClintock", "barbara@cshl.edu"),
];

#[derive(Deserialize, Signals)]
struct Search {
    search: String,
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, component("")) }),
        )
        .route("/search", get(search))
}

/// `GET /search?datastar={"search":…}`: the component, filtered, morphed over `#active_search`.
#[fragment]
async fn search(ReadSignals(Search { search }): ReadSignals<Search>) -> Markup {
    // A real search takes a moment; this one pretends to, so that the indicator shows.
    tokio::time::sleep(Duration::from_millis(150)).await;
    component(&search)
}

/// The longest search, in characters.
const MAX_SEARCH: usize = 100;

fn component(query: &str) -> Markup {
    let query = query.trim().to_lowercase();
    let too_long = query.chars().count() > MAX_SEARCH;
    let matches: Vec<_> = PEOPLE
        .iter()
        .filter(|_| !too_long)
        .filter(|(first, last, email)| {
            [first, last, email]
                .iter()
                .any(|field| field.to_lowercase().contains(&query))
        })
        .collect();
    html! {
        // Every signal this markup reads is a field of `Search` (`$searching` is the page's own).
        #![signals = Search]
        div #active_search {
            div.row {
                input #search type="text" placeholder="Search by name or email"
                    data-bind:search maxlength=(MAX_SEARCH)
                    data-indicator:searching
                    "data-on:input__debounce.200ms"="@get('/examples/active_search/search')";
                span #spinner.muted data-show="$searching" style="display: none" { "Searching…" }
            }
            table {
                thead { tr { th { "First" } th { "Last" } th { "Email" } } }
                tbody #results {
                    @for (first, last, email) in &matches {
                        tr { td { (first) } td { (last) } td { (email) } }
                    }
                }
            }
            @if too_long {
                p #summary.error { "A search is at most " (MAX_SEARCH) " characters." }
            } @else {
                p #summary.muted { (matches.len()) " of " (PEOPLE.len()) " people" }
            }
        }
    }
}
