//! The wire, live: every example page shows the requests it made and the events that came
//! back, with their sizes before and after compression.
//!
//! [`tap`] is a middleware outside everything else (outside [`DatastarLayer`], which writes
//! `Content-Encoding`). For each Datastar request under `/examples/` it records the request
//! line and the signals the request carried, then reads the response body as the browser
//! will: each frame's size is what went over the wire, and the same frame, decompressed with
//! the coding the response names, is split into its SSE events. The runtime flushes the
//! compressor after every event, so a frame is an event, and its two sizes are exact.
//!
//! Each visitor (the session cookie) has one [`Log`], of at most [`MAX_EXCHANGES`] exchanges
//! and [`LOG_BUDGET`] bytes of text (the oldest go first), each text cut at [`MAX_TEXT`]; at
//! most [`MAX_LOGS`] visitors are kept. The page's panel is a long-lived Datastar stream
//! (`GET /wire/{slug}`) that morphs the log in each time it changes. All the text goes
//! through maud, so a recorded `</script>` is shown, never run.
//!
//! [`DatastarLayer`]: datastar_runtime::DatastarLayer

use std::collections::VecDeque;
use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use datastar_runtime::prelude::*;
use http_body::Frame;
use tokio::sync::watch;

use super::layout::EXAMPLES;
use super::visitor::{VisitorId, Visitors};

/// The most exchanges one visitor's log keeps.
pub const MAX_EXCHANGES: usize = 30;
/// The most events one exchange keeps (a stream that stays open keeps its latest).
pub const MAX_EVENTS: usize = 20;
/// The longest text kept of one request body or event, in bytes.
pub const MAX_TEXT: usize = 1536;
/// The most bytes of text one visitor's log holds.
pub const LOG_BUDGET: usize = 48 * 1024;
/// The most visitors whose logs are kept (the least recently seen is forgotten first).
pub const MAX_LOGS: usize = 200;
/// The most exchanges one panel shows, newest first.
const SHOWN: usize = 8;
/// The most events the panel shows of one exchange, the latest.
const SHOWN_EVENTS: usize = 5;
/// The least time between two renderings of one panel: a fast stream (the progress bar sends
/// 17 events a second) is shown in batches instead of costing a morph per event.
const PACE: std::time::Duration = std::time::Duration::from_millis(200);

/// The logs of every visitor.
#[derive(Clone)]
pub struct Wire {
    logs: Visitors<Log>,
}

impl Wire {
    pub fn new() -> Self {
        Wire {
            logs: Visitors::bounded(Log::new, MAX_LOGS),
        }
    }
}

/// What one visitor's pages sent and got back.
pub struct Log {
    exchanges: VecDeque<Exchange>,
    next_id: u64,
    /// Bytes of text held, against [`LOG_BUDGET`].
    bytes: usize,
    changed: watch::Sender<u64>,
}

/// Text cut at [`MAX_TEXT`] bytes (at a character boundary), with the length it had.
#[derive(Default)]
struct Text {
    kept: String,
    len: usize,
}

impl Text {
    fn of(bytes: &[u8]) -> Self {
        let mut text = Text::default();
        text.extend(bytes);
        text
    }

    fn extend(&mut self, bytes: &[u8]) {
        self.len += bytes.len();
        let room = MAX_TEXT.saturating_sub(self.kept.len());
        if room > 0 {
            let piece = String::from_utf8_lossy(&bytes[..bytes.len().min(room)]);
            let mut end = piece.len().min(room);
            while !piece.is_char_boundary(end) {
                end -= 1;
            }
            self.kept.push_str(&piece[..end]);
        }
    }

    fn cut(&self) -> usize {
        self.len.saturating_sub(self.kept.len())
    }
}

struct Event {
    text: Text,
    /// Bytes of the event as the server wrote it.
    plain: usize,
    /// Bytes it took on the wire; `approximate` when one frame carried several events.
    wire: usize,
    approximate: bool,
}

struct Exchange {
    id: u64,
    method: String,
    path: String,
    /// The signals, from the `datastar` query parameter or the body.
    signals: Text,
    status: Option<StatusCode>,
    content_type: String,
    coding: Option<String>,
    events: VecDeque<Event>,
    dropped: usize,
    plain: usize,
    wire: usize,
    open: bool,
}

impl Exchange {
    fn text_bytes(&self) -> usize {
        self.path.len()
            + self.signals.kept.len()
            + self.events.iter().map(|e| e.text.kept.len()).sum::<usize>()
    }
}

