//! Events to SSE bytes, in each dialect of the Datastar wire protocol.
//!
//! Pure: no I/O and no HTTP. Every wire constant lives in this file and in `encode/seed.rs`. An
//! event is written into a caller's buffer, so a stream can reuse one buffer for all its events.

use std::fmt;

use bytes::{BufMut, Bytes, BytesMut};

use crate::event::{
    DEFAULT_RETRY, Event, ExecuteScript, Meta, Mode, Namespace, PatchElements, RemoveElements,
};

/// Which generation of the Datastar client the bytes are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Dialect {
    /// Datastar 1.0.0 to 1.0.4 (`datastar-patch-elements`, `datastar-patch-signals`). The
    /// default. The event format has not changed since 1.0.2, which added
    /// `viewTransitionSelector`; 1.0.3 and 1.0.4 changed only the client (1.0.4 added
    /// `@query`, see [`ReadSignals`](crate::ReadSignals#query-the-query-method)).
    #[default]
    V1,
    /// Datastar 0.20 to 1.0.0-beta.11, still served by npm (`datastar-merge-fragments`,
    /// `datastar-remove-fragments`, `datastar-merge-signals`, `datastar-remove-signals`,
    /// `datastar-execute-script`).
    Beta,
    /// Datastar 0.19 (npm `@sudodevnull/datastar@0.19.9`), the generation of the "Streaming
    /// Backend" essay: `datastar-fragment`, `datastar-signal`, `datastar-delete`,
    /// `datastar-redirect` and `datastar-console`.
    ///
    /// What it cannot say is [`Unsupported`]: scripts other than [`Redirect`](crate::Redirect)
    /// and [`Console`](crate::Console), namespaces, view transitions scoped to a selector or
    /// on removals, and the few values that the 0.19 client would read back changed.
    ///
    /// # The 0.19 events
    ///
    /// Datastar 0.19 has five events, and the Seed dialect maps the model onto them:
    ///
    /// | event | Seed |
    /// |---|---|
    /// | [`PatchElements`](crate::PatchElements) | `datastar-fragment`: `selector` (empty when matched by id), `merge` (`morph` for 1.0's `outer`, `outer` for `replace`, `upsert_attributes`, and the other modes by name), `settle <ms>`, `vt true` when a view transition is asked for (left out otherwise, as in the essay: 0.19.9 then transitions where the browser can), then `fragment <first line>` and one bare data line per further line |
    /// | [`RemoveElements`](crate::RemoveElements) | `datastar-delete`, `selector <css>` |
    /// | [`PatchSignals`](crate::PatchSignals) | `datastar-signal`, `onlyIfMissing true` when set, `store <object>` |
    /// | [`RemoveSignals`](crate::RemoveSignals) | `datastar-delete`, `paths a.b c` (no paths: `store {}`) |
    /// | [`Redirect`](crate::Redirect) | `datastar-redirect`, `url <url>` |
    /// | [`Console`](crate::Console) | `datastar-console`, `log <message>` or `error <message>` |
    ///
    /// The client (`onmessage` of its backend plugin) reads a fragment's continuation lines by
    /// their first space-separated word: a line that starts with `selector`, `merge`, `settle` or
    /// `vt` switches key and is lost from the HTML, an empty line is skipped, a line starting with
    /// U+FEFF loses it (each value goes through a fresh `TextDecoder`), and the end of the event
    /// is trimmed. So before it is written, such a line is joined to the one before it, in a way
    /// that leaves the parsed HTML the same: where the line break is text (between elements,
    /// inside text or a quoted attribute value) it is written `&#10;`, which parses to the same
    /// line feed (4 bytes more); where it is inside a tag, between attributes, it is written as a
    /// space (no cost). Trailing white space in text is written as a character reference. HTML
    /// with no such line is sent as it is, after one pass of `memchr` over it. What cannot be
    /// joined that way, a line inside `<script>`, `<style>` or a comment, is [`Unsupported`]; so
    /// is one after an `<svg>`, `<math>`, `<select>`, `<template>`, `<noscript>`, `<col>`,
    /// `<colgroup>` or `<frameset>` followed by a comment or a raw-text element, where how the
    /// HTML is tokenized depends on the tree around it. The property test
    /// (`encode/seed/tests.rs`) runs random HTML through a model of the client's reader and
    /// parses both sides with html5ever: the elements are the same, or the event is refused.
    ///
    /// The 0.19 client merges each top-level element on its own: `inner` is sent as one
    /// `<template>` holding the elements, so that they become the target's children as in 1.0;
    /// in the other modes top-level text is dropped, and several top-level elements with `prepend`
    /// or `after` land in reverse order.
    ///
    /// Signals go into `new Function`, so the `store` object is written from the parsed JSON with
    /// data literals only, every string inert as [`js`](crate::js) writes it; a key named
    /// `__proto__`, which an object literal would turn into a prototype, is [`Unsupported`].
    Seed,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 3] = [Dialect::V1, Dialect::Beta, Dialect::Seed];
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::V1 => "V1",
            Dialect::Beta => "Beta",
            Dialect::Seed => "Seed",
        })
    }
}

