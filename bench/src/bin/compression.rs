//! Bytes on the wire for a stream of 1,000 morphs of a 50-row table whose values change a
//! little each time, sent as identity, gzip and brotli by a real server (`DatastarLayer::
//! compression(true)`) to a raw HTTP/1.1 client on 127.0.0.1; then the same 1,000 frames through
//! other brotli qualities/windows and gzip levels, each flushed after every frame as the runtime
//! does, to show where the runtime's choice sits, with the heap each encoder holds (counted by
//! this binary's allocator), on that stream and on a stream of 1 MiB events.
//!
//! ```text
//! compression
//! compression streams [STREAMS] [EVENTS]   # default 1,000 streams of the first 100 events
//! ```
//!
//! `streams` instead opens STREAMS streams at once through the server for each coding at its
//! default (identity, gzip, brotli, zstd), in the same run, and reports CPU, bytes and heap per
//! event and per stream; then it measures the prototype of a shared compressed stream per topic
//! (one compressor per coding whose bytes every subscriber gets), with a compressor restarted
//! every K events as the sync points late joiners would need.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::Router;
use axum::routing::get;
use datastar_runtime::{Compression, DatastarLayer, Dialect, Event, PatchElements, Sse, encode};
use maud::{Markup, html};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const EVENTS: usize = 1000;
const ROWS: usize = 50;

/// A table of `ROWS` stocks; each step a few prices move.
struct Market {
    prices: Vec<u32>,
    seed: u64,
}

impl Market {
    fn new() -> Self {
        Market {
            prices: (0..ROWS as u32).map(|i| 10_000 + i * 137).collect(),
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }

    fn random(&mut self) -> u64 {
        // xorshift64: deterministic, so every run sends the same stream.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed
    }

    fn step(&mut self) -> Markup {
        for _ in 0..3 {
            let row = (self.random() % ROWS as u64) as usize;
            let delta = (self.random() % 41) as i64 - 20;
            self.prices[row] = (self.prices[row] as i64 + delta).max(1) as u32;
        }
        html! {
            table #market.prices {
                thead { tr { th { "Symbol" } th { "Company" } th.num { "Price" } th { "Trend" } } }
                tbody {
                    @for (i, price) in self.prices.iter().enumerate() {
                        tr #{"row-" (i)} .{"trend-" (if price % 2 == 0 { "up" } else { "down" })} {
                            td.symbol { "SYM" (i) }
                            td { "Company number " (i) " Incorporated" }
                            td.num { (price / 100) "." (format!("{:02}", price % 100)) }
                            td { button data-on:click={"@post('/watch/" (i) "')"} { "Watch" } }
                        }
                    }
                }
            }
        }
    }
}

fn events() -> Vec<Event> {
    let mut market = Market::new();
    (0..EVENTS)
        .map(|_| PatchElements::new(market.step().into_string()).into())
        .collect()
}

/// Reads a whole HTTP/1.1 response with `accept-encoding` (none when empty), until the server
/// closes: (bytes on the wire, decoded body).
async fn fetch(addr: SocketAddr, accept: &str) -> (usize, Vec<u8>, String) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    let accept = if accept.is_empty() {
        String::new()
    } else {
        format!("accept-encoding: {accept}\r\n")
    };
    socket
        .write_all(
            format!("GET /market HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n{accept}\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut wire = Vec::new();
    socket.read_to_end(&mut wire).await.unwrap();
    let end = wire.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let head = String::from_utf8_lossy(&wire[..end]).to_lowercase();
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let coding = head
        .lines()
        .find_map(|l| l.strip_prefix("content-encoding: "))
        .unwrap_or("identity")
        .to_owned();
    let body = dechunk(&wire[end..]);
    (wire.len(), body, coding)
}

fn dechunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line = chunked.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(std::str::from_utf8(&chunked[..line]).unwrap().trim(), 16)
            .unwrap();
        chunked = &chunked[line + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunked[..size]);
        chunked = &chunked[size + 2..];
    }
}

