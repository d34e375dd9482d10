//! A test kit for your own handlers (feature `testing`): call a router as the Datastar client
//! does, and read its answer as typed events.
//!
//! [`TestClient`] sends a request through the router itself (tower's `oneshot`, no socket) with
//! the headers of the Datastar client, the signals where the client puts them (the `datastar`
//! query parameter for `GET` and `DELETE`, the JSON body otherwise) and, when asked,
//! `Last-Event-ID`. [`TestResponse`] holds the status, the headers and the events, parsed as
//! the client parses them ([`parse`]): patches of elements with their selector, mode and HTML,
//! patches of signals as JSON, and any other event by name.
//!
//! ```
//! use axum::{Router, routing::post};
//! use datastar_runtime::prelude::*;
//! use datastar_runtime::testing::TestClient;
//! use serde_json::json;
//!
//! #[derive(serde::Deserialize)]
//! struct Counter { count: u32 }
//!
//! #[fragment(selector = "#count", mode = "inner")]
//! async fn increment(ReadSignals(c): ReadSignals<Counter>) -> (Markup, PatchSignals) {
//!     (html! { (c.count + 1) }, signals!({ "count": c.count + 1 }))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let app = Router::new().route("/increment", post(increment)).layer(DatastarLayer::new());
//! let response = TestClient::new(app)
//!     .post("/increment")
//!     .signals(&json!({ "count": 2 }))
//!     .send()
//!     .await;
//!
//! response.assert_status(200);
//! let patch = response.patch_elements(0);
//! assert_eq!((patch.selector(), patch.mode(), patch.elements()), (Some("#count"), "inner", "3"));
//! assert_eq!(response.signals(), json!({ "count": 3 }));
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde::Serialize;
use tower::ServiceExt;

/// One SSE event as the browser's `EventSource` sees it: its type, its data lines joined by
/// `\n`, and the `id:` and `retry:` it carried.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field; empty when there was none (the browser calls it `message`).
    pub event: String,
    /// The `data:` lines, joined by `\n`.
    pub data: String,
    /// The `id:` of this event, if it had one.
    pub id: Option<String>,
    /// The `retry:` of this event, if it had a valid one.
    pub retry: Option<Duration>,
}

/// Splits an SSE body into events, by the rules of the HTML standard: lines end at `\r\n`,
/// `\n` or `\r`; a blank line ends an event; lines starting with `:` are comments; one space
/// after the field's colon is dropped; an event without data is not dispatched.
pub fn parse_sse(body: &str) -> Vec<SseEvent> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let (mut events, mut current, mut data) = (Vec::new(), SseEvent::default(), None::<String>);
    let mut rest = body;
    while !rest.is_empty() {
        let end = rest.find(['\r', '\n']);
        let Some(end) = end else {
            // A last line without its break is not a whole line: the stream ended mid-event.
            break;
        };
        let line = &rest[..end];
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
        if line.is_empty() {
            if let Some(data) = data.take() {
                current.data = data;
                events.push(std::mem::take(&mut current));
            } else {
                current = SseEvent::default();
            }
            continue;
        }
        if line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => current.event = value.to_owned(),
            "data" => match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            "id" if !value.contains('\0') => current.id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                current.retry = value.parse().ok().map(Duration::from_millis);
            }
            _ => {}
        }
    }
    events
}

/// A Datastar event read from a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// `datastar-patch-elements` (scripts too: V1 sends them as a `<script>` appended to `body`).
    PatchElements(ElementsPatch),
    /// `datastar-patch-signals`.
    PatchSignals(SignalsPatch),
    /// Any other event (an older dialect's, say), as the SSE layer read it.
    Other(SseEvent),
}

/// A `datastar-patch-elements` event, read as the 1.0 client reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ElementsPatch {
    selector: Option<String>,
    mode: Option<String>,
    elements: String,
    view_transition: bool,
    namespace: Option<String>,
    id: Option<String>,
}

impl ElementsPatch {
    /// The `selector` line; `None` when elements are matched by their `id`.
    pub fn selector(&self) -> Option<&str> {
        self.selector.as_deref()
    }

