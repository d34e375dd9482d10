//! The fan-out server: every client of `GET /feed` subscribes to one hub topic, and a task
//! publishes an event every `INTERVAL_MS` (100) that carries its publish time (microseconds
//! since the Unix epoch), for `SECONDS` seconds, then the server exits.
//!
//! ```text
//! fanout-server PORT SECONDS [INTERVAL_MS] [hub|axum|floor]
//! ```
//!
//! - `hub`: this crate, a `Hub` topic behind [`datastar_runtime::serve`], the crate's server,
//!   without h2c (`Serve::http2(false)`; `HTTP2=1` keeps it).
//! - `axum` is the baseline without this crate: `axum::serve` and axum's own `Sse` fed by a
//!   `tokio::sync::broadcast` of the HTML, each subscriber making its own `sse::Event` (as axum
//!   apps do by hand).
//! - `floor`: no framework at all. Blocking std sockets; after a stream's request head it
//!   writes the same response head, and each publish writes the same chunk bytes (the chunk
//!   size, the event, `\r\n`) to every socket, one `write` each, from two threads (the two
//!   workers of the others). The least any server can do for the same bytes on the wire.
//!
//! Every event is `<span id="t" data-seq="N">MICROS</span>`: its sequence number (the client
//! counts gaps as lost events) and its publish time.
//!
//! It prints `subscribers N` each second, so a script can follow it, and with
//! `FANOUT_HEAP=1` the live heap (bytes and blocks, counted by the global allocator) and its
//! largest size classes, so the bytes per connection can be told apart from what the kernel
//! and the allocator add to the resident set.

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::response::sse;
use axum::routing::get;
use datastar_runtime::{DatastarLayer, Hub, PatchElements, Subscription};
use tokio::sync::broadcast;

// ---- Heap counting (FANOUT_HEAP=1) ----------------------------------------------------------

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static LIVE_BLOCKS: AtomicI64 = AtomicI64::new(0);
/// Live blocks by size, in 16-byte classes up to 64 KiB (the last class holds anything larger).
const CLASSES: usize = 4097;
static BY_SIZE: [AtomicI64; CLASSES] = [const { AtomicI64::new(0) }; CLASSES];

fn count(size: usize, sign: i64) {
    if COUNTING.load(Relaxed) {
        LIVE_BYTES.fetch_add(sign * size as i64, Relaxed);
        LIVE_BLOCKS.fetch_add(sign, Relaxed);
        BY_SIZE[(size / 16).min(CLASSES - 1)].fetch_add(sign, Relaxed);
    }
}

struct Counting;

// SAFETY: forwards every call to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 1);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(layout.size(), -1);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout.size(), -1);
        count(new_size, 1);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The live heap and its ten size classes that hold the most bytes.
