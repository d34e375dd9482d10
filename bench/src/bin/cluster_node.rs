//! One node of a hub cluster on NATS (feature `nats`): every client of `GET /feed` subscribes
//! to one topic of a hub shared through the NATS server at `NATS_URL`. With `publish`, the
//! node publishes an event every 100 ms that carries its publish time (microseconds since the
//! Unix epoch) and its sequence number, `<span id="t">MICROS-SEQ</span>`; a subscriber that
//! falls behind gets `<span id="t">MICROS-0-r</span>` (a resync). It runs `SECONDS`, then
//! exits, and prints how many publishes did not reach NATS.
//!
//! ```text
//! cluster-node PORT SECONDS NATS_URL [publish]
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::nats::Nats;
use datastar_runtime::{DatastarLayer, Hub, PatchElements, Subscription};

async fn feed(State(hub): State<Hub<()>>) -> Subscription<()> {
    hub.subscribe(())
}

fn now_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_micros()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cluster-node PORT SECONDS NATS_URL [publish]";
    let port: u16 = args.first().and_then(|p| p.parse().ok()).expect(usage);
    let seconds: u64 = args.get(1).and_then(|p| p.parse().ok()).expect(usage);
    let url = args.get(2).expect(usage).clone();
    let publishing = args.get(3).map(String::as_str) == Some("publish");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let nats = Nats::connect(url.as_str()).await.expect("NATS");
        let hub = Hub::new(|_: &()| {
            [PatchElements::new(format!(
                r#"<span id="t">{}-0-r</span>"#,
                now_micros()
            ))]
        })
        .with_nats(&nats, "bench")
        .await
        .expect("hub on NATS");
        let app = Router::new()
            .route("/feed", get(feed))
            .with_state(hub.clone())
            .layer(DatastarLayer::new().keep_alive(None));
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        println!(
            "cluster node on http://{addr}/feed, pid {}",
            std::process::id()
        );
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        let failed = AtomicU64::new(0);
        let publisher = async {
            if !publishing {
                return std::future::pending().await;
            }
            let mut ticks = tokio::time::interval(Duration::from_millis(100));
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            for seq in 1u64.. {
                ticks.tick().await;
                let html = format!(r#"<span id="t">{}-{seq}</span>"#, now_micros());
                if hub.try_publish(&(), PatchElements::new(html)).is_err() {
                    failed.fetch_add(1, Relaxed);
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(seconds), publisher).await;
        println!("publishes not sent to NATS: {}", failed.load(Relaxed));
    });
}
