//! Compressed streams over real TCP: negotiated by `Accept-Encoding`, and every event
//! decodable by the client before the next one is even produced.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use datastar_runtime::{
    Compression, DEFAULT_BROTLI_WINDOW, DatastarLayer, Events, PatchElements, channel,
};
use datastar_tests::{Stream, serve};
use tokio::sync::oneshot;

/// The release of the second event, taken by the one request of a test.
#[derive(Clone, Default)]
struct Gate(Arc<Mutex<Option<oneshot::Receiver<()>>>>);

fn event(n: u32) -> PatchElements<datastar_runtime::ById> {
    // Repetitive, as real fragments are: a compressor would like to wait for more.
    let rows: String = (0..40)
        .map(|i| format!("<tr id=\"row{i}\"><td>item {i}</td><td>{n}</td></tr>"))
        .collect();
    PatchElements::new(format!("<table id=\"t\" data-n=\"{n}\">{rows}</table>"))
}

fn wire(n: u32) -> String {
    let mut out = Vec::new();
    datastar_runtime::encode(&event(n).into(), datastar_runtime::Dialect::V1, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// Sends event 1, waits until the test opens the gate, sends event 2, ends.
async fn two_events(State(gate): State<Gate>) -> impl IntoResponse {
    let release = gate.0.lock().unwrap().take().expect("one request per test");
    let (sender, response) = channel(1);
    tokio::spawn(async move {
        if sender.send(event(1)).await.is_err() {
            return;
        }
        if release.await.is_err() {
            return;
        }
        let _ = sender.send(event(2)).await;
    });
    response
}

async fn server(compression: bool) -> (oneshot::Sender<()>, SocketAddr) {
    let (open, release) = oneshot::channel();
    let gate = Gate(Arc::new(Mutex::new(Some(release))));
    let app = Router::new()
        .route("/two", get(two_events))
        .route("/events", get(|| async { Events([event(1), event(2)]) }))
        .route("/one", get(|| async { event(1) }))
        .with_state(gate)
        .layer(DatastarLayer::new().compression(compression));
    (open, serve(app).await)
}

/// Everything `wire` decodes to so far, as a client that decompresses as bytes arrive.
fn decode_so_far(coding: &str, wire: &[u8]) -> String {
    let out = match coding {
        "gzip" => {
            let mut decoder = flate2::write::GzDecoder::new(Vec::new());
            decoder.write_all(wire).unwrap();
            decoder.flush().unwrap();
            std::mem::take(decoder.get_mut())
        }
        "br" => {
            let mut decoder = brotli::DecompressorWriter::new(Vec::new(), 4096);
            decoder.write_all(wire).unwrap();
            decoder.flush().unwrap();
            std::mem::take(decoder.get_mut())
        }
        "zstd" => {
            let mut decoder = zstd::stream::write::Decoder::new(Vec::new()).unwrap();
            decoder.write_all(wire).unwrap();
            decoder.flush().unwrap();
            std::mem::take(decoder.get_mut())
        }
        _ => wire.to_vec(),
    };
    String::from_utf8(out).unwrap()
}

/// Reads until the decoded text holds `want`.
async fn read_until(
    stream: &mut Stream,
    coding: &str,
    received: &mut Vec<u8>,
    want: &str,
) -> String {
    loop {
        let decoded = decode_so_far(coding, received);
        if decoded.contains(want) {
            return decoded;
        }
        let chunk = stream.next_chunk().await.unwrap_or_else(|| {
            panic!("the stream ended before {want:?}; decoded so far: {decoded:?}")
        });
        received.extend_from_slice(&chunk);
    }
}

async fn each_event_decodes_before_the_next_is_made(accept: &str, coding: &str) {
    let (open, addr) = server(true).await;
    let mut stream = Stream::get(addr, "/two", &[("accept-encoding", accept)]).await;
    assert_eq!(stream.header("content-encoding"), Some(coding));
    assert_eq!(stream.header("vary"), Some("accept-encoding"));
    assert_eq!(stream.header("content-type"), Some("text/event-stream"));

    let mut received = Vec::new();
    let decoded = read_until(&mut stream, coding, &mut received, &wire(1)).await;
    // Event 2 does not exist yet: the gate is closed.
    assert_eq!(decoded, wire(1), "{coding}: exactly event 1, complete");
    let compressed_one = received.len();

    open.send(()).unwrap();
    read_until(&mut stream, coding, &mut received, &wire(2)).await;
    let compressed_two = received.len() - compressed_one;
    while let Some(chunk) = stream.next_chunk().await {
        received.extend_from_slice(&chunk);
    }
    let all = decode_so_far(coding, &received);
    assert_eq!(all, format!("{}{}", wire(1), wire(2)));
    // The stream is a complete, well-ended compressed stream.
    match coding {
        "zstd" => assert_eq!(decode_whole("zstd", &received), all),
        "gzip" => {
            let mut whole = String::new();
            std::io::Read::read_to_string(
                &mut flate2::read::GzDecoder::new(&received[..]),
                &mut whole,
            )
            .unwrap();
            assert_eq!(whole, all);
        }
        _ => {
            let mut whole = String::new();
            std::io::Read::read_to_string(
                &mut brotli::Decompressor::new(&received[..], 4096),
                &mut whole,
            )
            .unwrap();
            assert_eq!(whole, all);
        }
    }
    // The second event, nearly the first one again, costs far less than the first.
    // (zstd's block headers weigh more on a small flushed event: 118 bytes against 234.)
    let factor = if coding == "zstd" { 3 } else { 4 };
    assert!(
        compressed_two * factor < compressed_one * 2,
        "{coding}: event 1 took {compressed_one} bytes, event 2 {compressed_two}"
    );
}

#[tokio::test]
async fn gzip_events_decode_one_by_one() {
    each_event_decodes_before_the_next_is_made("gzip", "gzip").await;
}

#[tokio::test]
async fn zstd_events_decode_one_by_one() {
    each_event_decodes_before_the_next_is_made("gzip, deflate, zstd", "zstd").await;
}

/// With client priority the first coding the client names wins: Chromium names gzip first.
#[tokio::test]
async fn client_priority_follows_the_order_of_accept_encoding() {
    use datastar_runtime::Priority;
    let app = Router::new()
        .route("/one", get(|| async { event(1) }))
        .layer(DatastarLayer::new().compress_with(Compression::new().priority(Priority::Client)));
    let addr = serve(app).await;
    for (accept, coding) in [
        ("gzip, deflate, br, zstd", "gzip"),
        ("zstd, br", "zstd"),
        ("br;q=0.5, zstd;q=0.9, gzip;q=0.1", "zstd"),
    ] {
        let mut stream = Stream::get(addr, "/one", &[("accept-encoding", accept)]).await;
        assert_eq!(stream.header("content-encoding"), Some(coding), "{accept}");
        let mut received = Vec::new();
        while let Some(chunk) = stream.next_chunk().await {
            received.extend_from_slice(&chunk);
        }
        assert_eq!(decode_whole(coding, &received), wire(1), "{accept}");
    }
}

#[tokio::test]
async fn brotli_events_decode_one_by_one() {
    each_event_decodes_before_the_next_is_made("gzip, deflate, br, zstd", "br").await;
}

#[tokio::test]
async fn without_an_accepted_coding_the_stream_is_sent_as_is() {
    let (open, addr) = server(true).await;
    let mut stream = Stream::get(addr, "/two", &[("accept-encoding", "deflate, identity")]).await;
    assert_eq!(stream.header("content-encoding"), None);
    assert_eq!(stream.header("vary"), Some("accept-encoding"));
    let mut received = Vec::new();
    read_until(&mut stream, "identity", &mut received, &wire(1)).await;
    drop(open);
}

#[tokio::test]
async fn compression_is_off_unless_asked() {
    let (open, addr) = server(false).await;
    let mut stream = Stream::get(addr, "/two", &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(stream.header("content-encoding"), None);
    assert_eq!(stream.header("vary"), None);
    let mut received = Vec::new();
    read_until(&mut stream, "identity", &mut received, &wire(1)).await;
    drop(open);
}

/// `wire` decoded as one whole compressed stream, the decoder finished: fails unless the
/// stream ends properly (gzip's trailer with its CRC and length, brotli's last meta-block).
fn decode_whole(coding: &str, wire: &[u8]) -> String {
    let out = match coding {
        "gzip" => {
            let mut decoder = flate2::write::GzDecoder::new(Vec::new());
            decoder.write_all(wire).unwrap();
            decoder.try_finish().expect("a complete gzip stream");
            std::mem::take(decoder.get_mut())
        }
        "br" => {
            let mut decoder = brotli::DecompressorWriter::new(Vec::new(), 4096);
            decoder.write_all(wire).unwrap();
            decoder.close().expect("a complete brotli stream");
            std::mem::take(decoder.get_mut())
        }
        "zstd" => zstd::stream::decode_all(wire).expect("a complete zstd stream"),
        _ => panic!("not a coding: {coding}"),
    };
    String::from_utf8(out).unwrap()
}

/// A reply whose events are all known (`Events`, one event) under a compressing layer: sent
/// compressed, with the length of what is sent, as one complete compressed stream.
async fn a_finite_reply_is_one_compressed_stream(path: &str, accept: &str, coding: &str) {
    let (_open, addr) = server(true).await;
    let mut stream = Stream::get(addr, path, &[("accept-encoding", accept)]).await;
    assert_eq!(stream.header("content-encoding"), Some(coding), "{path}");
    assert_eq!(stream.header("vary"), Some("accept-encoding"), "{path}");
    assert_eq!(
        stream.header("content-type"),
        Some("text/event-stream"),
        "{path}"
    );
    let length: usize = stream
        .header("content-length")
        .unwrap_or_else(|| panic!("{path} {coding}: a finite reply has a length"))
        .parse()
        .unwrap();
    let mut received = Vec::new();
    while let Some(chunk) = stream.next_chunk().await {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(received.len(), length, "{path} {coding}: content-length");
    let expected = match path {
        "/events" => format!("{}{}", wire(1), wire(2)),
        _ => wire(1),
    };
    assert!(
        received.len() < expected.len(),
        "{path} {coding}: {} compressed bytes for {} of text",
        received.len(),
        expected.len()
    );
    assert_eq!(decode_whole(coding, &received), expected, "{path} {coding}");
}

#[tokio::test]
async fn events_are_compressed_whole_with_their_length() {
    a_finite_reply_is_one_compressed_stream("/events", "gzip", "gzip").await;
    a_finite_reply_is_one_compressed_stream("/events", "br", "br").await;
    a_finite_reply_is_one_compressed_stream("/events", "zstd", "zstd").await;
}

#[tokio::test]
async fn a_one_event_reply_is_compressed_whole_with_its_length() {
    a_finite_reply_is_one_compressed_stream("/one", "gzip", "gzip").await;
    a_finite_reply_is_one_compressed_stream("/one", "gzip, deflate, br", "br").await;
}

/// The window a brotli stream was made with, from its header (RFC 7932, 9.1: `WBITS`).
fn brotli_window(stream: &[u8]) -> u32 {
    let first = stream[0];
    if first & 1 == 0 {
        return 16;
    }
    match ((first >> 1) & 7, (first >> 4) & 7) {
        (0, 0) => 17,
        (0, small) => 8 + u32::from(small),
        (large, _) => 17 + u32::from(large),
    }
}

async fn brotli_stream(layer: DatastarLayer) -> Vec<u8> {
    let app = Router::new()
        .route("/events", get(|| async { Events([event(1), event(2)]) }))
        .layer(layer);
    let addr = serve(app).await;
    let mut stream = Stream::get(addr, "/events", &[("accept-encoding", "br")]).await;
    assert_eq!(stream.header("content-encoding"), Some("br"));
    let mut received = Vec::new();
    while let Some(chunk) = stream.next_chunk().await {
        received.extend_from_slice(&chunk);
    }
    assert_eq!(
        decode_whole("br", &received),
        format!("{}{}", wire(1), wire(2))
    );
    received
}

/// The default window is the small one that bounds a stream's memory (64 KiB), and
/// `compress_with` sets another, which the stream's own header shows.
#[tokio::test]
async fn brotli_streams_use_the_configured_window() {
    let default = brotli_stream(DatastarLayer::new().compression(true)).await;
    assert_eq!(brotli_window(&default), DEFAULT_BROTLI_WINDOW);
    assert_eq!(DEFAULT_BROTLI_WINDOW, 16);
    let settings = Compression::new().brotli_window(20).brotli_quality(9);
    let wide = brotli_stream(DatastarLayer::new().compress_with(settings)).await;
    assert_eq!(brotli_window(&wide), 20);
}
