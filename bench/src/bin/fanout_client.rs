//! The fan-out client: opens `CONNECTIONS` SSE streams to `GET /feed` on 127.0.0.1 from one
//! process (raw HTTP/1.1 over tokio's `TcpStream`), and once all are open, measures for
//! `SECONDS` the delay between each event's publish time (written in it by the server) and
//! its arrival. Then it prints p50, p99 and max, the events received and expected, and the
//! server's resident memory per connection: (VmRSS with all connected − VmRSS before any)
//! / CONNECTIONS, read from /proc/SERVER_PID/status. If a stream cannot open (connect fails,
//! or the server closes it before its response head), it exits at once with status 1 and says
//! why the first one could not.
//!
//! ```text
//! fanout-client PORT CONNECTIONS SECONDS SERVER_PID
//! ```

#[path = "../latency.rs"]
mod latency;

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use latency::{BUCKET_US, BUCKETS, cpu_seconds, find, now_micros, percentile};

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

const REQUEST: &[u8] =
    b"GET /feed HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n";

/// Streams that could not open, and why the first of them could not.
#[derive(Default)]
struct Failures {
    count: AtomicUsize,
    first: Mutex<Option<String>>,
}

impl Failures {
    fn report(&self, why: String) {
        self.count.fetch_add(1, Relaxed);
        self.first.lock().unwrap().get_or_insert(why);
    }
}