    /// The mode, `outer` when no `mode` line was sent.
    pub fn mode(&self) -> &str {
        self.mode.as_deref().unwrap_or("outer")
    }

    /// The HTML: every `elements` line, joined by `\n`.
    pub fn elements(&self) -> &str {
        &self.elements
    }

    /// Whether `useViewTransition true` was sent.
    pub fn view_transition(&self) -> bool {
        self.view_transition
    }

    /// The `namespace` line, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// The event's `id:`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// A `datastar-patch-signals` event: a JSON merge patch.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalsPatch {
    signals: serde_json::Value,
    only_if_missing: bool,
    id: Option<String>,
}

impl SignalsPatch {
    /// The patch, parsed.
    pub fn signals(&self) -> &serde_json::Value {
        &self.signals
    }

    /// Whether `onlyIfMissing true` was sent.
    pub fn only_if_missing(&self) -> bool {
        self.only_if_missing
    }

    /// The event's `id:`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// A body that is not what a Datastar client can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// Reads an SSE body as the Datastar 1.0 client does: each data line is `key value`, and lines
/// of the same key are joined by `\n`.
pub fn parse(body: &[u8]) -> Result<Vec<Sent>, ParseError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ParseError(format!(
            "the body is not UTF-8 (invalid byte at {})",
            e.valid_up_to()
        ))
    })?;
    parse_sse(text).into_iter().map(datastar_event).collect()
}

fn datastar_event(sse: SseEvent) -> Result<Sent, ParseError> {
    let mut fields: Vec<(&str, String)> = Vec::new();
    for line in sse.data.split('\n') {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match fields.iter_mut().find(|(k, _)| *k == key) {
            Some((_, joined)) => {
                joined.push('\n');
                joined.push_str(value);
            }
            None => fields.push((key, value.to_owned())),
        }
    }
    let get = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    };
    match sse.event.as_str() {
        "datastar-patch-elements" => Ok(Sent::PatchElements(ElementsPatch {
            selector: get("selector"),
            mode: get("mode"),
            elements: get("elements").unwrap_or_default(),
            view_transition: get("useViewTransition").as_deref() == Some("true"),
            namespace: get("namespace"),
            id: sse.id,
        })),
        "datastar-patch-signals" => {
            let json = get("signals").unwrap_or_default();
            let signals = serde_json::from_str(&json)
                .map_err(|e| ParseError(format!("the signals are not JSON ({e}): {json}")))?;
            Ok(Sent::PatchSignals(SignalsPatch {
                signals,
                only_if_missing: get("onlyIfMissing").as_deref() == Some("true"),
                id: sse.id,
            }))
        }
        _ => Ok(Sent::Other(sse)),
    }
}

/// Calls a router as the Datastar client would.
#[derive(Debug, Clone)]
pub struct TestClient {
    router: Router,
}

impl TestClient {
    /// A client of `router`.
    pub fn new(router: Router) -> Self {
        TestClient { router }
    }

    /// A request with `method` to `path` (`@get`, `@post`, ... and `@query`'s `QUERY`).
    pub fn request(&self, method: Method, path: &str) -> TestRequest {
        TestRequest {
            router: self.router.clone(),
            method,
            path: path.to_owned(),
            signals: None,
            headers: HeaderMap::new(),
        }
    }

    /// `@get(path)`.
    pub fn get(&self, path: &str) -> TestRequest {
        self.request(Method::GET, path)
    }

    /// `@post(path)`.
    pub fn post(&self, path: &str) -> TestRequest {
        self.request(Method::POST, path)
    }

    /// `@put(path)`.
    pub fn put(&self, path: &str) -> TestRequest {
        self.request(Method::PUT, path)
    }

    /// `@patch(path)`.
    pub fn patch(&self, path: &str) -> TestRequest {
        self.request(Method::PATCH, path)
    }

    /// `@delete(path)`.
    pub fn delete(&self, path: &str) -> TestRequest {
        self.request(Method::DELETE, path)
    }

