//! The fan-out server: every client of `GET /feed` subscribes to one hub topic, and a task
//! publishes an event every `INTERVAL_MS` (100) that carries its publish time (microseconds
//! since the Unix epoch), for `SECONDS` seconds, then the server exits.
//!
//! ```text
//! fanout-server PORT SECONDS [INTERVAL_MS] [hub|axum]
//! ```
//!
//! `axum` is the baseline without this crate: axum's own `Sse` fed by a `tokio::sync::broadcast`
//! of the HTML, each subscriber making its own `sse::Event` (as axum apps do by hand).
//!
//! It prints `subscribers N` each second, so a script can follow it.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::response::sse;
use axum::routing::get;
use datastar_runtime::{DatastarLayer, Hub, PatchElements, Subscription};
use tokio::sync::broadcast;

async fn feed(State(hub): State<Hub<()>>) -> Subscription<()> {
    hub.subscribe(())
}

async fn axum_feed(
    State(sender): State<broadcast::Sender<Arc<str>>>,
) -> axum::response::Sse<impl futures_util::Stream<Item = Result<sse::Event, Infallible>>> {
    let stream = futures_util::stream::unfold(sender.subscribe(), |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(html) => {
                    let event = sse::Event::default()
                        .event("datastar-patch-elements")
                        .data(format!("elements {html}"));
                    return Some((Ok(event), receiver));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    axum::response::Sse::new(stream)
}

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_micros()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port: u16 = args
        .first()
        .and_then(|p| p.parse().ok())
        .expect("usage: fanout-server PORT SECONDS [INTERVAL_MS]");
    let seconds: u64 = args.get(1).and_then(|p| p.parse().ok()).expect("SECONDS");
    let interval = Duration::from_millis(args.get(2).and_then(|p| p.parse().ok()).unwrap_or(100));
    let baseline = match args.get(3).map_or("hub", String::as_str) {
        "hub" => false,
        "axum" => true,
        other => panic!("unknown server `{other}`: hub or axum"),
    };
    // Both cores: the client process shares them.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        // A resync is the latest state: here, an event with the current time.
        let hub = Hub::new(|_: &()| {
            [PatchElements::new(format!(
                r#"<span id="t">{}</span>"#,
                now_micros()
            ))]
        });
        let (html_sender, _) = broadcast::channel::<Arc<str>>(64);
        let app = if baseline {
            Router::new()
                .route("/feed", get(axum_feed))
                .with_state(html_sender.clone())
        } else {
            Router::new()
                .route("/feed", get(feed))
                .with_state(hub.clone())
                .layer(DatastarLayer::new().keep_alive(None))
        };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        println!(
            "fan-out server on http://{addr}/feed, pid {}",
            std::process::id()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });

        let publisher = {
            let hub = hub.clone();
            let html_sender = html_sender.clone();
            async move {
                let mut ticks = tokio::time::interval(interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    let html = format!(r#"<span id="t">{}</span>"#, now_micros());
                    if baseline {
                        let _ = html_sender.send(html.into());
                    } else {
                        hub.publish(&(), PatchElements::new(html));
                    }
                }
            }
        };
        let report = async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                println!(
                    "subscribers {}",
                    hub.subscribers(&()).max(html_sender.receiver_count())
                );
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(seconds), async {
            tokio::join!(publisher, report)
        })
        .await;
    });
}
