//! Load on the gallery's live feed (`/examples/live_feed`), from outside, over raw HTTP/1.1 on
//! 127.0.0.1, reading the server's resident memory from /proc/SERVER_PID/status.
//!
//! ```text
//! live-feed rss  PORT SERVER_PID POSTS CHARS [CHAR]
//! live-feed soak PORT SERVER_PID STREAMS SECONDS INTERVAL_MS
//! ```
//!
//! - `rss`: one subscriber that never reads (a 4 KiB receive buffer, `Accept-Encoding` as a
//!   browser sends it), then `POSTS` posts of `CHARS` times `CHAR` (`x` unless given; `&`
//!   is the worst case, five bytes once escaped in HTML). Prints the server's memory before, after
//!   each tenth post, its peak (VmHWM) and at the end.
//! - `soak`: `STREAMS` subscribers that read, one that never reads, and a post every
//!   `INTERVAL_MS` for `SECONDS`. Each post carries `soak-SEQ-MICROS`; the list is published
//!   newest first, so the first mark of an event is its post. Prints the server's memory every
//!   minute, then the latency from post to arrival (p50, p99, max), and the events lost: posts
//!   that some reading stream never received as an event of their own.

#[path = "../latency.rs"]
mod latency;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Semaphore;

use latency::{BUCKET_US, BUCKETS, find, now_micros, percentile};

const UPDATES: &str = "/examples/live_feed/updates";
const POST: &str = "/examples/live_feed/post";

