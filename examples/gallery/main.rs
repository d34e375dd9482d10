//! The examples gallery: each page shows a live Datastar demo beside the Rust that serves it.
//!
//! ```text
//! cargo run --release --example gallery -- --port 3000
//! cargo run --release --example gallery -- --datastar-js path/to/datastar.js   # offline
//! ```
//!
//! Pages load the Datastar 1.0 client from the official CDN, or, with `--datastar-js PATH` (or
//! the `DATASTAR_JS` environment variable), from a local file that the gallery serves itself.
//! The essay's page (`/essay/click_to_edit`) loads Datastar 0.19.9 the same way, with
//! `--datastar-seed-js PATH` (or `DATASTAR_SEED_JS`).
//!
//! Built with the `nats` feature, `--nats URL` (or `NATS_URL`) runs the gallery as one process
//! of a cluster: the live feed is shared by every gallery process on the same NATS server.
//!
//! ```text
//! nats-server -a 127.0.0.1 -p 4222 &
//! cargo run --release --example gallery --features nats -- --port 3000 --nats nats://127.0.0.1:4222 &
//! cargo run --release --example gallery --features nats -- --port 3001 --nats nats://127.0.0.1:4222
//! ```

mod active_search;
mod backend_actions;
mod bulk_update;
mod click_to_edit;
mod click_to_load;
mod delete_row;
mod edit_row;
mod essay;
mod file_upload;
mod infinite_scroll;
mod inline_validation;
pub mod layout;
mod lazy_load;
mod lazy_tabs;
mod live_feed;
mod progress_bar;
mod sortable;
mod source;
mod todomvc;
mod value_select;
mod visitor;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use axum::Router;
use axum::http::header;
use axum::routing::get;
use datastar_runtime::DatastarLayer;

use layout::Layout;

/// Where the pages load the Datastar client from.
#[derive(Clone, Debug)]
pub enum Client {
    /// The official bundle on the jsDelivr CDN.
    Cdn,
    /// A local file, served by the gallery at [`layout::LOCAL_CLIENT_PATH`].
    Local(PathBuf),
}

/// The whole gallery: the index, every example under `/examples/NAME`, and the client. Its
/// streams are compressed (brotli or gzip) whenever the browser accepts it. The essay's page
/// loads Datastar 0.19.9 from its CDN.
pub fn app(client: Client) -> Router {
    with_seed_client(client, Client::Cdn)
}

/// [`app`], with the essay's page (`/essay/click_to_edit`, Seed dialect) loading Datastar
/// 0.19.9 from `seed`.
pub fn with_seed_client(client: Client, seed: Client) -> Router {
    let layout = Layout::new(&client);
    let live_feed = live_feed::routes(layout.clone());
    app_with(client, seed, layout, live_feed)
}

/// The gallery as one process of a cluster on `nats`: [`app`], with the live feed shared by
/// every process.
#[cfg(feature = "nats")]
pub async fn cluster_app(
    client: Client,
    nats: &datastar_runtime::nats::Nats,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    cluster_app_with_seed_client(client, Client::Cdn, nats).await
}

/// [`cluster_app`], with the essay's page loading Datastar 0.19.9 from `seed`.
#[cfg(feature = "nats")]
pub async fn cluster_app_with_seed_client(
    client: Client,
    seed: Client,
    nats: &datastar_runtime::nats::Nats,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let layout = Layout::new(&client);
    let live_feed = live_feed::cluster_routes(layout.clone(), nats).await?;
    Ok(app_with(client, seed, layout, live_feed))
}