impl Log {
    fn new() -> Self {
        Log {
            exchanges: VecDeque::new(),
            next_id: 0,
            bytes: 0,
            changed: watch::channel(0).0,
        }
    }

    fn begin(&mut self, method: String, path: String, signals: Text) -> u64 {
        self.next_id += 1;
        let exchange = Exchange {
            id: self.next_id,
            method,
            path,
            signals,
            status: None,
            content_type: String::new(),
            coding: None,
            events: VecDeque::new(),
            dropped: 0,
            plain: 0,
            wire: 0,
            open: true,
        };
        self.bytes += exchange.text_bytes();
        self.exchanges.push_back(exchange);
        self.trim();
        self.next_id
    }

    /// Drops the oldest exchanges (then the oldest events of the newest) until the log fits.
    fn trim(&mut self) {
        while self.exchanges.len() > MAX_EXCHANGES
            || (self.bytes > LOG_BUDGET && self.exchanges.len() > 1)
        {
            if let Some(old) = self.exchanges.pop_front() {
                self.bytes -= old.text_bytes();
            }
        }
        if let Some(last) = self.exchanges.back_mut() {
            while self.bytes > LOG_BUDGET {
                let Some(event) = last.events.pop_front() else {
                    break;
                };
                last.dropped += 1;
                self.bytes -= event.text.kept.len();
            }
        }
    }

    fn with(&mut self, id: u64, change: impl FnOnce(&mut Exchange) -> isize) {
        if let Some(exchange) = self.exchanges.iter_mut().find(|e| e.id == id) {
            let grown = change(exchange);
            self.bytes = self.bytes.saturating_add_signed(grown);
            self.trim();
            self.changed.send_modify(|version| *version += 1);
        }
    }
}