/// A field of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a status field")
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Posts `message` as a Datastar client does, and checks the answer is 200.
async fn post(port: u16, message: &str) {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let head = format!(
        "POST {POST} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n\
         datastar-request: true\r\norigin: http://127.0.0.1:{port}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    socket.write_all(head.as_bytes()).await.expect("post");
    socket.write_all(body.as_bytes()).await.expect("post body");
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.expect("answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "the post was refused: {}",
        String::from_utf8_lossy(&answer[..answer.len().min(300)])
    );
}

/// A subscriber whose client never reads: a small receive buffer, and no read ever.
async fn stalled(port: u16) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut stream = socket
        .connect(([127, 0, 0, 1], port).into())
        .await
        .expect("connect");
    let request = format!(
        "GET {UPDATES} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\naccept: text/event-stream\r\n\
         accept-encoding: gzip, deflate, br, zstd\r\ndatastar-request: true\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("request");
    stream
}

async fn rss(port: u16, server: u32, posts: usize, chars: usize, char: char) {
    let before = status_kib(server, "VmRSS:");
    println!("server before: {}", mib(before));
    let _stalled = stalled(port).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let message: String = std::iter::repeat_n(char, chars).collect();
    for n in 1..=posts {
        post(port, &message).await;
        if n % 10 == 0 {
            println!("after {n:>3} posts: {}", mib(status_kib(server, "VmRSS:")));
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "{posts} posts of {chars} x {char:?}, one stalled subscriber: RSS {} (peak {}), {} more than before",
        mib(status_kib(server, "VmRSS:")),
        mib(status_kib(server, "VmHWM:")),
        mib(status_kib(server, "VmRSS:").saturating_sub(before)),
    );
}

struct Soak {
    connected: AtomicUsize,
    measuring: AtomicBool,
    /// The first and last post sequence numbers of the measurement.
    first: AtomicU64,
    last: AtomicU64,
    histogram: Vec<AtomicU32>,
    /// Posts inside the measurement each reading stream missed.
    lost: AtomicU64,
}

/// One reading subscriber: records the latency of each event's own post, and at the end how
/// many posts of the measurement it never received.
async fn reader(port: u16, soak: Arc<Soak>, gate: Arc<Semaphore>, done: Arc<AtomicBool>) {
    let mut permit = Some(gate.acquire_owned().await.expect("semaphore"));
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "GET {UPDATES} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\naccept: text/event-stream\r\n\
         datastar-request: true\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.expect("request");
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = vec![0u8; 16 * 1024];
    let mut seen = std::collections::HashSet::new();
    let mut headers = false;
    while !done.load(Relaxed) {
        let n =
            match tokio::time::timeout(Duration::from_millis(500), socket.read(&mut chunk)).await {
                Err(_) => continue,
                Ok(Ok(0)) | Ok(Err(_)) => break,
                Ok(Ok(n)) => n,
            };
        let arrived = now_micros();
        buffer.extend_from_slice(&chunk[..n]);
        if !headers {
            let Some(end) = find(&buffer, b"\r\n\r\n") else {
                continue;
            };
            assert!(buffer.starts_with(b"HTTP/1.1 200"), "not 200");
            buffer.drain(..end + 4);
            headers = true;
            soak.connected.fetch_add(1, Relaxed);
            permit.take();
        }
        while let Some(end) = find(&buffer, b"\n\n") {
            if let Some((seq, sent)) = first_mark(&buffer[..end]) {
                seen.insert(seq);
                if soak.measuring.load(Relaxed) {
                    let bucket = (arrived.saturating_sub(sent) / BUCKET_US) as usize;
                    soak.histogram[bucket.min(BUCKETS - 1)].fetch_add(1, Relaxed);
                }
            }
            buffer.drain(..end + 2);
        }
    }
    let (first, last) = (soak.first.load(Relaxed), soak.last.load(Relaxed));
    let missed = (first..=last).filter(|seq| !seen.contains(seq)).count();
    soak.lost.fetch_add(missed as u64, Relaxed);
}

/// The first `soak-SEQ-MICROS` in an event.
fn first_mark(event: &[u8]) -> Option<(u64, u64)> {
    let at = find(event, b"soak-")? + 5;
    let text = std::str::from_utf8(&event[at..(at + 48).min(event.len())]).ok()?;
    let mut parts = text.splitn(3, '-');
    let seq = parts.next()?.parse().ok()?;
    let micros: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((seq, micros.parse().ok()?))
}

async fn soak(port: u16, server: u32, streams: usize, seconds: u64, interval: Duration) {
    let soak = Arc::new(Soak {
        connected: AtomicUsize::new(0),
        measuring: AtomicBool::new(false),
        first: AtomicU64::new(0),
        last: AtomicU64::new(0),
        histogram: (0..BUCKETS).map(|_| AtomicU32::new(0)).collect(),
        lost: AtomicU64::new(0),
    });
    let done = Arc::new(AtomicBool::new(false));
    println!("server before: {}", mib(status_kib(server, "VmRSS:")));
    // At most 256 connection attempts at once: the listen backlog is 1024.
    let gate = Arc::new(Semaphore::new(256));
    let readers: Vec<_> = (0..streams)
        .map(|_| tokio::spawn(reader(port, soak.clone(), gate.clone(), done.clone())))
        .collect();
    let _stalled = stalled(port).await;
    let started = Instant::now();
    while soak.connected.load(Relaxed) < streams {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {} of {streams} streams connected",
            soak.connected.load(Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "{streams} streams and one stalled reader connected in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut seq = 0u64;
    let mut ticker = tokio::time::interval(interval);
    // One warm-up post, outside the measurement.
    post(port, &format!("soak-{seq}-{}", now_micros())).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    seq += 1;
    soak.first.store(seq, Relaxed);
    soak.measuring.store(true, Relaxed);
    let start = Instant::now();
    let mut minute = 0;
    println!("minute  server RSS");
    println!("{minute:>6}  {}", mib(status_kib(server, "VmRSS:")));
    while start.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        post(port, &format!("soak-{seq}-{}", now_micros())).await;
        soak.last.store(seq, Relaxed);
        seq += 1;
        if start.elapsed() >= Duration::from_secs(60 * (minute + 1)) {
            minute += 1;
            println!("{minute:>6}  {}", mib(status_kib(server, "VmRSS:")));
        }
    }
    soak.measuring.store(false, Relaxed);
    // Give the last post time to arrive everywhere, then stop the readers.
    tokio::time::sleep(Duration::from_secs(2)).await;
    done.store(true, Relaxed);
    for reader in readers {
        reader.await.expect("reader");
    }
    let histogram: Vec<u64> = soak
        .histogram
        .iter()
        .map(|c| u64::from(c.load(Relaxed)))
        .collect();
    let received: u64 = histogram.iter().sum();
    let published = soak.last.load(Relaxed) - soak.first.load(Relaxed) + 1;
    println!(
        "{published} posts over {seconds} s to {streams} streams: {received} events measured \
         (expected {}), {} lost",
        published * streams as u64,
        soak.lost.load(Relaxed)
    );
    println!(
        "latency post -> arrival: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&histogram, 0.50),
        percentile(&histogram, 0.99),
        percentile(&histogram, 1.0)
    );
    println!(
        "server RSS at the end: {} (peak {})",
        mib(status_kib(server, "VmRSS:")),
        mib(status_kib(server, "VmHWM:"))
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: live-feed rss PORT SERVER_PID POSTS CHARS [CHAR]\n       \
                 live-feed soak PORT SERVER_PID STREAMS SECONDS INTERVAL_MS";
    let number = |at: usize| -> u64 { args.get(at).and_then(|a| a.parse().ok()).expect(usage) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (port, server) = (number(1) as u16, number(2) as u32);
    match args.first().map(String::as_str) {
        Some("rss") => {
            let char = args.get(5).and_then(|c| c.chars().next()).unwrap_or('x');
            runtime.block_on(rss(
                port,
                server,
                number(3) as usize,
                number(4) as usize,
                char,
            ));
        }
        Some("soak") => runtime.block_on(soak(
            port,
            server,
            number(3) as usize,
            number(4),
            Duration::from_millis(number(5)),
        )),
        _ => panic!("{usage}"),
    }
}
