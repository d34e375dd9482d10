//! Lazy load: the page comes at once, and a slow part of it follows when it is ready.
//!
//! `#lazy_load` starts as a loading message whose `data-init` asks for the graph. The server
//! takes its time (two seconds, as on the official page), then answers with the graph, which morphs over the message.
//! The graph is an SVG drawn on the server: nothing else to fetch.

use std::time::Duration;

use datastar_runtime::prelude::*;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "lazy_load",
    title: "Lazy load",
    blurb: "The page shows at once; a slow graph loads after it and replaces its placeholder.",
    source: include_str!("lazy_load.rs"),
};

/// How long the pretend query behind the graph takes.
const SLOW: Duration = Duration::from_secs(2);

/// Monthly visits, in thousands, for the graph.
const VISITS: [(&str, u32); 12] = [
    ("Jan", 31),
    ("Feb", 28),
    ("Mar", 35),
    ("Apr", 42),
    ("May", 47),
    ("Jun", 45),
    ("Jul", 52),
    ("Aug", 58),
    ("Sep", 55),
    ("Oct", 63),
    ("Nov", 70),
    ("Dec", 76),
];

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, demo()) }),
        )
        .route("/graph", get(graph))
}

fn demo() -> Markup {
    html! {
        div #lazy_load data-init="@get('/examples/lazy_load/graph')" {
            p #loading.muted aria-busy="true" { "Loading the graph…" }
        }
        p.muted { "A port of " a href="https://data-star.dev/examples/lazy_load" { "the official example" } " on data-star.dev." }
    }
}

/// `GET /graph`: the graph, once it is ready. No selector: it morphs `#lazy_load`.
#[fragment]
async fn graph() -> Markup {
    tokio::time::sleep(SLOW).await; // the slow query
    let top = VISITS.iter().map(|(_, n)| *n).max().unwrap_or(1);
    let (width, height, bar) = (360, 160, 30);
    html! {
        figure #lazy_load style="margin: 0" {
            svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (width) " " (height + 20) }
                role="img" aria-label="Monthly visits" style="width: 100%; max-width: 36rem" {
                @for (i, (month, n)) in VISITS.iter().enumerate() {
                    @let h = n * height / top;
                    @let x = i * bar;
                    rect.bar x=(x + 4) y=(height - h) width=(bar - 8) height=(h) fill="#3d5afe" rx="3" {
                        title { (month) ": " (n) "k visits" }
                    }
                    text x=(x + bar / 2) y=(height + 14) font-size="10" text-anchor="middle" fill="#5d6675" { (month) }
                }
            }
            figcaption.muted { "Visits per month, in thousands." }
        }
    }
}
