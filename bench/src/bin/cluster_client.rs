//! The cluster client: opens `CONNECTIONS` SSE streams to `GET /feed`, split evenly over the
//! nodes given (raw HTTP/1.1 over tokio's `TcpStream`), and once all are open, measures for
//! `SECONDS`, per node: the delay between each event's publish time (written in it by the
//! publishing node) and its arrival, the events received, the events lost (a gap in the
//! sequence numbers with no resync in it), the resyncs and the duplicates; and the CPU time
//! of the NATS server (`BROKER_PID`) per publish.
//!
//! ```text
//! cluster-client CONNECTIONS SECONDS BROKER_PID PORT:PID [PORT:PID...]
//! ```
//!
//! The first node is the one that publishes: its streams get the events in-process, the
//! others' through NATS, in the same run.

#[path = "../latency.rs"]
mod latency;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use latency::{BUCKET_US, BUCKETS, cpu_seconds, find, now_micros, percentile};

/// What the streams of one node saw while measuring.
struct Node {
    histogram: Vec<AtomicU32>,
    lost: AtomicU64,
    resyncs: AtomicU64,
    duplicates: AtomicU64,
    /// The lowest and highest sequence number seen while measuring.
    first: AtomicU64,
    last: AtomicU64,
}

impl Node {
    fn new() -> Node {
        Node {
            histogram: (0..BUCKETS).map(|_| AtomicU32::new(0)).collect(),
            lost: AtomicU64::new(0),
            resyncs: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            first: AtomicU64::new(u64::MAX),
            last: AtomicU64::new(0),
        }
    }
}

/// One stream: connects, then records every event while `measuring` is set, until aborted.
async fn stream(
    port: u16,
    connected: Arc<AtomicUsize>,
    gate: Arc<Semaphore>,
    measuring: Arc<AtomicBool>,
    node: Arc<Node>,
) {
    let mut permit = Some(gate.acquire_owned().await.expect("semaphore"));
    let mut socket = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    socket
        .write_all(b"GET /feed HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n")
        .await
        .expect("request");
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let mut headers_done = false;
    // The last sequence number seen, unless a resync came after it.
    let mut last: Option<u64> = None;
    loop {
        let n = match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        let arrived = now_micros();
        buffer.extend_from_slice(&chunk[..n]);
        if !headers_done {
            let Some(end) = find(&buffer, b"\r\n\r\n") else {
                continue;
            };
            assert!(buffer.starts_with(b"HTTP/1.1 200"), "not 200");
            buffer.drain(..end + 4);
            headers_done = true;
            connected.fetch_add(1, Relaxed);
            permit.take();
        }
        // Each event sits in `<span id="t">MICROS-SEQ</span>` (`MICROS-0-r`: a resync).
        while let Some(at) = find(&buffer, b"id=\"t\">") {
            let start = at + 7;
            let Some(len) = find(&buffer[start..], b"<") else {
                break;
            };
            let text = std::str::from_utf8(&buffer[start..start + len]).expect("UTF-8");
            let mut parts = text.split('-');
            let sent: u64 = parts.next().and_then(|s| s.parse().ok()).expect("a time");
            let seq: u64 = parts.next().and_then(|s| s.parse().ok()).expect("a number");
            let resync = parts.next() == Some("r");
            buffer.drain(..start + len);
            if !measuring.load(Relaxed) {
                last = if resync { None } else { Some(seq) };
                continue;
            }
            if resync {
                node.resyncs.fetch_add(1, Relaxed);
                last = None;
                continue;
            }
            let bucket = (arrived.saturating_sub(sent) / BUCKET_US) as usize;
            node.histogram[bucket.min(BUCKETS - 1)].fetch_add(1, Relaxed);
            node.first.fetch_min(seq, Relaxed);
            node.last.fetch_max(seq, Relaxed);
            match last {
                Some(previous) if seq <= previous => {
                    node.duplicates.fetch_add(1, Relaxed);
                }
                Some(previous) => {
                    node.lost.fetch_add(seq - previous - 1, Relaxed);
                    last = Some(seq);
                }
                None => last = Some(seq),
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cluster-client CONNECTIONS SECONDS BROKER_PID PORT:PID [PORT:PID...]";
    let connections: usize = args.first().and_then(|a| a.parse().ok()).expect(usage);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let broker: u32 = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    let nodes: Vec<(u16, u32)> = args[3..]
        .iter()
        .map(|a| {
            let (port, pid) = a.split_once(':').expect(usage);
            (port.parse().expect(usage), pid.parse().expect(usage))
        })
        .collect();
    assert!(!nodes.is_empty(), "{usage}");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let connected = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(Semaphore::new(256));
        let measuring = Arc::new(AtomicBool::new(false));
        let seen: Vec<Arc<Node>> = nodes.iter().map(|_| Arc::new(Node::new())).collect();
        let started = std::time::Instant::now();
        let tasks: Vec<_> = (0..connections)
            .map(|i| {
                let at = i % nodes.len();
                tokio::spawn(stream(
                    nodes[at].0,
                    connected.clone(),
                    gate.clone(),
                    measuring.clone(),
                    seen[at].clone(),
                ))
            })
            .collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
        while connected.load(Relaxed) < connections {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {connections} connected within 180 s",
                connected.load(Relaxed)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "{connections} streams open over {} nodes in {:.1} s",
            nodes.len(),
            started.elapsed().as_secs_f64()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        let cpu = |pid| cpu_seconds(pid);
        let before: Vec<f64> = nodes.iter().map(|n| cpu(n.1)).collect();
        let broker_before = cpu(broker);
        measuring.store(true, Relaxed);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        measuring.store(false, Relaxed);
        let broker_cpu = cpu(broker) - broker_before;
        let node_cpu: Vec<f64> = nodes.iter().zip(&before).map(|(n, b)| cpu(n.1) - b).collect();
        // Let the events in flight arrive (they are not counted), then stop.
        tokio::time::sleep(Duration::from_millis(500)).await;
        for task in &tasks {
            task.abort();
        }
        let mut publishes = 0;
        for (i, node) in seen.iter().enumerate() {
            let counts: Vec<u64> = node.histogram.iter().map(|c| c.load(Relaxed) as u64).collect();
            let received: u64 = counts.iter().sum();
            let streams = connections / nodes.len() + usize::from(i < connections % nodes.len());
            let (first, last) = (node.first.load(Relaxed), node.last.load(Relaxed));
            let published = if last >= first { last - first + 1 } else { 0 };
            publishes = publishes.max(published);
            println!(
                "node {i} ({}): {streams} streams, {received} events received of {} ({published} publishes), lost {}, resyncs {}, duplicates {}",
                if i == 0 { "the publisher's, in-process" } else { "through NATS" },
                published * streams as u64,
                node.lost.load(Relaxed),
                node.resyncs.load(Relaxed),
                node.duplicates.load(Relaxed),
            );
            println!(
                "  latency ms (0.1 ms buckets): p50 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}; node CPU {:.0}% of a core",
                percentile(&counts, 0.50),
                percentile(&counts, 0.99),
                percentile(&counts, 0.999),
                percentile(&counts, 1.0),
                node_cpu[i] / seconds as f64 * 100.0,
            );
        }
        println!(
            "broker: {:.3} s CPU for {publishes} publishes: {:.0} µs per publish ({:.1}% of a core); load average {}",
            broker_cpu,
            broker_cpu * 1e6 / publishes.max(1) as f64,
            broker_cpu / seconds as f64 * 100.0,
            std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
        );
    });
}