/// Middleware: records the Datastar requests under `/examples/` of a visitor with a session.
pub async fn tap(State(wire): State<Wire>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let recorded = path.starts_with("/examples/")
        && request.headers().contains_key("datastar-request")
        && VisitorId::from_cookies(request.headers()).is_some();
    let Some(visitor) = VisitorId::from_cookies(request.headers()).filter(|_| recorded) else {
        return next.run(request).await;
    };
    let log = wire.logs.of(visitor);
    let query_signals = request
        .uri()
        .query()
        .into_iter()
        .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
        .find(|(name, _)| name == "datastar")
        .map(|(_, value)| Text::of(value.as_bytes()))
        .unwrap_or_default();
    let id = log.lock().unwrap().begin(
        request.method().to_string(),
        request.uri().path().to_owned(),
        query_signals,
    );
    let (parts, body) = request.into_parts();
    let body = Body::new(Tapped {
        inner: body,
        log: log.clone(),
        id,
        reading: Reading::Request,
    });
    let response = next.run(Request::from_parts(parts, body)).await;
    let (parts, body) = response.into_parts();
    let coding = header_text(&parts.headers, header::CONTENT_ENCODING);
    let decoder = coding.as_deref().and_then(Decoder::new);
    log.lock().unwrap().with(id, |exchange| {
        exchange.status = Some(parts.status);
        exchange.content_type = header_text(&parts.headers, header::CONTENT_TYPE)
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned();
        exchange.coding = coding;
        0
    });
    let body = Body::new(Tapped {
        inner: body,
        log,
        id,
        reading: Reading::Response {
            decoder,
            event: Vec::new(),
            event_len: 0,
            newline: false,
        },
    });
    Response::from_parts(parts, body)
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A body passed on unchanged, each frame recorded on its way.
struct Tapped {
    inner: Body,
    log: Arc<Mutex<Log>>,
    id: u64,
    reading: Reading,
}

enum Reading {
    /// The request's body: the signals of a POST, PUT, PATCH or DELETE.
    Request,
    /// The response's: `event` holds the start (at most [`MAX_TEXT`] bytes) of the event not
    /// yet ended by a blank line, and `event_len` its whole length so far.
    Response {
        decoder: Option<Decoder>,
        event: Vec<u8>,
        event_len: usize,
        /// Whether the last byte was a line feed.
        newline: bool,
    },
}

impl HttpBody for Tapped {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let data = data.clone();
                    self.record(&data);
                }
            }
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => self.close(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Tapped {
    fn record(&mut self, data: &[u8]) {
        let Tapped {
            log, id, reading, ..
        } = self;
        match reading {
            Reading::Request => log.lock().unwrap().with(*id, |exchange| {
                let before = exchange.signals.kept.len();
                exchange.signals.extend(data);
                (exchange.signals.kept.len() - before) as isize
            }),
            Reading::Response {
                decoder,
                event,
                event_len,
                newline,
            } => {
                let plain = match decoder {
                    Some(decoder) => decoder.decode(data),
                    None => data.to_vec(),
                };
                // Split at blank lines: each piece that ends one is a whole event.
                let mut ended = Vec::new();
                for &byte in &plain {
                    *event_len += 1;
                    if event.len() < MAX_TEXT {
                        event.push(byte);
                    }
                    if byte == b'\n' && *newline {
                        ended.push((Text::of(event), *event_len));
                        event.clear();
                        *event_len = 0;
                    }
                    *newline = byte == b'\n';
                }
                let wire = data.len();
                log.lock().unwrap().with(*id, |exchange| {
                    exchange.plain += plain.len();
                    exchange.wire += wire;
                    let total: usize = ended.iter().map(|(_, len)| len).sum();
                    let approximate = ended.len() > 1;
                    let mut grown = 0;
                    for (mut text, len) in ended {
                        text.len = len;
                        grown += text.kept.len() as isize;
                        exchange.events.push_back(Event {
                            text,
                            plain: len,
                            wire: (wire * len).checked_div(total).unwrap_or(0),
                            approximate,
                        });
                        if exchange.events.len() > MAX_EVENTS {
                            let old = exchange.events.pop_front().expect("more than the max");
                            grown -= old.text.kept.len() as isize;
                            exchange.dropped += 1;
                        }
                    }
                    grown
                });
            }
        }
    }

    fn close(&mut self) {
        if matches!(self.reading, Reading::Response { .. }) {
            self.log.lock().unwrap().with(self.id, |exchange| {
                exchange.open = false;
                0
            });
        }
    }
}

impl Drop for Tapped {
    fn drop(&mut self) {
        self.close();
    }
}

/// The decompressor of a response's body, fed one frame at a time.
enum Decoder {
    Gzip(Box<flate2::write::GzDecoder<Vec<u8>>>),
    Brotli(Box<brotli::DecompressorWriter<Vec<u8>>>),
    Zstd(Box<zstd::stream::write::Decoder<'static, Vec<u8>>>),
}

impl Decoder {
    fn new(coding: &str) -> Option<Self> {
        match coding {
            "gzip" => Some(Decoder::Gzip(Box::new(flate2::write::GzDecoder::new(
                Vec::new(),
            )))),
            "br" => Some(Decoder::Brotli(Box::new(brotli::DecompressorWriter::new(
                Vec::new(),
                4096,
            )))),
            "zstd" => zstd::stream::write::Decoder::new(Vec::new())
                .ok()
                .map(|d| Decoder::Zstd(Box::new(d))),
            _ => None,
        }
    }

    /// The bytes `frame` decompresses to (nothing, if the stream is broken).
    fn decode(&mut self, frame: &[u8]) -> Vec<u8> {
        fn feed<W: Write>(writer: &mut W, frame: &[u8]) -> std::io::Result<()> {
            writer.write_all(frame)?;
            writer.flush()
        }
        let (fed, out) = match self {
            Decoder::Gzip(d) => (feed(d.as_mut(), frame), d.get_mut()),
            Decoder::Brotli(d) => (feed(d.as_mut(), frame), d.get_mut()),
            Decoder::Zstd(d) => (feed(d.as_mut(), frame), d.get_mut()),
        };
        let plain = std::mem::take(out);
        if fed.is_err() { Vec::new() } else { plain }
    }
}

/// `GET /wire/{slug}`: the visitor's exchanges with the page `slug`, morphed into
/// `#wire_log` now and each time they change, for as long as the tab stays.
pub async fn stream(
    State(wire): State<Wire>,
    Path(slug): Path<String>,
    visitor: Option<axum::Extension<VisitorId>>,
) -> Response {
    let Some(example) = EXAMPLES.iter().find(|e| e.slug == slug) else {
        return (StatusCode::NOT_FOUND, "no such example").into_response();
    };
    let Some(axum::Extension(visitor)) = visitor else {
        return (StatusCode::BAD_REQUEST, "no session").into_response();
    };
    let log = wire.logs.of(visitor);
    let mut changes = log.lock().unwrap().changed.subscribe();
    let prefix = format!("/examples/{}/", example.slug);
    let (sender, response) = channel(2);
    tokio::spawn(async move {
        loop {
            changes.mark_unchanged();
            let panel = entries(&log.lock().unwrap(), &prefix);
            if sender.send(patch!(panel)).await.is_err() {
                return;
            }
            // Pacing, not waiting for anything: changes meanwhile are shown together next.
            tokio::time::sleep(PACE).await;
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                () = sender.closed() => return,
            }
        }
    });
    response.into_response()
}

/// The panel's place on an example page; its stream fills it.
pub fn panel(slug: &str) -> Markup {
    let url = format!("/wire/{slug}");
    maud::html! {
        section.wire aria-label="The wire" {
            h2 { "The wire" }
            p.muted.wire_note {
                "What this page sent and what came back, as the server wrote it, with each "
                "event's size before and after compression. Click something in the demo."
            }
            div #wire_log data-init={ "@get(" (js(&url)) ")" } {
                p.muted { "Connecting…" }
            }
        }
    }
}

