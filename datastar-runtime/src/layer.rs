//! [`DatastarLayer`]: the choices made once for a whole router.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode, Version, header};
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::compress::{self, Compression};
use crate::encode::Dialect;
use crate::guard::{self, Allowed};
use crate::headers;
use crate::stream::{RouterConfig, Slot};

/// The largest signals payload [`ReadSignals`](crate::ReadSignals) reads unless told otherwise:
/// 1 MiB.
pub const DEFAULT_SIGNALS_LIMIT: usize = 1024 * 1024;

/// Choices made once for every Datastar response and extractor of a router.
///
/// - [`dialect`](Self::dialect): the generation of the Datastar client every event is encoded
///   for (V1 unless set, and V1 for routes outside any layer);
/// - [`keep_alive`](Self::keep_alive): the interval of keep-alive comments of every stream
///   that did not choose its own;
/// - [`signals_limit`](Self::signals_limit): the largest signals payload
///   [`ReadSignals`](crate::ReadSignals) accepts (1 MiB unless set);
/// - [`compression`](Self::compression): brotli, zstd or gzip for streams, when the client accepts one
///   (off unless set);
/// - [`allow_origin`](Self::allow_origin) and [`cross_site_guard`](Self::cross_site_guard): who
///   may change state (only the server's own pages unless set).
///
/// # Cross-site writes are refused
///
/// A page on another site can make the browser send a "simple" request to your server, with
/// your users' cookies: a `<form>` post, or a `fetch(url, {method: 'POST', mode: 'no-cors'})`
/// with a `text/plain` body that reads as JSON. No preflight asks you first. So the layer
/// answers `403 Forbidden`, with a plain-text reason, to any request with a method other than
/// `GET`, `HEAD`, `OPTIONS` or `QUERY` that the browser says comes from elsewhere:
///
/// - `Sec-Fetch-Site` is `cross-site` or `same-site` (a sibling subdomain is the same *site*
///   but not the same *origin*, and may be someone else's); `same-origin` and `none` (typed
///   by the user) pass;
/// - or, from a browser too old to send `Sec-Fetch-Site`, an `Origin` whose `host:port` is
///   not the request's `Host`.
///
/// A request with neither header (curl, a test, a server-to-server call) passes: no browser
/// added cookies to it. Routes outside the layer are not checked. Behind a proxy that rewrites
/// `Host`, a browser without `Sec-Fetch-Site` is refused unless the public origin is given to
/// [`allow_origin`](Self::allow_origin).
///
/// [`ReadSignals`](crate::ReadSignals) adds a second check, for the handlers that read signals
/// from a body (POST, PUT, PATCH, QUERY, and a DELETE without the `datastar` parameter): the
/// request must carry `Datastar-Request: true` and `Content-Type: application/json`, as every
/// Datastar client sends them, and as no page on another site can without a CORS preflight.
/// This is what refuses a cross-site write from a browser that sends neither `Sec-Fetch-Site`
/// nor `Origin`. The layer cannot make that check itself: it does not know which handler reads
/// signals, and a plain HTML form posted to a non-Datastar route of the same router is fine.
///
/// ```
/// use axum::{Router, routing::post};
/// use datastar_runtime::{DatastarLayer, ReadSignals, Signals};
///
/// async fn save(ReadSignals(signals): Signals) -> String {
///     format!("saved {} signals", signals.len())
/// }
///
/// // The admin app on its own origin may post here too.
/// let app: Router = Router::new()
///     .route("/save", post(save))
///     .layer(DatastarLayer::new().allow_origin("https://admin.example.com"));
/// ```
///
/// It also writes what only the request knows: `Connection: keep-alive` on SSE responses to
/// HTTP/1.1 requests (never on HTTP/2, where the header is illegal, nor on HTTP/1.0, where a
/// stream ends by closing the connection), and
/// `Vary: Datastar-Request` on responses whose handler read
/// [`DatastarRequest`](crate::DatastarRequest). Without the layer neither header is written:
/// HTTP/1.1 connections persist by default, so `Connection` is only a courtesy.
///
/// # Panics in handlers
///
/// A handler that panics is answered `500 Internal Server Error` (a plain-text line that says only that; the panic
/// hook has written the message to the server's log, and the layer logs it too, with
/// `tracing`), and its connection goes on serving. Without the layer the connection would be
/// dropped, which the Datastar client takes for a network error and retries; a 500 it does not
/// retry unless the action asked for `retry: 'error'`. A stream whose body panics once it has
/// started is cut off: its status has been sent.
///
/// When layers are nested, the innermost one decides.
///
/// ```
/// use axum::{Router, routing::get};
/// use datastar_runtime::{DatastarLayer, Dialect, PatchElements};
///
/// async fn hello() -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(r#"<p id="hello">hello</p>"#)
/// }
///
/// // An app whose pages still load Datastar 1.0.0-beta.11:
/// let app: Router = Router::new()
///     .route("/hello", get(hello))
///     .layer(DatastarLayer::new().dialect(Dialect::Beta));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a layer does nothing until it is applied to a router"]
pub struct DatastarLayer {
    router: RouterConfig,
    signals_limit: usize,
    compression: bool,
    guard: bool,
    allowed: Arc<Allowed>,
}