/// One stream: connects, then counts the latency of every event while `measuring` is set.
/// It runs until aborted, or until the server closes it (counted in `ended` once it was open,
/// in `failures` before).
#[allow(clippy::too_many_arguments)]
async fn stream(
    port: u16,
    connected: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
    measuring: Arc<AtomicBool>,
    histogram: Arc<Vec<AtomicU32>>,
    lost: Arc<AtomicU64>,
    failures: Arc<Failures>,
    ended: Arc<AtomicUsize>,
) {
    // A connect slot, given back once the stream is open.
    let mut permit = Some(gate.acquire_owned().await.expect("semaphore"));
    // Connect and send the request on a blocking thread, not on this runtime's workers: with
    // thousands of streams already open they can be seconds late (more than 15 s on a loaded
    // machine), and the server closes a connection whose request has not come within its header
    // read timeout (15 s), as it should.
    let since = Instant::now();
    let connecting = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(("127.0.0.1", port))?;
        socket.write_all(REQUEST)?;
        socket.set_nonblocking(true)?;
        Ok::<_, std::io::Error>(socket)
    });
    let opened = connecting
        .await
        .expect("the connecting thread")
        .and_then(TcpStream::from_std);
    let mut socket = match opened {
        Ok(socket) => socket,
        Err(e) => return failures.report(format!("connect or request: {e}")),
    };
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let mut headers_done = false;
    let mut last_seq: Option<u64> = None;
    loop {
        let n = match socket.read(&mut chunk).await {
            Ok(n) if n > 0 => n,
            _ if headers_done => {
                ended.fetch_add(1, Relaxed);
                return;
            }
            read => {
                let how = read.map_or_else(|e| e.to_string(), |_| "closed".to_owned());
                return failures.report(format!(
                    "{how} before the response head, {:.1} s after the connect began",
                    since.elapsed().as_secs_f64()
                ));
            }
        };
        let arrived = now_micros();
        buffer.extend_from_slice(&chunk[..n]);
        if !headers_done {
            let Some(end) = find(&buffer, b"\r\n\r\n") else {
                continue;
            };
            if !buffer.starts_with(b"HTTP/1.1 200") {
                let line = buffer.split(|&b| b == b'\r').next().unwrap_or_default();
                let line = String::from_utf8_lossy(line).into_owned();
                return failures.report(format!("answered {line:?}"));
            }
            buffer.drain(..end + 4);
            headers_done = true;
            connected.fetch_add(1, Relaxed);
            permit.take();
        }
        // Each event is `<span id="t" data-seq="N">MICROS</span>` (a resync has no sequence).
        while let Some(at) = find(&buffer, b"id=\"t\"") {
            let mut start = at + 6;
            if buffer[start..].starts_with(b" data-seq=\"") {
                let digits = start + 11;
                let Some(len) = find(&buffer[digits..], b"\"") else {
                    break;
                };
                let seq: u64 = std::str::from_utf8(&buffer[digits..digits + len])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .expect("a sequence number");
                if let Some(last) = last_seq
                    && measuring.load(Relaxed)
                {
                    lost.fetch_add(seq.saturating_sub(last + 1), Relaxed);
                }
                last_seq = Some(seq);
                start = digits + len + 1;
            }
            let Some(gt) = find(&buffer[start..], b">") else {
                break;
            };
            start += gt + 1;
            let Some(len) = find(&buffer[start..], b"<") else {
                break;
            };
            let sent: u64 = std::str::from_utf8(&buffer[start..start + len])
                .ok()
                .and_then(|s| s.parse().ok())
                .expect("a time");
            if measuring.load(Relaxed) {
                let bucket = (arrived.saturating_sub(sent) / BUCKET_US) as usize;
                histogram[bucket.min(BUCKETS - 1)].fetch_add(1, Relaxed);
            }
            buffer.drain(..start + len);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fanout-client PORT CONNECTIONS SECONDS SERVER_PID";
    let port: u16 = args.first().and_then(|a| a.parse().ok()).expect(usage);
    let connections: usize = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let server: u32 = args.get(3).and_then(|a| a.parse().ok()).expect(usage);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let idle = vm_rss_kib(server);
        let connected = Arc::new(AtomicUsize::new(0));
        // At most 128 connection attempts at once: the listen backlog of tokio's and std's
        // `TcpListener::bind` is 128, and beyond it the kernel drops handshakes, retried 1 s,
        // 3 s, 7 s later.
        let gate = Arc::new(Semaphore::new(128));
        let failures = Arc::new(Failures::default());
        let ended = Arc::new(AtomicUsize::new(0));
        let measuring = Arc::new(AtomicBool::new(false));
        let histogram: Arc<Vec<AtomicU32>> = Arc::new((0..BUCKETS).map(|_| AtomicU32::new(0)).collect());
        let lost = Arc::new(AtomicU64::new(0));
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                tokio::spawn(stream(
                    port,
                    connected.clone(),
                    gate.clone(),
                    measuring.clone(),
                    histogram.clone(),
                    lost.clone(),
                    failures.clone(),
                    ended.clone(),
                ))
            })
            .collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while connected.load(Relaxed) < connections {
            let failed = failures.count.load(Relaxed);
            if failed > 0 {
                let first = failures.first.lock().unwrap().clone().unwrap_or_default();
                eprintln!(
                    "fanout-client: {failed} of {connections} streams did not open ({} open); the first: {first}",
                    connected.load(Relaxed)
                );
                std::process::exit(1);
            }
            if tokio::time::Instant::now() >= deadline {
                eprintln!(
                    "fanout-client: only {} of {connections} streams open within 120 s, none refused: \
                     the server did not answer the others (see its messages, e.g. accepts failing)",
                    connected.load(Relaxed)
                );
                std::process::exit(1);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!("{connections} streams open in {:.1} s", started.elapsed().as_secs_f64());
        // Let the first events reach everyone, then measure.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let loaded = vm_rss_kib(server);
        let (server_cpu, client_cpu) = (cpu_seconds(server), cpu_seconds(std::process::id()));
        measuring.store(true, Relaxed);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        measuring.store(false, Relaxed);
        let server_cpu = cpu_seconds(server) - server_cpu;
        let client_cpu = cpu_seconds(std::process::id()) - client_cpu;
        let loaded_after = vm_rss_kib(server);
        for task in &tasks {
            task.abort();
        }
        let counts: Vec<u64> = histogram.iter().map(|c| c.load(Relaxed) as u64).collect();
        let received: u64 = counts.iter().sum();
        let expected = connections as u64 * seconds * 10;
        println!(
            "events received {received} (at most {expected}: {seconds} s of 10 publishes/s x {connections}); lost (gaps in the sequence) {}",
            lost.load(Relaxed)
        );
        let ended = ended.load(Relaxed);
        if ended > 0 {
            println!("streams closed by the server before the end: {ended}");
        }
        println!(
            "latency ms (0.1 ms buckets): p50 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}",
            percentile(&counts, 0.50),
            percentile(&counts, 0.99),
            percentile(&counts, 0.999),
            percentile(&counts, 1.0)
        );
        println!(
            "CPU while measuring: server {:.0}% of a core, client {:.0}% of a core; load average {}",
            server_cpu / seconds as f64 * 100.0,
            client_cpu / seconds as f64 * 100.0,
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
        );
        println!(
            "server VmRSS: idle {idle} KiB, {connections} streams {loaded} KiB ({loaded_after} KiB at the end)"
        );
        println!(
            "memory per connection: {:.2} KiB",
            (loaded as f64 - idle as f64) / connections as f64
        );
    });
}