fn decode(coding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match coding {
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut out)
            .unwrap(),
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut out)
            .unwrap(),
        _ => return body.to_vec(),
    };
    out
}

/// Compresses `frames` one by one with a flush after each: (bytes, microseconds per frame).
fn sweep(frames: &[Vec<u8>], compress: &mut dyn FnMut(&[u8]) -> usize) -> (usize, f64) {
    let started = Instant::now();
    let bytes: usize = frames.iter().map(|f| compress(f)).sum();
    (
        bytes,
        started.elapsed().as_secs_f64() * 1e6 / frames.len() as f64,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("streams") {
        let streams = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
        let events = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
        return many_streams(streams, events);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let frames: Vec<Vec<u8>> = events()
        .iter()
        .map(|e| {
            let mut out = Vec::new();
            encode(e, Dialect::V1, &mut out).unwrap();
            out
        })
        .collect();
    let identity_payload: usize = frames.iter().map(Vec::len).sum();
    println!(
        "{EVENTS} morphs of a {ROWS}-row table, {:.0} bytes per event on average\n",
        identity_payload as f64 / EVENTS as f64
    );
    runtime.block_on(async {
        let app = Router::new()
            .route(
                "/market",
                get(|| async { Sse::new(futures_util::stream::iter(events())) }),
            )
            .layer(DatastarLayer::new().compression(true).keep_alive(None));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        println!("through the server (DatastarLayer::compression(true)), whole responses:");
        println!(
            "{:<28} {:>12} {:>12} {:>10}",
            "Accept-Encoding", "wire bytes", "body bytes", "vs identity"
        );
        let mut identity = 0;
        let mut plain = Vec::new();
        for accept in ["", "gzip", "gzip, deflate, br, zstd"] {
            let (wire, body, coding) = fetch(addr, accept).await;
            let decoded = decode(&coding, &body);
            if accept.is_empty() {
                identity = wire;
                plain = decoded.clone();
                assert_eq!(plain.len(), identity_payload);
            }
            assert_eq!(decoded, plain, "{coding} decodes to the same stream");
            println!(
                "{:<28} {:>12} {:>12} {:>9.1}x  ({coding})",
                if accept.is_empty() { "(none)" } else { accept },
                wire,
                body.len(),
                identity as f64 / wire as f64
            );
        }
    });

    println!("\nthe same {EVENTS} frames, flushed after each, outside the server; the encoder's");
    println!(
        "heap (counted by this binary's allocator): new, after the stream, at its peak, and at"
    );
    println!("its peak on a stream of {LARGE} events of 1 MiB:");
    println!(
        "{:<34} {:>9} {:>8} {:>8} {:>9} {:>9} {:>9} {:>10}",
        "codec", "bytes", "ratio", "us/event", "new KiB", "held KiB", "peak KiB", "1MiB peak"
    );
    println!("{:<34} {identity_payload:>9} {:>7.1}x", "identity", 1.0);
    let large = large_frames();
    let gzip = |level| {
        move || -> Codec {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            Box::new(move |f| {
                encoder.write_all(f).unwrap();
                encoder.flush().unwrap();
                std::mem::take(encoder.get_mut()).len()
            })
        }
    };
    let brotli = |quality, window| {
        move || -> Codec {
            let mut encoder = brotli::CompressorWriter::new(Vec::new(), 4096, quality, window);
            // As the runtime does: 8 KiB at a time, each flushed, which bounds brotli's buffers.
            Box::new(move |f| {
                for piece in f.chunks(8 * 1024) {
                    encoder.write_all(piece).unwrap();
                    encoder.flush().unwrap();
                }
                std::mem::take(encoder.get_mut()).len()
            })
        }
    };
    let runtime = Compression::new();
    for level in [1, 6, 9] {
        let marker = if level == runtime.gzip() {
            "  <- runtime"
        } else {
            ""
        };
        measure(
            &format!("gzip level {level}{marker}"),
            &frames,
            &large,
            identity_payload,
            gzip(level),
        );
    }
    for (quality, window) in [
        (3, 16),
        (4, 16),
        (4, 17),
        (4, 18),
        (5, 16),
        (5, 17),
        (5, 18),
        (5, 20),
        (5, 22),
        (9, 22),
    ] {
        let marker = if (quality, window) == runtime.brotli() {
            "  <- runtime"
        } else {
            ""
        };
        measure(
            &format!("brotli q{quality} window {window}{marker}"),
            &frames,
            &large,
            identity_payload,
            brotli(quality, window),
        );
    }
}

/// A stream compressor: compresses and flushes a frame, and says how many bytes came out.
type Codec = Box<dyn FnMut(&[u8]) -> usize>;

/// One codec's row: compresses `frames` with a new encoder made by `make`, then `large` with
/// another, counting the heap each holds.
fn measure(
    name: &str,
    frames: &[Vec<u8>],
    large: &[Vec<u8>],
    payload: usize,
    make: impl Fn() -> Codec,
) {
    let before = counting::live();
    let mut encoder = make();
    let new = counting::live() - before;
    counting::reset_peak();
    let (bytes, us) = sweep(frames, &mut *encoder);
    let peak = counting::peak() - before;
    let held = counting::live() - before;
    drop(encoder);
    let before = counting::live();
    let mut encoder = make();
    counting::reset_peak();
    sweep(large, &mut *encoder);
    let large_peak = counting::peak() - before;
    drop(encoder);
    println!(
        "{name:<34} {bytes:>9} {:>7.1}x {us:>8.1} {:>9} {:>9} {:>9} {:>10}",
        payload as f64 / bytes as f64,
        new / 1024,
        held / 1024,
        peak / 1024,
        large_peak / 1024
    );
}

/// How many 1 MiB events the large stream has.
const LARGE: usize = 8;

/// 1 MiB events: a long table whose every cell differs, as a big list would.
fn large_frames() -> Vec<Vec<u8>> {
    let mut market = Market::new();
    (0..LARGE)
        .map(|_| {
            let mut html = String::from("<table id=\"big\">");
            while html.len() < 1 << 20 {
                let n = market.random();
                html.push_str(&format!(
                    "<tr id=\"r{}\"><td>{}</td><td class=\"num\">{}</td></tr>\n",
                    n % 100_000,
                    n % 7919,
                    n >> 40
                ));
            }
            html.push_str("</table>");
            let mut out = Vec::new();
            encode(&PatchElements::new(html).into(), Dialect::V1, &mut out).unwrap();
            out
        })
        .collect()
}

/// A global allocator that counts the bytes live now and their peak.
mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    static LIVE: AtomicUsize = AtomicUsize::new(0);
    static PEAK: AtomicUsize = AtomicUsize::new(0);

    struct Counting;

    fn grew(by: usize) {
        let live = LIVE.fetch_add(by, Relaxed) + by;
        PEAK.fetch_max(live, Relaxed);
    }

    // SAFETY: forwards every call to the system allocator unchanged.
    #[allow(unsafe_code)]
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            grew(layout.size());
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            LIVE.fetch_sub(layout.size(), Relaxed);
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static GLOBAL: Counting = Counting;

    pub fn live() -> usize {
        LIVE.load(Relaxed)
    }

    pub fn peak() -> usize {
        PEAK.load(Relaxed)
    }

    pub fn reset_peak() {
        PEAK.store(live(), Relaxed);
    }
}

/// utime + stime of this process, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split(' ')
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

/// Reads a whole response and says how many bytes came, without keeping them; a failed
/// read is `(bytes before it, "failed: …")`.
async fn drain(addr: SocketAddr, accept: &str) -> (usize, String) {
    let accept = if accept.is_empty() {
        String::new()
    } else {
        format!("accept-encoding: {accept}\r\n")
    };
    let request =
        format!("GET /market HTTP/1.1\r\nhost: bench\r\nconnection: close\r\n{accept}\r\n");
    // Connected and sent from a blocking thread: the runtime's workers, busy compressing 512
    // streams on a loaded machine, could send the request after the server's header read
    // timeout (15 s), and the server would rightly close the connection.
    let socket = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(addr)?;
        std::io::Write::write_all(&mut socket, request.as_bytes())?;
        socket.set_nonblocking(true)?;
        Ok::<_, std::io::Error>(socket)
    })
    .await
    .expect("the connecting thread")
    .expect("connect");
    let mut socket = TcpStream::from_std(socket).expect("a socket for the runtime");
    let mut chunk = vec![0u8; 16 * 1024];
    let mut total = 0;
    let mut head = String::new();
    loop {
        let n = match socket.read(&mut chunk).await {
            Ok(n) => n,
            Err(e) => return (total, format!("failed: {e}")),
        };
        if n == 0 {
            break;
        }
        if head.is_empty() {
            head = String::from_utf8_lossy(&chunk[..n.min(512)]).to_lowercase();
        }
        total += n;
    }
    let coding = head
        .lines()
        .find_map(|l| l.strip_prefix("content-encoding: "))
        .unwrap_or("identity")
        .to_owned();
    (total, coding)
}