impl DatastarLayer {
    /// A layer with the defaults: V1, 15 s keep-alive, 1 MiB of signals, no compression, and
    /// cross-site writes refused.
    pub fn new() -> Self {
        DatastarLayer {
            router: RouterConfig {
                dialect: Dialect::V1,
                keep_alive: None,
                coding: None,
                compression: Compression::new(),
            },
            signals_limit: DEFAULT_SIGNALS_LIMIT,
            compression: false,
            guard: true,
            allowed: Arc::default(),
        }
    }

    /// Encodes every event of the router in `dialect`.
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.router.dialect = dialect;
        self
    }

    /// Sends a keep-alive comment after `every` without an event, or never with `None`, on
    /// every stream that did not call [`Sse::keep_alive`](crate::Sse::keep_alive).
    pub fn keep_alive(mut self, every: Option<Duration>) -> Self {
        self.router.keep_alive = Some(every);
        self
    }

    /// Rejects signals payloads larger than `bytes` with `413 Payload Too Large`.
    pub fn signals_limit(mut self, bytes: usize) -> Self {
        self.signals_limit = bytes;
        self
    }

    /// Compresses every SSE response of the router (streams, [`Events`](crate::Events) and
    /// one-event replies) with brotli, zstd or gzip, whichever the request's `Accept-Encoding`
    /// prefers, ties settled in that order (or in the client's, see
    /// [`Priority`](crate::Priority)), and writes `Content-Encoding` and
    /// `Vary: Accept-Encoding`. A client that accepts none of them gets the stream as is.
    ///
    /// Each event is flushed through the compressor the moment it is sent, so the client can
    /// decode it at once: compression never delays an event. Later events that repeat earlier
    /// ones (the same fragment with a few values changed) shrink to a few bytes, because the
    /// compressor remembers the stream so far: a 32 KiB window for gzip, 64 KiB for brotli and
    /// zstd unless [`compress_with`](Self::compress_with) says otherwise. That memory is
    /// per connection, and bounded: under 1 MiB per compressed stream with the defaults (see
    /// [`Compression`]). BENCHMARKS.md has sizes and costs.
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use datastar_runtime::{DatastarLayer, PatchElements};
    ///
    /// async fn hello() -> PatchElements<datastar_runtime::ById> {
    ///     PatchElements::new(r#"<p id="hello">hello</p>"#)
    /// }
    ///
    /// let app: Router = Router::new()
    ///     .route("/hello", get(hello))
    ///     .layer(DatastarLayer::new().compression(true));
    /// ```
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// Accepts state-changing requests from pages of `origin` too (`scheme://host[:port]`,
    /// as browsers write it in the `Origin` header, compared without regard to case): another
    /// of your sites, or the dev server of your front end. Call it once per origin.
    ///
    /// Requests from an allowed origin still need the Datastar marks to have their signals
    /// read (see [the type's docs](Self#cross-site-writes-are-refused)); a page there sends them
    /// after the CORS preflight you answer for it.
    ///
    /// # Panics
    ///
    /// When `origin` is not an origin: `https://example.com/app` has a path, `example.com` no
    /// scheme. Origins are configuration, fixed when the router is built.
    pub fn allow_origin(mut self, origin: &str) -> Self {
        Arc::make_mut(&mut self.allowed).push(origin);
        self
    }

    /// Turns the cross-site write guard on (the default) or off: both the layer's check of
    /// `Sec-Fetch-Site` and `Origin` and [`ReadSignals`](crate::ReadSignals)' check of
    /// `Datastar-Request` and `Content-Type` (see [the type's
    /// docs](Self#cross-site-writes-are-refused)).
    ///
    /// Switch it off only when no browser can be made to send a request that acts with a
    /// user's authority: an API whose callers authenticate with a header a page cannot add
    /// (`Authorization: Bearer ..`), and no cookies; a test harness or a non-browser client that
    /// cannot send the marks; or a proxy in front that already makes the same checks. An app
    /// whose users log in with a cookie needs it on.
    pub fn cross_site_guard(mut self, on: bool) -> Self {
        self.guard = on;
        self
    }

    /// Compresses as [`compression(true)`](Self::compression) does, with `settings`: brotli's
    /// window and quality, gzip's level.
    pub fn compress_with(mut self, settings: Compression) -> Self {
        self.compression = true;
        self.router.compression = settings;
        self
    }
}