/// An event that the chosen dialect has no way to say.
///
/// Nothing is written when this is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported {
    /// What could not be said, for example `"patch-signals"`.
    pub what: &'static str,
    /// The dialect that cannot say it.
    pub dialect: Dialect,
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} dialect cannot express {}",
            self.dialect, self.what
        )
    }
}

impl std::error::Error for Unsupported {}

/// Writes `event` in `dialect` at the end of `out`, ending with the empty line that closes it.
///
/// ```
/// use datastar_runtime::{encode, Dialect, PatchElements};
///
/// let mut out = Vec::new();
/// encode(&PatchElements::new("<p id=\"a\">1</p>").into(), Dialect::V1, &mut out)?;
/// assert_eq!(out, b"event: datastar-patch-elements\ndata: elements <p id=\"a\">1</p>\n\n");
/// # Ok::<(), datastar_runtime::Unsupported>(())
/// ```
pub fn encode(event: &Event, dialect: Dialect, out: &mut impl BufMut) -> Result<(), Unsupported> {
    match dialect {
        Dialect::V1 => v1(event, out),
        Dialect::Beta => beta(event, out),
        Dialect::Seed => seed::seed(event, out),
    }
}

/// Writes an SSE comment (`: text`), which every client ignores: a keep-alive.
/// Each line of `text` becomes a comment line of its own.
pub fn encode_comment(text: &str, out: &mut impl BufMut) {
    for line in Lines::new(text) {
        out.put_slice(b": ");
        out.put_slice(line.as_bytes());
        out.put_u8(b'\n');
    }
    out.put_u8(b'\n');
}

/// An encoder that keeps one buffer for every event it writes.
///
/// Each call hands out the bytes of one event as [`Bytes`] split off the buffer, so once the
/// previous events were sent and dropped their memory is used again: in steady state encoding
/// allocates nothing.
#[derive(Debug, Default)]
pub struct Encoder {
    dialect: Dialect,
    buf: BytesMut,
}

impl Encoder {
    /// An encoder for `dialect`.
    pub fn new(dialect: Dialect) -> Self {
        // No buffer until the first event, which then gets room for itself: the hub encodes
        // each published event with an encoder of its own, and what that buffer holds stays
        // with the event for as long as the topic keeps it.
        Encoder {
            dialect,
            buf: BytesMut::new(),
        }
    }

    /// The dialect it writes.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The bytes of one event.
    pub fn encode(&mut self, event: &Event) -> Result<Bytes, Unsupported> {
        // Room for the whole event before the first byte: when the buffer runs out mid-event,
        // `BytesMut` moves what was written so far to the front (callgrind: 8,400 instructions
        // per event on a 16 KiB page); at the start there is nothing to move.
        self.buf.reserve(room_for(event));
        encode(event, self.dialect, &mut self.buf)?;
        Ok(self.buf.split().freeze())
    }

    /// The bytes of one comment, such as a keep-alive.
    pub fn comment(&mut self, text: &str) -> Bytes {
        encode_comment(text, &mut self.buf);
        self.buf.split().freeze()
    }
}

/// What to reserve for an event's bytes: its text, a line prefix for every 32 bytes of it (HTML
/// lines are rarely shorter), and its head.
pub(crate) fn room_for(event: &Event) -> usize {
    let text = event.text_bytes();
    text + text / 2 + 256
}

// ---- V1 ---------------------------------------------------------------------------------

const V1_PATCH_ELEMENTS: &str = "datastar-patch-elements";
const V1_PATCH_SIGNALS: &str = "datastar-patch-signals";
/// The V1 mode that removes elements; also the `datastar-mode` of a plain remove reply.
pub(crate) const V1_REMOVE: &str = "remove";
const SCRIPT_TARGET: &str = "body";
const SCRIPT_AUTO_REMOVE: &str = r#" data-effect="el.remove()""#;