fn heap_report(subscribers: usize) -> String {
    let mut classes: Vec<(usize, i64)> = BY_SIZE
        .iter()
        .enumerate()
        .map(|(class, blocks)| (class * 16, blocks.load(Relaxed)))
        .filter(|&(_, blocks)| blocks > 0)
        .collect();
    classes.sort_by_key(|&(size, blocks)| std::cmp::Reverse(size as i64 * blocks));
    let top: Vec<String> = classes
        .iter()
        .take(10)
        .map(|(size, blocks)| format!("{size}-{}B x{blocks}", size + 15))
        .collect();
    format!(
        "heap {} bytes in {} blocks ({} streams); largest classes: {}",
        LIVE_BYTES.load(Relaxed),
        LIVE_BLOCKS.load(Relaxed),
        subscribers,
        top.join(", ")
    )
}

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
    COUNTING.store(std::env::var_os("FANOUT_HEAP").is_some(), Relaxed);
    // `datastar_runtime::serve`'s errors (an accept failing for want of file descriptors) on
    // stderr; its per-connection messages are debug, not shown.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
        .init();
    let baseline = match args.get(3).map_or("hub", String::as_str) {
        "hub" => false,
        "axum" => true,
        "floor" => return floor(port, seconds, interval),
        other => panic!("unknown server `{other}`: hub, axum or floor"),
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
        if baseline {
            tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        } else {
            tokio::spawn(async move {
                datastar_runtime::serve(listener, app)
                    .max_connections(MAX_CONNECTIONS)
                    // Browsers never speak h2c: without it a connection is 0.9 KiB smaller.
                    // `HTTP2=1` serves it, as `serve` does by default.
                    .http2(std::env::var_os("HTTP2").is_some())
                    .await
                    .expect("serve")
            });
        }

        let publisher = {
            let hub = hub.clone();
            let html_sender = html_sender.clone();
            async move {
                let mut ticks = tokio::time::interval(interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                for seq in 0u64.. {
                    ticks.tick().await;
                    let html = format!(r#"<span id="t" data-seq="{seq}">{}</span>"#, now_micros());
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
                let subscribers = hub.subscribers(&()).max(html_sender.receiver_count());
                println!("subscribers {subscribers}");
                if COUNTING.load(Relaxed) {
                    println!("{}", heap_report(subscribers));
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(seconds), async {
            tokio::join!(publisher, report)
        })
        .await;
    });
}

/// More than the streams of any run (the bench's file limit is lower).
const MAX_CONNECTIONS: usize = 100_000;

/// The response head of the `hub` server (`curl -i`), without its `date`.
const FLOOR_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
cache-control: no-cache\r\nx-accel-buffering: no\r\nconnection: keep-alive\r\ntransfer-encoding: chunked\r\n\r\n";

/// The floor: the same bytes on the same sockets, with no framework (see the module's doc).
fn floor(port: u16, seconds: u64, interval: Duration) {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).expect("bind");
    println!("floor server on {port}, pid {}", std::process::id());
    let sockets: Arc<Mutex<Vec<std::net::TcpStream>>> = Arc::default();
    let accepted = sockets.clone();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { continue };
            socket.set_nodelay(true).expect("nodelay");
            // The request head (the client sends it in one piece).
            let mut head = Vec::new();
            let mut chunk = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&chunk[..n]),
                }
            }
            if socket.write_all(FLOOR_HEAD).is_ok() {
                accepted.lock().expect("sockets").push(socket);
            }
        }
    });
    let short_writes = AtomicU64::new(0);
    let started = std::time::Instant::now();
    let mut next = std::time::Instant::now();
    let mut last_report = std::time::Instant::now();
    for seq in 0u64.. {
        if started.elapsed() > Duration::from_secs(seconds) {
            break;
        }
        std::thread::sleep(next.saturating_duration_since(std::time::Instant::now()));
        next += interval;
        let event = format!(
            "event: datastar-patch-elements\ndata: elements <span id=\"t\" data-seq=\"{seq}\">{}</span>\n\n",
            now_micros()
        );
        let chunk = [
            format!("{:X}\r\n", event.len()).as_bytes(),
            event.as_bytes(),
            b"\r\n",
        ]
        .concat();
        let sockets = sockets.lock().expect("sockets");
        let (left, right) = sockets.split_at(sockets.len() / 2);
        std::thread::scope(|scope| {
            for half in [left, right] {
                let (chunk, short_writes) = (&chunk, &short_writes);
                scope.spawn(move || {
                    for mut socket in half {
                        // Blocking, so a full buffer waits as a server would; loopback
                        // buffers are far larger than a few events.
                        if socket.write(chunk).map_or(true, |n| n < chunk.len()) {
                            short_writes.fetch_add(1, Relaxed);
                        }
                    }
                });
            }
        });
        if last_report.elapsed() >= Duration::from_secs(1) {
            last_report = std::time::Instant::now();
            println!("subscribers {}", sockets.len());
            println!("short or failed writes {}", short_writes.load(Relaxed));
            if COUNTING.load(Relaxed) {
                println!("{}", heap_report(sockets.len()));
            }
        }
    }
}