impl Default for DatastarLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for DatastarLayer {
    type Service = DatastarService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DatastarService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service made by [`DatastarLayer`].
#[derive(Debug, Clone)]
pub struct DatastarService<S> {
    inner: S,
    layer: DatastarLayer,
}

/// The request extension through which the layer talks to the extractors: one extension, so
/// one insert per request.
#[derive(Debug, Clone)]
pub(crate) struct RequestConfig {
    /// The largest signals payload [`ReadSignals`](crate::ReadSignals) accepts.
    pub(crate) signals_limit: usize,
    /// Whether [`ReadSignals`](crate::ReadSignals) requires the Datastar marks on a body.
    pub(crate) guard: bool,
    /// Marked by [`DatastarRequest`](crate::DatastarRequest) when a handler reads it, so the
    /// response can say it varies on the header.
    pub(crate) vary: VaryMarker,
}

/// Shared between the request and the layer's response future.
#[derive(Debug, Clone, Default)]
pub(crate) struct VaryMarker(Arc<AtomicBool>);

impl VaryMarker {
    pub(crate) fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn is_marked(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl<S, B, ResB> Service<Request<B>> for DatastarService<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
{
    type Response = Response<Either<ResB, Full<Bytes>>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let refusal = self
            .layer
            .guard
            .then(|| guard::cross_site(&request, &self.layer.allowed));
        if let Some(why) = refusal.flatten() {
            return ResponseFuture {
                kind: Kind::Refused {
                    response: Some(guard::forbidden(why)),
                },
            };
        }
        // Not HTTP/1.0: there a body of unknown length ends when the connection closes, so
        // `keep-alive` would be a lie; nor when the client asked to close (hyper then says
        // `close`, and both would go out).
        let http1 = request.version() == Version::HTTP_11 && !asks_to_close(request.headers());
        let mut router = self.layer.router;
        if self.layer.compression {
            router.coding =
                compress::negotiate(request.headers(), router.compression.coding_priority());
        }
        let vary = VaryMarker::default();
        request.extensions_mut().insert(RequestConfig {
            signals_limit: self.layer.signals_limit,
            guard: self.layer.guard,
            vary: vary.clone(),
        });
        ResponseFuture {
            kind: Kind::Inner {
                inner: self.inner.call(request),
                router,
                compression: self.layer.compression,
                http1,
                vary,
            },
        }
    }
}

/// Whether the request says `Connection: close`.
fn asks_to_close(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("close"))
}

pin_project! {
    /// The response future of [`DatastarService`].
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Inner {
            #[pin]
            inner: F,
            router: RouterConfig,
            compression: bool,
            http1: bool,
            vary: VaryMarker,
        },
        Refused {
            response: Option<Response<Full<Bytes>>>,
        },
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
{
    type Output = Result<Response<Either<ResB, Full<Bytes>>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Inner {
                inner,
                router,
                compression,
                http1,
                vary,
            } => {
                // A handler that panics is answered with a 500 and its connection kept: a
                // dropped connection is a network error, which the client retries.
                let polled = catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
                let response = match polled {
                    Ok(polled) => ready!(polled)?,
                    Err(panic) => return Poll::Ready(Ok(panicked(&*panic).map(Either::Right))),
                };
                let response = finish(response, *router, *compression, *http1, vary);
                Poll::Ready(Ok(response.map(Either::Left)))
            }
            KindProj::Refused { response } => {
                let response = response.take().expect("polled after completion");
                Poll::Ready(Ok(response.map(Either::Right)))
            }
        }
    }
}

/// The answer to a request whose handler panicked: `500 Internal Server Error`, saying only
/// that (the panic's message is for the server's log, where the panic hook has written it).
fn panicked(panic: &(dyn Any + Send)) -> Response<Full<Bytes>> {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    tracing::error!(panic = message, "a handler panicked: answered 500");
    let mut response = Response::new(Full::new(Bytes::from_static(
        b"internal server error: the handler panicked",
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, headers::TEXT);
    headers.insert(header::CACHE_CONTROL, headers::NO_CACHE);
    response
}

/// A handler's `response` with what the layer adds to it.
fn finish<ResB>(
    mut response: Response<ResB>,
    mut router: RouterConfig,
    compression: bool,
    http1: bool,
    vary: &VaryMarker,
) -> Response<ResB> {
    if let Some(slot) = response.extensions().get::<Slot>() {
        if response.headers().contains_key(header::CONTENT_ENCODING) {
            // The handler encoded the body itself.
            router.coding = None;
        }
        // Only the innermost layer, whose choice the body takes, writes the headers.
        if slot.fill(router) {
            let headers = response.headers_mut();
            if http1 {
                headers.insert(header::CONNECTION, headers::KEEP_ALIVE);
            }
            if let Some(coding) = router.coding {
                headers.insert(header::CONTENT_ENCODING, coding.header_value());
            }
            if compression {
                headers.append(header::VARY, headers::VARY_ACCEPT_ENCODING);
            }
        }
    }
    if vary.is_marked() {
        response
            .headers_mut()
            .append(header::VARY, headers::VARY_DATASTAR_REQUEST);
    }
    response
}
