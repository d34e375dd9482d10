//! Every HTTP name and value this crate writes or reads: the HTTP side's wire constants.

use http::header::{HeaderName, HeaderValue};

/// `Content-Type` of an event stream.
pub(crate) const EVENT_STREAM: HeaderValue = HeaderValue::from_static("text/event-stream");
/// `Cache-Control` of an event stream: proxies and browsers must not keep it.
pub(crate) const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");
/// `Connection` of an event stream on HTTP/1.x (illegal on HTTP/2).
pub(crate) const KEEP_ALIVE: HeaderValue = HeaderValue::from_static("keep-alive");
/// Asks nginx not to buffer the stream.
pub(crate) const X_ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");
/// The value of [`X_ACCEL_BUFFERING`].
pub(crate) const NO: HeaderValue = HeaderValue::from_static("no");

/// Sent by the Datastar client on every request it makes, with the value [`TRUE`].
pub(crate) const DATASTAR_REQUEST: HeaderName = HeaderName::from_static("datastar-request");
/// The `Vary` value of a response that depends on [`DATASTAR_REQUEST`].
pub(crate) const VARY_DATASTAR_REQUEST: HeaderValue = HeaderValue::from_static("datastar-request");
/// The `Vary` value of a response whose `Content-Encoding` follows `Accept-Encoding`.
pub(crate) const VARY_ACCEPT_ENCODING: HeaderValue = HeaderValue::from_static("accept-encoding");
/// The last `id:` the client saw, sent back when it reconnects.
pub(crate) const LAST_EVENT_ID: HeaderName = HeaderName::from_static("last-event-id");
/// The query parameter that carries the signals of GET and DELETE requests.
pub(crate) const SIGNALS_QUERY_KEY: &[u8] = b"datastar";

/// `true`, as the Datastar headers spell it.
pub(crate) const TRUE: HeaderValue = HeaderValue::from_static("true");

// Non-SSE replies of the 1.0 client.

/// `text/html` reply: the CSS selector to patch at.
pub(crate) const DATASTAR_SELECTOR: HeaderName = HeaderName::from_static("datastar-selector");
/// `text/html` reply: the patch mode.
pub(crate) const DATASTAR_MODE: HeaderName = HeaderName::from_static("datastar-mode");
/// `text/html` reply: patch inside a view transition.
pub(crate) const DATASTAR_USE_VIEW_TRANSITION: HeaderName =
    HeaderName::from_static("datastar-use-view-transition");
/// `text/html` reply: the namespace of the elements.
pub(crate) const DATASTAR_NAMESPACE: HeaderName = HeaderName::from_static("datastar-namespace");
/// `application/json` reply: only patch signals that are missing.
pub(crate) const DATASTAR_ONLY_IF_MISSING: HeaderName =
    HeaderName::from_static("datastar-only-if-missing");
/// `text/javascript` reply: the script element's attributes, as a JSON object.
pub(crate) const DATASTAR_SCRIPT_ATTRIBUTES: HeaderName =
    HeaderName::from_static("datastar-script-attributes");

/// `Content-Type` of a `text/html` reply.
pub(crate) const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");
/// `Content-Type` of an `application/json` reply.
pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");
/// `Content-Type` of a `text/javascript` reply.
pub(crate) const JAVASCRIPT: HeaderValue =
    HeaderValue::from_static("text/javascript; charset=utf-8");
/// `Content-Type` of error messages.
pub(crate) const TEXT: HeaderValue = HeaderValue::from_static("text/plain; charset=utf-8");