/// `compression streams`: see the module's doc.
fn many_streams(streams: usize, count: usize) {
    let all = events();
    let events: Vec<Event> = all[..count.min(all.len())].to_vec();
    let frames: Vec<Vec<u8>> = events
        .iter()
        .map(|e| {
            let mut out = Vec::new();
            encode(e, Dialect::V1, &mut out).unwrap();
            out
        })
        .collect();
    let payload: usize = frames.iter().map(Vec::len).sum();
    let deliveries = (streams * frames.len()) as f64;
    println!(
        "{streams} streams at once, each sent the same {} morphs ({:.0} bytes per event), per coding at its default",
        frames.len(),
        payload as f64 / frames.len() as f64
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let shared = std::sync::Arc::new(events);
        let app = Router::new()
            .route(
                "/market",
                get(move || {
                    let events = shared.clone();
                    async move { Sse::new(futures_util::stream::iter((*events).clone())) }
                }),
            )
            .layer(DatastarLayer::new().compression(true).keep_alive(None));
        // A listen queue for the 512 connects at once (`TcpListener::bind`'s is 128: beyond it
        // the kernel drops handshakes, retried a second or more later).
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .unwrap();
        let listener = socket.listen(1024).unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { datastar_runtime::serve(listener, app).await.unwrap() });
        println!(
            "{:<10} {:>14} {:>10} {:>16} {:>12} {:>16}",
            "coding", "bytes/event", "ratio", "CPU us/event", "vs identity", "peak heap KiB/512"
        );
        let mut identity_cpu = 0.0;
        for accept in ["", "gzip", "br", "zstd"] {
            let before_heap = counting::live();
            counting::reset_peak();
            let cpu = cpu_seconds();
            let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(512));
            let tasks: Vec<_> = (0..streams)
                .map(|_| {
                    let gate = gate.clone();
                    tokio::spawn(async move {
                        let _permit = gate.acquire_owned().await.unwrap();
                        drain(addr, accept).await
                    })
                })
                .collect();
            let mut wire = 0;
            let mut coding = String::new();
            let mut failed = 0;
            let mut first_failure = String::new();
            for task in tasks {
                let (bytes, c) = task.await.unwrap();
                wire += bytes;
                if c.starts_with("failed") {
                    failed += 1;
                    if first_failure.is_empty() {
                        first_failure = format!("{c} after {bytes} bytes");
                    }
                } else {
                    coding = c;
                }
            }
            if failed > 0 {
                println!(
                    "({failed} of {streams} {accept:?} streams failed before their end; the first: {first_failure})"
                );
            }
            let cpu = cpu_seconds() - cpu;
            let heap = counting::peak().saturating_sub(before_heap);
            if accept.is_empty() {
                identity_cpu = cpu;
            }
            println!(
                "{coding:<10} {:>14.0} {:>9.1}x {:>16.2} {:>11.2}x {:>16.0}",
                wire as f64 / deliveries,
                (payload * streams) as f64 / wire as f64,
                cpu * 1e6 / deliveries,
                cpu / identity_cpu,
                // At most 512 streams are open at once (the gate).
                heap as f64 / 1024.0 / streams.min(512) as f64
            );
        }
    });
    println!(
        "\nCPU: the whole process (server and the clients that only count bytes), per event per stream."
    );

    println!(
        "\nprototype: one compressor per topic and coding, its bytes shared by all {streams} subscribers"
    );
    println!(
        "{:<8} {:>12} {:>14} {:>8} {:>12} {:>20} {:>14} {:>18} {:>18}",
        "coding",
        "restart",
        "bytes/event",
        "ratio",
        "us/event",
        "CPU us/event/stream",
        "heap KiB",
        "bytes, restart 10",
        "bytes, restart 100"
    );
    let settings = Compression::new();
    for coding in ["gzip", "br", "zstd"] {
        let make = || -> Codec {
            match coding {
                "gzip" => {
                    let mut e = flate2::write::GzEncoder::new(
                        Vec::new(),
                        flate2::Compression::new(settings.gzip()),
                    );
                    Box::new(move |f| {
                        e.write_all(f).unwrap();
                        e.flush().unwrap();
                        std::mem::take(e.get_mut()).len()
                    })
                }
                "br" => {
                    let (quality, window) = settings.brotli();
                    let mut e = brotli::CompressorWriter::new(Vec::new(), 4096, quality, window);
                    Box::new(move |f| {
                        for piece in f.chunks(8 * 1024) {
                            e.write_all(piece).unwrap();
                            e.flush().unwrap();
                        }
                        std::mem::take(e.get_mut()).len()
                    })
                }
                _ => {
                    use zstd::stream::raw::CParameter;
                    let (level, window) = settings.zstd();
                    let mut e = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
                    for p in [
                        CParameter::WindowLog(window),
                        CParameter::HashLog(15.min(window)),
                        CParameter::ChainLog(15.min(window)),
                        CParameter::ChecksumFlag(false),
                    ] {
                        e.set_parameter(p).unwrap();
                    }
                    Box::new(move |f| {
                        e.write_all(f).unwrap();
                        e.flush().unwrap();
                        std::mem::take(e.get_mut()).len()
                    })
                }
            }
        };
        let before = counting::live();
        let mut one = make();
        let (bytes, us) = sweep(&frames, &mut *one);
        let held = counting::live().saturating_sub(before);
        drop(one);
        // A compressor restarted every `k` events: a subscriber can join at each restart.
        let restarted = |k: usize| -> usize {
            frames
                .chunks(k)
                .map(|run| {
                    let mut c = make();
                    run.iter().map(|f| c(f)).sum::<usize>()
                })
                .sum()
        };
        println!(
            "{coding:<8} {:>12} {:>14.0} {:>7.1}x {:>12.1} {:>20.3} {:>14} {:>18.0} {:>18.0}",
            "never",
            bytes as f64 / frames.len() as f64,
            payload as f64 / bytes as f64,
            us,
            us / streams as f64,
            held / 1024,
            restarted(10) as f64 / frames.len() as f64,
            restarted(100) as f64 / frames.len() as f64
        );
    }
    println!(
        "(CPU: one compression per event divided among the subscribers; heap: the one compressor,\n \
         against one per stream above. Restart K: a new compressor every K events, the sync points.)"
    );
}