fn v1(event: &Event, out: &mut impl BufMut) -> Result<(), Unsupported> {
    match event {
        Event::PatchElements(e) if e.mode == Mode::UpsertAttributes => {
            return Err(unsupported("the upsert_attributes mode", Dialect::V1));
        }
        Event::PatchElements(e) => v1_patch_elements(e, out),
        Event::RemoveElements(e) => {
            head(out, V1_PATCH_ELEMENTS, &e.meta);
            data(out, "selector", e.selector.as_str());
            data(out, "mode", V1_REMOVE);
            flag(out, "useViewTransition", e.view_transition);
        }
        Event::PatchSignals(e) => {
            head(out, V1_PATCH_SIGNALS, &e.meta);
            flag(out, "onlyIfMissing", e.only_if_missing);
            data(out, "signals", &e.json);
        }
        Event::RemoveSignals(e) => {
            head(out, V1_PATCH_SIGNALS, &e.meta);
            data(out, "signals", &e.patch);
        }
        Event::ExecuteScript(e) => v1_execute_script(e, out),
    }
    out.put_u8(b'\n');
    Ok(())
}

fn v1_patch_elements(e: &PatchElements, out: &mut impl BufMut) {
    head(out, V1_PATCH_ELEMENTS, &e.meta);
    if let Some(selector) = &e.selector {
        data(out, "selector", selector.as_str());
    }
    if e.mode != Mode::Outer {
        data(out, "mode", e.mode.as_str());
    }
    if let Some(scope) = &e.view_transition {
        data(out, "useViewTransition", "true");
        if let Some(selector) = scope {
            data(out, "viewTransitionSelector", selector.as_str());
        }
    }
    if e.namespace != Namespace::Html {
        data(out, "namespace", e.namespace.as_str());
    }
    let bare = e.selector.is_none()
        && e.mode == Mode::Outer
        && e.view_transition.is_none()
        && e.namespace == Namespace::Html;
    elements_line(out, "elements", &e.elements, bare);
}

/// The HTML line, left out when it is empty, unless it is the only data line of the event
/// (`bare`): an event without a data line is dropped by standard SSE clients, and an empty
/// `elements` patches nothing.
fn elements_line(out: &mut impl BufMut, key: &str, elements: &str, bare: bool) {
    if !elements.is_empty() || bare {
        data(out, key, elements);
    }
}

fn v1_execute_script(e: &ExecuteScript, out: &mut impl BufMut) {
    head(out, V1_PATCH_ELEMENTS, &e.meta);
    data(out, "selector", SCRIPT_TARGET);
    data(out, "mode", Mode::Append.as_str());
    let mut html = Data::start(out, "elements");
    html.text("<script");
    for (name, value) in &e.attributes {
        html.text(" ");
        html.text(name);
        html.text("=\"");
        html_attribute_value(&mut html, value);
        html.text("\"");
    }
    if e.auto_remove {
        html.text(SCRIPT_AUTO_REMOVE);
    }
    html.text(">");
    html.text(&e.script);
    html.text("</script>");
    html.end();
}

fn html_attribute_value<B: BufMut>(html: &mut Data<'_, B>, value: &str) {
    let mut rest = value;
    while let Some(at) = rest.find(['"', '&']) {
        html.text(&rest[..at]);
        html.text(if rest.as_bytes()[at] == b'"' {
            "&quot;"
        } else {
            "&amp;"
        });
        rest = &rest[at + 1..];
    }
    html.text(rest);
}

// ---- Beta -------------------------------------------------------------------------------

const BETA_MERGE_FRAGMENTS: &str = "datastar-merge-fragments";
const BETA_REMOVE_FRAGMENTS: &str = "datastar-remove-fragments";
const BETA_MERGE_SIGNALS: &str = "datastar-merge-signals";
const BETA_REMOVE_SIGNALS: &str = "datastar-remove-signals";
const BETA_EXECUTE_SCRIPT: &str = "datastar-execute-script";

/// The pre-1.0 name of a mode, the same in the Beta and Seed dialects (but for
/// `upsert_attributes`, which Beta spells `upsertAttributes`): what 1.0 calls `outer` (morph)
/// was `morph`, and what it calls `replace` was `outer`.
fn merge_mode(mode: Mode) -> &'static str {
    match mode {
        Mode::Outer => "morph",
        Mode::Inner => "inner",
        Mode::Replace => "outer",
        Mode::Prepend => "prepend",
        Mode::Append => "append",
        Mode::Before => "before",
        Mode::After => "after",
        Mode::UpsertAttributes => "upsert_attributes",
    }
}