fn app_with(client: Client, seed: Client, layout: Layout, live_feed: Router) -> Router {
    let wire = wire::Wire::new();
    let mut app = Router::new()
        .route("/", get(layout::index).with_state(layout.clone()))
        .nest(
            "/examples/click_to_edit",
            click_to_edit::routes(layout.clone()),
        )
        .nest(
            "/examples/active_search",
            active_search::routes(layout.clone()),
        )
        .nest(
            "/examples/click_to_load",
            click_to_load::routes(layout.clone()),
        )
        .nest(
            "/examples/progress_bar",
            progress_bar::routes(layout.clone()),
        )
        .nest("/examples/live_feed", live_feed)
        .nest("/examples/todomvc", todomvc::routes(layout.clone()))
        .nest("/examples/bulk_update", bulk_update::routes(layout.clone()))
        .nest("/examples/delete_row", delete_row::routes(layout.clone()))
        .nest("/examples/edit_row", edit_row::routes(layout.clone()))
        .nest(
            "/examples/inline_validation",
            inline_validation::routes(layout.clone()),
        )
        .nest("/examples/lazy_load", lazy_load::routes(layout.clone()))
        .nest("/examples/lazy_tabs", lazy_tabs::routes(layout.clone()))
        .nest(
            "/examples/infinite_scroll",
            infinite_scroll::routes(layout.clone()),
        )
        .nest(
            "/examples/value_select",
            value_select::routes(layout.clone()),
        )
        .nest("/examples/file_upload", file_upload::routes(layout.clone()))
        .nest("/examples/sortable", sortable::routes(layout.clone()))
        .nest(
            "/examples/backend_actions",
            backend_actions::routes(layout.clone()),
        )
        .nest(essay::BASE, essay::routes(&seed))
        .route(layout::FAVICON_PATH, get(layout::favicon))
        .route("/wire/{slug}", get(wire::stream).with_state(wire.clone()))
        .fallback(move || async move { layout.not_found() });
    // Each visitor's todos and contact are their own (a session cookie), and no signals
    // payload of the gallery needs more than 64 KiB: every input has its own, smaller, limit.
    app = app
        .layer(axum::middleware::from_fn(visitor::sessions))
        .layer(
            DatastarLayer::new()
                .compression(true)
                .signals_limit(64 * 1024),
        )
        // Outside the rest, so that it sees the bytes as they go on the wire.
        .layer(axum::middleware::from_fn_with_state(wire, wire::tap));
    if let Client::Local(path) = &client {
        let js = std::fs::read(path)
            .unwrap_or_else(|e| panic!("cannot read the Datastar client {}: {e}", path.display()));
        app = app.route(
            layout::LOCAL_CLIENT_PATH,
            get(move || async move { ([(header::CONTENT_TYPE, "text/javascript")], js) }),
        );
    }
    app
}

/// The gallery's command line.
#[derive(clap::Parser, Debug)]
#[command(name = "gallery", about = "The Datastar for Rust examples gallery")]
struct Args {
    /// The port to listen on, on 127.0.0.1.
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// Serve this local Datastar client instead of loading it from the CDN (for offline use).
    #[arg(long, env = "DATASTAR_JS", value_name = "PATH")]
    datastar_js: Option<PathBuf>,
    /// Serve this local Datastar 0.19.9 to the essay's page instead of loading it from the CDN.
    #[arg(long, env = "DATASTAR_SEED_JS", value_name = "PATH")]
    datastar_seed_js: Option<PathBuf>,
    /// Run as one process of a cluster: share the live feed on this NATS server (needs the
    /// gallery built with `--features nats`).
    #[arg(long, env = "NATS_URL", value_name = "URL")]
    nats: Option<String>,
}

impl Args {
    fn client(&self) -> Client {
        self.datastar_js.clone().map_or(Client::Cdn, Client::Local)
    }

    fn seed_client(&self) -> Client {
        self.datastar_seed_js
            .clone()
            .map_or(Client::Cdn, Client::Local)
    }
}

#[tokio::main]
async fn main() {
    let args = <Args as clap::Parser>::parse();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = datastar_runtime::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    let (client, seed) = (args.client(), args.seed_client());
    let app = match args.nats.filter(|url| !url.is_empty()) {
        None => with_seed_client(client, seed),
        #[cfg(feature = "nats")]
        Some(url) => {
            let nats = datastar_runtime::nats::Nats::connect(url.as_str())
                .await
                .unwrap_or_else(|e| panic!("cannot connect to NATS at {url}: {e}"));
            let app = cluster_app_with_seed_client(client, seed, &nats)
                .await
                .unwrap_or_else(|e| panic!("cannot share the gallery on NATS: {e}"));
            println!("sharing the live feed on NATS at {url}");
            app
        }
        #[cfg(not(feature = "nats"))]
        Some(_) => {
            eprintln!("--nats (or NATS_URL): this gallery was built without the `nats` feature");
            std::process::exit(2);
        }
    };
    println!("Datastar examples gallery on http://{addr}");
    // Timeouts, a connection cap and TCP keep-alive: the gallery is meant to face the internet.
    // Browsers never speak h2c (HTTP/2 comes only with TLS, from a proxy in front): HTTP/1.1
    // alone keeps each open stream 0.9 KiB smaller.
    datastar_runtime::serve(listener, app)
        .http2(false)
        .await
        .unwrap();
}
