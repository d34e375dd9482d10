//! Compressing a stream costs at most 1 MiB, however large its events. Hub subscriptions under
//! a compressing `DatastarLayer` (4 brotli, then 4 gzip, then 4 uncompressed) are sent 1 MiB
//! events; each event is decoded from its stream's frames as they come, and must be whole on
//! its own arrival. Then, the decoders dropped, the heap the streams still hold (counted by
//! this binary's allocator from before they were made) is at most 1 MiB per stream.
//!
//! The bodies are polled in process, not through a socket, so that only the streams are
//! counted (a socket's buffers on both sides cost as much again, compressed or not).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use datastar_runtime::{DatastarLayer, Hub, PatchElements, Subscription};
use http_body_util::BodyExt;
use tower_service::Service;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        LIVE.fetch_add(new_size, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const STREAMS: usize = 4;
const LARGE: usize = 3;
const BOUND: usize = 1024 * 1024;

/// A client's decoder of one stream, given its frames as they come.
enum Decoder {
    /// brotli's incremental writer can hold output back on a flush, so the client keeps the
    /// stream's bytes and decodes them whole with the reader each time.
    Brotli(Vec<u8>),
    Gzip(Box<flate2::write::GzDecoder<Vec<u8>>>),
    Identity,
}

impl Decoder {
    fn new(coding: &str) -> Self {
        match coding {
            "br" => Decoder::Brotli(Vec::new()),
            "gzip" => Decoder::Gzip(Box::new(flate2::write::GzDecoder::new(Vec::new()))),
            _ => Decoder::Identity,
        }
    }

    /// Decodes `frame`: whether what this frame decodes to ends with `end`.
    fn decode(&mut self, frame: &[u8], end: &[u8]) -> bool {
        match self {
            Decoder::Brotli(wire) => {
                wire.extend_from_slice(frame);
                let mut out = Vec::new();
                // Without its end the stream is an error, after every byte it holds.
                let _ = std::io::Read::read_to_end(
                    &mut brotli::Decompressor::new(&wire[..], 4096),
                    &mut out,
                );
                out.ends_with(end)
            }
            Decoder::Gzip(decoder) => {
                decoder.write_all(frame).unwrap();
                decoder.flush().unwrap();
                std::mem::take(decoder.get_mut()).ends_with(end)
            }
            Decoder::Identity => frame.ends_with(end),
        }
    }
}

/// 1 MiB of table rows that all differ, as a big list would, ending with a mark of `n`.
fn large(n: usize) -> PatchElements<datastar_runtime::ById> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 + n as u64;
    let mut html = String::from("<table id=\"big\">");
    while html.len() < 1 << 20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        html.push_str(&format!(
            "<tr id=\"r{}\"><td>{}</td><td class=\"num\">{}</td></tr>\n",
            seed % 100_000,
            seed % 7919,
            seed >> 40
        ));
    }
    html.push_str(&format!("<tr id=\"end\"><td>end {n}</td></tr></table>"));
    PatchElements::new(html)
}

async fn subscribe(State(hub): State<Hub<()>>) -> Subscription<()> {
    hub.subscribe(())
}

#[tokio::test]
async fn a_compressed_stream_holds_at_most_a_mib_however_large_its_events() {
    let hub = Hub::new(|_: &()| [PatchElements::new(r#"<p id="state">resync</p>"#)]);
    let mut app = Router::new()
        .route("/sub", get(subscribe))
        .with_state(hub.clone())
        .layer(DatastarLayer::new().compression(true).keep_alive(None));
    for coding in ["br", "gzip", "identity"] {
        let before = LIVE.load(Relaxed);
        let mut streams = Vec::new();
        for _ in 0..STREAMS {
            let request = http::Request::get("/sub")
                .header("accept-encoding", coding)
                .body(Body::empty())
                .unwrap();
            let response = app.call(request).await.unwrap();
            let expected = (coding != "identity").then_some(coding);
            assert_eq!(
                response
                    .headers()
                    .get("content-encoding")
                    .map(|v| v.to_str().unwrap()),
                expected
            );
            streams.push((response.into_body(), Decoder::new(coding)));
        }
        for n in 0..LARGE {
            hub.publish(&(), large(n));
            let end = format!("end {n}</td></tr></table>\n\n");
            for (body, decoder) in &mut streams {
                // One event, one frame: it decodes whole on its own arrival.
                let frame = body.frame().await.expect("a frame").unwrap();
                let frame = frame.into_data().expect("data");
                assert!(
                    decoder.decode(&frame, end.as_bytes()),
                    "{coding}: event {n}"
                );
            }
        }
        // Every stream took the last event; the topic still keeps its newest events for
        // tabs that come back with a Last-Event-ID, within its budget. That is the hub's, not
        // the streams': what the streams hold is what goes when they do, the topic kept.
        let window = hub.retained_bytes(&());
        assert!(window <= datastar_runtime::DEFAULT_HUB_BUDGET, "{window}");
        let keeper = hub.subscribe(());
        let bodies: Vec<Body> = streams.into_iter().map(|(body, _)| body).collect();
        let with_streams = LIVE.load(Relaxed);
        drop(bodies);
        let per_stream = with_streams.saturating_sub(LIVE.load(Relaxed)) / STREAMS;
        drop(keeper);
        // The topic, forgotten with its last subscriber, frees its window (a map slot and
        // such may stay).
        let left = LIVE.load(Relaxed).saturating_sub(before);
        assert!(
            left < 4096,
            "{coding}: {left} bytes left once every stream is gone"
        );
        eprintln!("{coding}: a stream holds {per_stream} bytes after {LARGE} events of 1 MiB");
        assert!(
            per_stream <= BOUND,
            "{coding}: a stream holds {per_stream} bytes, over {BOUND}"
        );
    }
}