fn beta(event: &Event, out: &mut impl BufMut) -> Result<(), Unsupported> {
    match event {
        Event::PatchElements(e) => {
            html_namespace(e, Dialect::Beta)?;
            head(out, BETA_MERGE_FRAGMENTS, &e.meta);
            if let Some(selector) = &e.selector {
                data(out, "selector", selector.as_str());
            }
            if e.mode == Mode::UpsertAttributes {
                data(out, "mergeMode", "upsertAttributes");
            } else if e.mode != Mode::Outer {
                data(out, "mergeMode", merge_mode(e.mode));
            }
            flag(out, "useViewTransition", e.view_transition.is_some());
            let bare = e.selector.is_none() && e.mode == Mode::Outer && e.view_transition.is_none();
            elements_line(out, "fragments", &e.elements, bare);
        }
        Event::RemoveElements(e) => beta_remove_fragments(e, out),
        Event::PatchSignals(e) => {
            head(out, BETA_MERGE_SIGNALS, &e.meta);
            flag(out, "onlyIfMissing", e.only_if_missing);
            data(out, "signals", &e.json);
        }
        // Removing nothing: a `datastar-remove-signals` without paths would have no data line,
        // so it is said as merging nothing, which every client does without complaint.
        Event::RemoveSignals(e) if e.paths.is_empty() => {
            head(out, BETA_MERGE_SIGNALS, &e.meta);
            data(out, "signals", "{}");
        }
        Event::RemoveSignals(e) => {
            head(out, BETA_REMOVE_SIGNALS, &e.meta);
            for path in &e.paths {
                data(out, "paths", path.as_str());
            }
        }
        Event::ExecuteScript(e) => beta_execute_script(e, out),
    }
    out.put_u8(b'\n');
    Ok(())
}

fn beta_remove_fragments(e: &RemoveElements, out: &mut impl BufMut) {
    head(out, BETA_REMOVE_FRAGMENTS, &e.meta);
    data(out, "selector", e.selector.as_str());
    flag(out, "useViewTransition", e.view_transition);
}

fn beta_execute_script(e: &ExecuteScript, out: &mut impl BufMut) {
    head(out, BETA_EXECUTE_SCRIPT, &e.meta);
    if !e.auto_remove {
        data(out, "autoRemove", "false");
    }
    let default_attributes = matches!(
        e.attributes.as_slice(),
        [(name, value)] if name == "type" && value == "module"
    );
    if !default_attributes {
        for (name, value) in &e.attributes {
            let mut line = Data::start(out, "attributes");
            line.text(name);
            line.text(" ");
            line.text(value);
            line.end();
        }
    }
    data(out, "script", &e.script);
}

// ---- Seed: see `seed.rs` --------------------------------------------------------------

fn html_namespace(e: &PatchElements, dialect: Dialect) -> Result<(), Unsupported> {
    if e.namespace == Namespace::Html {
        return Ok(());
    }
    Err(unsupported(
        match e.namespace {
            Namespace::Svg => "the svg namespace",
            _ => "the mathml namespace",
        },
        dialect,
    ))
}

fn unsupported(what: &'static str, dialect: Dialect) -> Unsupported {
    Unsupported { what, dialect }
}

// ---- Framing ----------------------------------------------------------------------------

/// `event:`, then `id:` and `retry:` when they are set. An empty id writes no line, as the Go
/// SDK does (`if evt.EventID != ""`).
fn head(out: &mut impl BufMut, event: &str, meta: &Meta) {
    out.put_slice(b"event: ");
    out.put_slice(event.as_bytes());
    out.put_u8(b'\n');
    if let Some(id) = meta.id.as_ref().filter(|id| !id.as_str().is_empty()) {
        out.put_slice(b"id: ");
        out.put_slice(id.as_str().as_bytes());
        out.put_u8(b'\n');
    }
    if let Some(retry) = meta.retry.filter(|&r| r != DEFAULT_RETRY) {
        out.put_slice(b"retry: ");
        put_number(out, retry.as_millis());
        out.put_u8(b'\n');
    }
}

/// `data: key value`, one line for each line of `value`.
fn data(out: &mut impl BufMut, key: &str, value: &str) {
    let mut line = Data::start(out, key);
    line.text(value);
    line.end();
}

/// `data: key true`, only when `on`.
fn flag(out: &mut impl BufMut, key: &str, on: bool) {
    if on {
        data(out, key, "true");
    }
}

