//! One of three servers that send the same Datastar response to `GET /rows`, for `wrk`:
//!
//! - `fragment`: a `#[fragment]` handler of this project under `DatastarLayer`;
//! - `hand`: plain axum, the SSE bytes written by hand with the right headers;
//! - `official`: the official `datastar` 0.4.1 crate's axum integration (`write_as_axum_sse_event`
//!   in axum's own `Sse`).
//!
//! and two that answer `GET /rows/{id}` with the table into a templated selector, then a signal
//! patch, for the templates and tuples of `#[fragment]`:
//!
//! - `fragment-tuple`: `#[fragment(selector = "#row-{id} td", mode = "inner")]` returning
//!   `(Markup, PatchSignals)`;
//! - `hand-tuple`: plain axum, the same bytes written by hand.
//!
//! Every variant renders the same maud table (10 rows) per request, so the difference is the
//! cost of turning HTML into an SSE response.
//!
//! ```text
//! roundtrip-server fragment|hand|official|fragment-tuple|hand-tuple PORT
//! ```

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use datastar_runtime::{DatastarLayer, PatchSignals, fragment, signals};
use maud::{Markup, html};

struct Row {
    id: u32,
    name: &'static str,
    email: &'static str,
}

const ROWS: [Row; 10] = [
    Row {
        id: 1,
        name: "Ada Lovelace",
        email: "ada@example.com",
    },
    Row {
        id: 2,
        name: "Grace Hopper",
        email: "grace@example.com",
    },
    Row {
        id: 3,
        name: "Alan Turing",
        email: "alan@example.com",
    },
    Row {
        id: 4,
        name: "Edsger Dijkstra",
        email: "edsger@example.com",
    },
    Row {
        id: 5,
        name: "Barbara Liskov",
        email: "barbara@example.com",
    },
    Row {
        id: 6,
        name: "Donald Knuth",
        email: "donald@example.com",
    },
    Row {
        id: 7,
        name: "Margaret Hamilton",
        email: "margaret@example.com",
    },
    Row {
        id: 8,
        name: "Ken Thompson",
        email: "ken@example.com",
    },
    Row {
        id: 9,
        name: "Frances Allen",
        email: "frances@example.com",
    },
    Row {
        id: 10,
        name: "John McCarthy",
        email: "john@example.com",
    },
];

fn table() -> Markup {
    html! {
        tbody #results {
            @for row in &ROWS {
                tr #{"row-" (row.id)} {
                    td { (row.id) }
                    td { (row.name) }
                    td { a href={"mailto:" (row.email)} { (row.email) } }
                }
            }
        }
    }
}

#[fragment]
async fn rows_fragment() -> Markup {
    table()
}

async fn rows_hand() -> impl IntoResponse {
    let html = table().into_string();
    let mut body = String::with_capacity(html.len() + 64);
    body.push_str("event: datastar-patch-elements\ndata: elements ");
    body.push_str(&html); // maud writes no line breaks: one data line
    body.push_str("\n\n");
    // The same headers as the other two send.
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
            (header::CONNECTION, "keep-alive"),
        ],
        body,
    )
}

#[fragment(selector = "#row-{id} td", mode = "inner")]
async fn rows_fragment_tuple(Path(id): Path<u32>) -> (Markup, PatchSignals) {
    (table(), signals!({ "selected": id }))
}

async fn rows_hand_tuple(Path(id): Path<u32>) -> impl IntoResponse {
    let html = table().into_string();
    let mut body = String::with_capacity(html.len() + 160);
    // `#row-` then digits: nothing to escape.
    body.push_str("event: datastar-patch-elements\ndata: selector #row-");
    body.push_str(&id.to_string());
    body.push_str(" td\ndata: mode inner\ndata: elements ");
    body.push_str(&html); // maud writes no line breaks: one data line
    body.push_str("\n\nevent: datastar-patch-signals\ndata: signals {\"selected\":");
    body.push_str(&id.to_string());
    body.push_str("}\n\n");
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
            (header::CONNECTION, "keep-alive"),
        ],
        body,
    )
}

async fn rows_official() -> impl IntoResponse {
    let event =
        datastar::prelude::PatchElements::new(table().into_string()).write_as_axum_sse_event();
    axum::response::Sse::new(futures_util::stream::iter([Ok::<_, Infallible>(event)]))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(which), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: roundtrip-server fragment|hand|official|fragment-tuple|hand-tuple PORT");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("PORT");
    let app = match which.as_str() {
        "fragment" => Router::new()
            .route("/rows", get(rows_fragment))
            .layer(DatastarLayer::new()),
        "hand" => Router::new().route("/rows", get(rows_hand)),
        "official" => Router::new().route("/rows", get(rows_official)),
        "fragment-tuple" => Router::new()
            .route("/rows/{id}", get(rows_fragment_tuple))
            .layer(DatastarLayer::new()),
        "hand-tuple" => Router::new().route("/rows/{id}", get(rows_hand_tuple)),
        other => panic!("unknown server `{other}`"),
    };
    // One worker thread: the load tool gets the other core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        println!("{which} on http://{addr}/rows");
        axum::serve(listener, app).await.expect("serve");
    });
}
