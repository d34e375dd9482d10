//! The examples gallery: each page shows a live Datastar demo beside the Rust that serves it.
//!
//! ```text
//! cargo run --release --example gallery -- --port 3000
//! cargo run --release --example gallery -- --datastar-js path/to/datastar.js   # offline
//! ```
//!
//! Pages load the Datastar 1.0 client from the official CDN, or, with `--datastar-js PATH` (or
//! the `DATASTAR_JS` environment variable), from a local file that the gallery serves itself.
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
mod click_to_edit;
mod click_to_load;
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
/// streams are compressed (brotli or gzip) whenever the browser accepts it.
pub fn app(client: Client) -> Router {
    let layout = Layout::new(&client);
    let live_feed = live_feed::routes(layout.clone());
    app_with(client, layout, live_feed)
}

/// The gallery as one process of a cluster on `nats`: [`app`], with the live feed shared by
/// every process.
#[cfg(feature = "nats")]
pub async fn cluster_app(
    client: Client,
    nats: &datastar_runtime::nats::Nats,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let layout = Layout::new(&client);
    let live_feed = live_feed::cluster_routes(layout.clone(), nats).await?;
    Ok(app_with(client, layout, live_feed))
}

fn app_with(client: Client, layout: Layout, live_feed: Router) -> Router {
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
    /// The NATS server of the cluster, if any.
    nats: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        port: 3000,
        client: std::env::var_os("DATASTAR_JS").map_or(Client::Cdn, |p| Client::Local(p.into())),
        nats: std::env::var("NATS_URL").ok().filter(|url| !url.is_empty()),
    };
    let mut argv = std::env::args().skip(1);
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().ok_or(format!("`{arg}` needs a value"));
        match arg.as_str() {
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--datastar-js" => args.client = Client::Local(value()?.into()),
            "--nats" => args.nats = Some(value()?),
            "-h" | "--help" => {
                return Err(
                    "usage: gallery [--port PORT] [--datastar-js PATH] [--nats URL]".into(),
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
    let app = match args.nats {
        None => app(args.client),
        #[cfg(feature = "nats")]
        Some(url) => {
            let nats = datastar_runtime::nats::Nats::connect(url.as_str())
                .await
                .unwrap_or_else(|e| panic!("cannot connect to NATS at {url}: {e}"));
            let app = cluster_app(args.client, &nats)
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
    datastar_runtime::serve(listener, app).await.unwrap();
}