/// One data field written piece by piece: every line break in any piece starts a new
/// `data: key ` line, so no value can end the field or the event early.
struct Data<'a, B: BufMut> {
    out: &'a mut B,
    key: &'a str,
    /// The last piece ended in `\r`, so a `\n` starting the next piece belongs to that break.
    after_cr: bool,
}

impl<'a, B: BufMut> Data<'a, B> {
    fn start(out: &'a mut B, key: &'a str) -> Self {
        let mut data = Data {
            out,
            key,
            after_cr: false,
        };
        data.prefix();
        data
    }

    fn prefix(&mut self) {
        self.out.put_slice(b"data: ");
        self.out.put_slice(self.key.as_bytes());
        // The space is required even before an empty value: without it the client drops the line.
        self.out.put_u8(b' ');
    }

    fn text(&mut self, text: &str) {
        // An empty piece between a `\r` and a `\n` must not split their break in two.
        if text.is_empty() {
            return;
        }
        let mut bytes = text.as_bytes();
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        // Values are mostly long runs without a break (HTML lines, JSON): find breaks with SIMD.
        let breaks = Breaks::new();
        let Some(mut at) = breaks.find(bytes) else {
            self.out.put_slice(bytes);
            return;
        };
        // Each break ends a line and starts the next one's prefix: one slice, made once.
        let next_line = NextLine::new(self.key);
        loop {
            self.out.put_slice(&bytes[..at]);
            match &next_line {
                Some(next_line) => self.out.put_slice(next_line.as_bytes()),
                None => {
                    self.out.put_u8(b'\n');
                    self.prefix();
                }
            }
            let cr = bytes[at] == b'\r';
            if cr && at + 1 == bytes.len() {
                self.after_cr = true;
            }
            let crlf = cr && bytes.get(at + 1) == Some(&b'\n');
            bytes = &bytes[at + 1 + usize::from(crlf)..];
            match breaks.find(bytes) {
                Some(next) => at = next,
                None => break,
            }
        }
        self.out.put_slice(bytes);
    }

    fn number(&mut self, n: u128) {
        put_number(self.out, n);
    }

    fn end(self) {
        self.out.put_u8(b'\n');
    }
}

/// The end of a data line and the prefix of the next (`\ndata: key `), written as one slice.
struct NextLine {
    bytes: [u8; 64],
    len: usize,
}

impl NextLine {
    /// `None` for a key too long for the buffer (every key of this file fits).
    fn new(key: &str) -> Option<Self> {
        let mut bytes = [0u8; 64];
        let mut len = 0;
        for part in [b"\ndata: ".as_slice(), key.as_bytes(), b" "] {
            bytes.get_mut(len..len + part.len())?.copy_from_slice(part);
            len += part.len();
        }
        Some(NextLine { bytes, len })
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Finds the next line break (`\n` or `\r`) in a value.
///
/// On x86-64 with AVX2 this is memchr's AVX2 searcher, looked up once per value: `memchr2`
/// checks the CPU's features on every call, which on a page of short lines was a third of the
/// encoder's instructions per line (callgrind).
#[derive(Clone, Copy)]
struct Breaks {
    #[cfg(target_arch = "x86_64")]
    avx2: Option<memchr::arch::x86_64::avx2::memchr::Two>,
}

impl Breaks {
    fn new() -> Self {
        Breaks {
            #[cfg(target_arch = "x86_64")]
            avx2: memchr::arch::x86_64::avx2::memchr::Two::new(b'\n', b'\r'),
        }
    }

    #[inline]
    fn find(&self, bytes: &[u8]) -> Option<usize> {
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = &self.avx2 {
            return avx2.find(bytes);
        }
        memchr::memchr2(b'\n', b'\r', bytes)
    }
}

fn put_number(out: &mut impl BufMut, mut n: u128) {
    let mut digits = [0u8; 40];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&digits[at..]);
}

/// The lines of `text`, split at `\n`, `\r\n` and lone `\r`, as the SSE client splits them.
/// Empty text is one empty line, and a trailing break is followed by one more empty line.
struct Lines<'a>(Option<&'a str>);

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Lines(Some(text))
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.0?;
        match memchr::memchr2(b'\r', b'\n', text.as_bytes()) {
            None => {
                self.0 = None;
                Some(text)
            }
            Some(at) => {
                let skip = if text[at..].starts_with("\r\n") { 2 } else { 1 };
                self.0 = Some(&text[at + skip..]);
                Some(&text[..at])
            }
        }
    }
}

mod seed;

#[cfg(test)]
mod tests;