fn entries(log: &Log, prefix: &str) -> Markup {
    let shown: Vec<&Exchange> = log
        .exchanges
        .iter()
        .rev()
        .filter(|e| e.path.starts_with(prefix))
        .take(SHOWN)
        .collect();
    maud::html! {
        div #wire_log {
            @if shown.is_empty() {
                p.muted { "Nothing yet." }
            }
            @for exchange in shown {
                div.exchange {
                    p.request {
                        span.method { (exchange.method) } " " code { (exchange.path) }
                        @if !exchange.signals.kept.is_empty() {
                            span.size { " · " (size(exchange.signals.len)) " of signals" }
                        }
                    }
                    @if !exchange.signals.kept.is_empty() {
                        pre.signals { (exchange.signals.kept) (cut(&exchange.signals)) }
                    }
                    p.response {
                        @match exchange.status {
                            Some(status) => {
                                span.status { (status.as_u16()) } " " (exchange.content_type)
                                @if let Some(coding) = &exchange.coding { ", " (coding) }
                                " · " (exchange.events.len() + exchange.dropped)
                                (if exchange.events.len() + exchange.dropped == 1 { " event" } else { " events" })
                                " · " span.size { (size(exchange.plain)) " → " (size(exchange.wire)) " on the wire" }
                                @if exchange.open { " · " span.open { "open" } }
                            }
                            None => { span.muted { "waiting…" } }
                        }
                    }
                    @let hidden = exchange.dropped + exchange.events.len().saturating_sub(SHOWN_EVENTS);
                    @if hidden > 0 {
                        p.muted.dropped { "… " (hidden) " earlier events" }
                    }
                    @for event in exchange.events.iter().skip(exchange.events.len().saturating_sub(SHOWN_EVENTS)) {
                        div.event {
                            span.size {
                                (size(event.plain)) " → " @if event.approximate { "≈" } (size(event.wire))
                            }
                            pre { (event.text.kept.trim_end()) (cut(&event.text)) }
                        }
                    }
                }
            }
        }
    }
}

fn cut(text: &Text) -> String {
    match text.cut() {
        0 => String::new(),
        more => format!("… ({more} more bytes)"),
    }
}

fn size(bytes: usize) -> String {
    if bytes < 10_000 {
        format!("{bytes} B")
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_stays_within_its_bounds() {
        let mut log = Log::new();
        for n in 0..100 {
            let id = log.begin(
                "GET".into(),
                format!("/examples/x/{n}"),
                Text::of(&[b'x'; 5000]),
            );
            log.with(id, |exchange| {
                for _ in 0..50 {
                    exchange.events.push_back(Event {
                        text: Text::of(&[b'y'; 9000]),
                        plain: 9000,
                        wire: 10,
                        approximate: false,
                    });
                    if exchange.events.len() > MAX_EVENTS {
                        exchange.events.pop_front();
                        exchange.dropped += 1;
                    }
                }
                (MAX_EVENTS * MAX_TEXT) as isize
            });
            let held: usize = log.exchanges.iter().map(Exchange::text_bytes).sum();
            assert_eq!(held, log.bytes, "the count is right");
            assert!(log.bytes <= LOG_BUDGET, "{} bytes", log.bytes);
            assert!(log.exchanges.len() <= MAX_EXCHANGES);
        }
        let last = log.exchanges.back().unwrap();
        assert_eq!(last.signals.kept.len(), MAX_TEXT);
        assert_eq!(last.signals.cut(), 5000 - MAX_TEXT);
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        let text = Text::of("é".repeat(MAX_TEXT).as_bytes());
        assert!(text.kept.len() <= MAX_TEXT);
        assert!(text.kept.chars().all(|c| c == 'é'));
        assert_eq!(text.len, 2 * MAX_TEXT);
    }
}
