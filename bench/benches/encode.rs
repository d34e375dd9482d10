//! Encoding one Datastar event to its SSE bytes: `datastar-runtime`'s `Encoder` against the
//! official `datastar` crate and axum's own `sse::Event`, on the same inputs in the same run.
//!
//! Every contender starts from an event (or, for plain axum, the input text) that is already
//! built and ends with the `Bytes` of one SSE event in hand:
//!
//! - `ours-v1`, `ours-beta`: `Encoder::encode(&event)`, the call our `Sse` body makes per event.
//! - `ours-v1-body`: the same through our `Sse` response body, one `poll_frame` per event, so it
//!   compares like with like with the two rows below.
//! - `official-body`: `datastar::patch_elements::PatchElements::write_as_axum_sse_event()` (what
//!   `Event::from(&patch)` calls in the official SDK's axum feature), then axum's `Sse` body.
//! - `axum-body`: `Event::default().event(..)` and the data lines written through axum's
//!   `EventDataWriter` (what `Event::data` does), then axum's `Sse` body. Axum's `Event` has no
//!   public way to its bytes other than an `Sse` body (its `finalize` is private).
//! - `memcpy`: the floor, the input text copied into a reused `BytesMut` and split off as
//!   `Bytes`, with no framing and no scan.
//!
//! The bodies are polled by hand with a no-op waker: no socket, no runtime. Before criterion runs,
//! a counting global allocator measures allocations per event in steady state for each contender,
//! and every contender's bytes are checked to be identical.

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::fmt::Write as _;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::response::IntoResponse;
use axum::response::sse::Event as AxumEvent;
use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use datastar_runtime::{Dialect, Encoder, Event, Mode, PatchElements, PatchSignals, Selector};
use http_body::Body as _;

// ---- Counting allocator -------------------------------------------------------------------

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---- Inputs -------------------------------------------------------------------------------

/// One input, in the shape each contender takes it.
struct Input {
    name: &'static str,
    /// The text that is patched (HTML or JSON); throughput is counted in its bytes.
    text: &'static str,
    /// `event:` type and data key in V1.
    event_type: &'static str,
    key: &'static str,
    /// Data lines written before the text (`selector #list`, `mode inner`).
    options: &'static [&'static str],
    ours: Event,
    official: Official,
}

#[derive(Clone)]
enum Official {
    Elements(datastar::prelude::PatchElements),
    Signals(datastar::prelude::PatchSignals),
}

