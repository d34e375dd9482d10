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

mod active_search;
mod click_to_edit;
mod click_to_load;
mod essay;
mod layout;
mod live_feed;
mod progress_bar;
mod todomvc;
mod visitor;

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
        .nest("/examples/live_feed", live_feed::routes(layout.clone()))
        .nest("/examples/todomvc", todomvc::routes(layout.clone()))
        .nest(essay::BASE, essay::routes(&seed))
        .route(layout::FAVICON_PATH, get(layout::favicon))
        .fallback(move || async move { layout.not_found() });
    // Each visitor's todos and contact are their own (a session cookie), and no signals
    // payload of the gallery needs more than 64 KiB: every input has its own, smaller, limit.
    app = app
        .layer(axum::middleware::from_fn(visitor::sessions))
        .layer(
            DatastarLayer::new()
                .compression(true)
                .signals_limit(64 * 1024),
        );
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

struct Args {
    port: u16,
    client: Client,
    /// The essay's Datastar 0.19.9: `--datastar-seed-js PATH` or `DATASTAR_SEED_JS`.
    seed_client: Client,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 3000,
        client: std::env::var_os("DATASTAR_JS").map_or(Client::Cdn, |p| Client::Local(p.into())),
        seed_client: std::env::var_os("DATASTAR_SEED_JS")
            .map_or(Client::Cdn, |p| Client::Local(p.into())),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().ok_or(format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--datastar-js" => args.client = Client::Local(value()?.into()),
            "--datastar-seed-js" => args.seed_client = Client::Local(value()?.into()),
            "-h" | "--help" => {
                return Err(
                    "usage: gallery [--port PORT] [--datastar-js PATH] [--datastar-seed-js PATH]"
                        .into(),
                );
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2);
    });
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|e| panic!("cannot listen on {addr}: {e}"));
    println!("Datastar examples gallery on http://{addr}");
    // Timeouts, a connection cap and TCP keep-alive: the gallery is meant to face the internet.
    datastar_runtime::serve(listener, with_seed_client(args.client, args.seed_client))
        .await
        .unwrap();
}