    /// `@query(path)`: the `QUERY` method of Datastar 1.0.4.
    pub fn query(&self, path: &str) -> TestRequest {
        self.request(Method::from_bytes(b"QUERY").unwrap_or(Method::POST), path)
    }
}

/// A request being built by a [`TestClient`].
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct TestRequest {
    router: Router,
    method: Method,
    path: String,
    signals: Option<String>,
    headers: HeaderMap,
}

impl TestRequest {
    /// Sends `signals` as JSON where the client puts them: the `datastar` query parameter for
    /// `GET` and `DELETE`, the body otherwise.
    ///
    /// # Panics
    ///
    /// When `signals` cannot be serialized (a map with non-string keys).
    pub fn signals(mut self, signals: &(impl Serialize + ?Sized)) -> Self {
        let json = serde_json::to_string(signals).expect("signals serialize to JSON");
        self.signals = Some(json);
        self
    }

    /// Sends `Last-Event-ID: id`, as a reconnecting client does.
    pub fn last_event_id(self, id: &str) -> Self {
        self.header("last-event-id", id)
    }

    /// Adds a header.
    ///
    /// # Panics
    ///
    /// When `name` or `value` is not a valid header name or value.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("a valid header name");
        let value = HeaderValue::try_from(value).expect("a valid header value");
        self.headers.append(name, value);
        self
    }

    /// Sends the request and reads the whole response: a stream must end.
    ///
    /// # Panics
    ///
    /// When the router fails or the body cannot be read.
    pub async fn send(self) -> TestResponse {
        let in_query = matches!(self.method, Method::GET | Method::DELETE);
        let mut uri = self.path;
        let mut body = Body::empty();
        if let Some(json) = self.signals {
            if in_query {
                let query: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("datastar", &json)
                    .finish();
                uri.push(if uri.contains('?') { '&' } else { '?' });
                uri.push_str(&query);
            } else {
                body = Body::from(json);
            }
        }
        let mut request = Request::builder()
            .method(self.method)
            .uri(uri)
            .header("datastar-request", "true")
            .header("accept", "text/event-stream, text/html, application/json")
            .header("content-type", "application/json")
            .body(body)
            .expect("a valid request");
        request.headers_mut().extend(self.headers);
        let response = self.router.oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("a readable body").to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

/// What a router answered a [`TestRequest`].
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body as it was sent.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Panics, with the body, unless the status is `status`.
    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected status {status}, got {}; the body:\n{}",
            self.status,
            self.text()
        );
        self
    }

    /// The events.
    ///
    /// # Panics
    ///
    /// When the body is not a Datastar event stream, with what was wrong.
    #[track_caller]
    pub fn events(&self) -> Vec<Sent> {
        parse(&self.body).unwrap_or_else(|e| panic!("{e}; the body:\n{}", self.text()))
    }

    /// Event `n` (from 0), which must patch elements.
    #[track_caller]
    pub fn patch_elements(&self, n: usize) -> ElementsPatch {
        match self.events().into_iter().nth(n) {
            Some(Sent::PatchElements(patch)) => patch,
            other => panic!(
                "expected event {n} to be datastar-patch-elements, got {other:?}; the body:\n{}",
                self.text()
            ),
        }
    }

    /// Event `n` (from 0), which must patch signals.
    #[track_caller]
    pub fn patch_signals(&self, n: usize) -> SignalsPatch {
        match self.events().into_iter().nth(n) {
            Some(Sent::PatchSignals(patch)) => patch,
            other => panic!(
                "expected event {n} to be datastar-patch-signals, got {other:?}; the body:\n{}",
                self.text()
            ),
        }
    }

    /// Every signal patch of the response merged in order (JSON Merge Patch, as the client
    /// merges them, `null` removing): what the page's signals become, starting from `{}`.
    #[track_caller]
    pub fn signals(&self) -> serde_json::Value {
        let mut merged = serde_json::Value::Object(Default::default());
        for event in self.events() {
            if let Sent::PatchSignals(patch) = event {
                merge(&mut merged, patch.signals);
            }
        }
        merged
    }
}

/// RFC 7386.
fn merge(target: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value;
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(&key);
            } else {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests;