impl Official {
    fn to_axum(&self) -> AxumEvent {
        match self {
            Official::Elements(e) => e.write_as_axum_sse_event(),
            Official::Signals(e) => e.write_as_axum_sse_event(),
        }
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn inputs() -> Vec<Input> {
    // (1) One line of 1 KiB: a table row of cells.
    let mut row = String::from(r#"<tr id="row-7" class="row">"#);
    let mut cell = 0;
    while row.len() + 35 <= 1024 {
        write!(row, r#"<td class="c{}">value {cell:>4}</td>"#, cell % 4).unwrap();
        cell += 1;
    }
    row.push_str("</tr>");
    let row = leak(row);

    // (2) 16 KiB in 400 lines: a list of items, no trailing line break.
    let page = leak(
        (0..400)
            .map(|i| format!(r#"<li id="i{i:03}">todo {i:>16}</li>"#))
            .collect::<Vec<_>>()
            .join("\n"),
    );

    // (3) A signals patch of 10 fields, compact JSON as `serde_json` writes it.
    let signals = leak(
        serde_json::json!({
            "count": 42,
            "user": "Ada Lovelace",
            "online": true,
            "score": 98.5,
            "draft": "",
            "tags": ["admin", "beta"],
            "cart": { "items": 3, "total": 59.9 },
            "theme": "dark",
            "lastSeen": "2026-06-02T10:00:00Z",
            "error": null
        })
        .to_string(),
    );

    vec![
        Input {
            name: "line-1k",
            text: row,
            event_type: "datastar-patch-elements",
            key: "elements",
            options: &[],
            ours: PatchElements::new(row).into(),
            official: Official::Elements(datastar::prelude::PatchElements::new(row)),
        },
        Input {
            name: "page-16k-400-lines",
            text: page,
            event_type: "datastar-patch-elements",
            key: "elements",
            options: &["selector #list", "mode inner"],
            ours: PatchElements::new(page)
                .selector(Selector::new("#list").unwrap())
                .mode(Mode::Inner)
                .into(),
            official: Official::Elements(
                datastar::prelude::PatchElements::new(page)
                    .selector("#list")
                    .mode(datastar::prelude::ElementPatchMode::Inner),
            ),
        },
        Input {
            name: "signals-10-fields",
            text: signals,
            event_type: "datastar-patch-signals",
            key: "signals",
            options: &[],
            ours: PatchSignals::raw(signals).unwrap().into(),
            official: Official::Signals(datastar::prelude::PatchSignals::new(signals)),
        },
    ]
}

// ---- Contenders ---------------------------------------------------------------------------

/// Plain axum: the event type, then every data line through axum's `EventDataWriter`, which
/// turns each `\n` into a new `data: ` line (the same thing `Event::data` does).
fn axum_event(input: &Input) -> AxumEvent {
    let mut data = AxumEvent::default()
        .event(input.event_type)
        .into_data_writer();
    let mut first = true;
    let mut line = |data: &mut axum::response::sse::EventDataWriter, text: &str| {
        if !std::mem::replace(&mut first, false) {
            data.write_char('\n').unwrap();
        }
        data.write_str(text).unwrap();
    };
    for option in input.options {
        line(&mut data, option);
    }
    for text in input.text.lines() {
        line(&mut data, input.key);
        data.write_char(' ').unwrap();
        data.write_str(text).unwrap();
    }
    data.into_event()
}

/// A response body that is polled by hand, one frame per event.
struct Frames {
    body: Body,
    cx: Context<'static>,
}

impl Frames {
    fn new(response: axum::response::Response) -> Self {
        Frames {
            body: response.into_body(),
            cx: Context::from_waker(Waker::noop()),
        }
    }

    fn next(&mut self) -> Bytes {
        match Pin::new(&mut self.body).poll_frame(&mut self.cx) {
            Poll::Ready(Some(Ok(frame))) => frame.into_data().expect("a data frame"),
            _ => panic!("the body should always have the next event ready"),
        }
    }
}

fn ours_body(input: &Input) -> Frames {
    let event = input.ours.clone();
    // The event borrows 'static text, so this clone copies pointers and allocates nothing.
    let events = futures_util::stream::repeat_with(move || event.clone());
    Frames::new(
        datastar_runtime::Sse::new(events)
            .keep_alive(None)
            .into_response(),
    )
}

fn official_body(input: &Input) -> Frames {
    let patch = input.official.clone();
    let events = futures_util::stream::repeat_with(move || Ok::<_, Infallible>(patch.to_axum()));
    Frames::new(axum::response::sse::Sse::new(events).into_response())
}

fn axum_body(input: &'static Input) -> Frames {
    let events = futures_util::stream::repeat_with(move || Ok::<_, Infallible>(axum_event(input)));
    Frames::new(axum::response::sse::Sse::new(events).into_response())
}

/// A contender, as "give me the bytes of the next event".
type Next = Box<dyn FnMut() -> Bytes>;

/// Every contender, by name, for one input.
fn contenders(input: &'static Input) -> Vec<(&'static str, Next)> {
    let mut v1 = Encoder::new(Dialect::V1);
    let mut beta = Encoder::new(Dialect::Beta);
    let mut ours = ours_body(input);
    let mut official = official_body(input);
    let mut axum = axum_body(input);
    let mut floor = bytes::BytesMut::with_capacity(4096);
    vec![
        ("ours-v1", Box::new(move || v1.encode(&input.ours).unwrap())),
        (
            "ours-beta",
            Box::new(move || beta.encode(&input.ours).unwrap()),
        ),
        ("ours-v1-body", Box::new(move || ours.next())),
        ("official-body", Box::new(move || official.next())),
        ("axum-body", Box::new(move || axum.next())),
        (
            "memcpy",
            Box::new(move || {
                floor.extend_from_slice(input.text.as_bytes());
                floor.split().freeze()
            }),
        ),
    ]
}

// ---- Checks and allocation counts ---------------------------------------------------------

/// Every V1 contender writes the same bytes (the Beta row writes the Beta event).
fn check_same_bytes(input: &'static Input) {
    let mut reference = None;
    for (name, mut next) in contenders(input) {
        let bytes = next();
        if name == "ours-beta" || name == "memcpy" {
            continue;
        }
        let reference = reference.get_or_insert_with(|| bytes.clone());
        assert_eq!(
            bytes, *reference,
            "{name} writes other bytes than ours-v1 for {}",
            input.name
        );
    }
}

const ROUNDS: usize = 1000;

fn allocation_table(inputs: &'static [Input]) {
    println!(
        "Allocations per event in steady state (after 100 warm-up events; {ROUNDS} events counted):"
    );
    println!();
    print!("| contender |");
    for input in inputs {
        print!(" {} |", input.name);
    }
    println!();
    println!("|---|{}", "---|".repeat(inputs.len()));
    let mut rows: Vec<(&str, Vec<f64>)> = Vec::new();
    for input in inputs {
        for (i, (name, mut next)) in contenders(input).into_iter().enumerate() {
            for _ in 0..100 {
                drop(next());
            }
            let before = ALLOCATIONS.load(Relaxed);
            for _ in 0..ROUNDS {
                drop(black_box(next()));
            }
            let per_event = (ALLOCATIONS.load(Relaxed) - before) as f64 / ROUNDS as f64;
            if rows.len() <= i {
                rows.push((name, Vec::new()));
            }
            rows[i].1.push(per_event);
        }
    }
    for (name, counts) in rows {
        print!("| {name} |");
        for count in counts {
            print!(" {count} |");
        }
        println!();
    }
    println!();
}

// ---- Criterion ----------------------------------------------------------------------------

fn bench(c: &mut Criterion, inputs: &'static [Input]) {
    for input in inputs {
        let mut group = c.benchmark_group(input.name);
        group.throughput(Throughput::Bytes(input.text.len() as u64));
        for (name, mut next) in contenders(input) {
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| black_box(next()))
            });
        }
        group.finish();
    }
}

fn main() {
    let inputs: &'static [Input] = Vec::leak(inputs());
    for input in inputs {
        check_same_bytes(input);
        println!(
            "input {}: {} bytes of text, {} lines",
            input.name,
            input.text.len(),
            input.text.lines().count()
        );
    }
    println!();
    allocation_table(inputs);
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    bench(&mut criterion, inputs);
    criterion.final_summary();
}
