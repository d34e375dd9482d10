//! [`serve`]: an axum server with the timeouts and limits a public server needs.

use std::convert::Infallible;
use std::future::{Future, IntoFuture};
use std::io;
use std::mem::MaybeUninit;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use socket2::{SockRef, TcpKeepalive};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long a client may take to send a request's head, unless told otherwise: 15 s.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a connection may stay without a request in flight, unless told otherwise: 60 s.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How many connections are served at once, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// The largest HTTP/1 request head (request line and headers) served, unless told otherwise:
/// 8 KiB, hyper's smallest buffer.
pub const DEFAULT_MAX_REQUEST_HEAD: usize = 8 * 1024;
/// The TCP keep-alive idle time of accepted sockets, unless told otherwise: 60 s.
pub const DEFAULT_TCP_KEEPALIVE: Duration = Duration::from_secs(60);
/// The listen queue of [`bind`]: how many connections that finished their handshake wait for
/// the server to accept them, 1,024 (the kernel may cap it lower: `net.core.somaxconn`).
pub const DEFAULT_LISTEN_BACKLOG: u32 = 1024;

/// A listener on `addr` for [`serve`], as `tokio::net::TcpListener::bind` makes it but with a
/// listen queue of [`DEFAULT_LISTEN_BACKLOG`] connections instead of 128.
///
/// Every SSE stream is a connection of its own, and when a server restarts, all its clients
/// come back within a second or two. With 128 places, the kernel drops the handshakes beyond
/// them, and those clients try again only 1, 3 and 7 s later; with 1,024, the server takes
/// them as fast as it can accept (`tests/serve.rs`: 600 connections at once, none waiting
/// on a retry).
///
/// Like tokio's `bind`, it tries each address `addr` resolves to and sets `SO_REUSEADDR`
/// (not on Windows), so a restarted server can listen again at once.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = datastar_runtime::bind("127.0.0.1:3000").await?;
/// datastar_runtime::serve(listener, app).await
/// # }
/// ```
pub async fn bind(addr: impl tokio::net::ToSocketAddrs) -> io::Result<TcpListener> {
    let mut failed = None;
    for addr in tokio::net::lookup_host(addr).await? {
        match listen_on(addr, DEFAULT_LISTEN_BACKLOG) {
            Ok(listener) => return Ok(listener),
            Err(e) => failed = Some(e),
        }
    }
    Err(failed.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

fn listen_on(addr: std::net::SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    let socket = match addr {
        std::net::SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        std::net::SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Serves `app` on `listener` over HTTP/1.1 and HTTP/2 (h2c), with the timeouts and limits
/// that `axum::serve`'s defaults leave out, so that idle or half-open connections cannot pile up
/// until the server runs out of sockets:
///
/// - a [header read timeout](Serve::header_read_timeout) (15 s): a client that has not sent a
///   whole request head by then is disconnected, also one that connects and sends nothing;
/// - an [idle timeout](Serve::idle_timeout) (60 s): a connection with no request in flight is
///   closed. A response whose body is still being sent counts as in flight, so an SSE stream
///   stays open as long as the client reads it;
/// - a [cap on connections](Serve::max_connections) (10,000): once reached, new connections
///   wait in the listen queue until one closes;
/// - a [bound on the request head](Serve::max_request_head) (8 KiB): a larger one is answered
///   `431 Request Header Fields Too Large`. It also keeps hyper's read buffer at 8 KiB for
///   the life of the connection, which for 10,000 open SSE streams is the difference between
///   about 13 and 18 KiB of resident memory per stream (BENCHMARKS.md, "Fan-out");
/// - [TCP keep-alive](Serve::tcp_keepalive) on every accepted socket (probes after 60 s of
///   silence), so a client that vanished without closing is found even when a stream writes
///   nothing; HTTP/2 connections are also pinged every 30 s.
///
/// The server runs until the future fails to accept at all, or until the signal given to
/// [`with_graceful_shutdown`](Serve::with_graceful_shutdown) fires.
///
/// ```no_run
/// use axum::{Router, routing::get};
/// use datastar_runtime::{DatastarLayer, PatchElements};
///
/// async fn hello() -> PatchElements<datastar_runtime::ById> {
///     PatchElements::new(r#"<p id="hello">hello</p>"#)
/// }
///
/// # async fn run() -> std::io::Result<()> {
/// let app = Router::new().route("/hello", get(hello)).layer(DatastarLayer::new());
/// let listener = datastar_runtime::bind("127.0.0.1:3000").await?;
/// datastar_runtime::serve(listener, app)
///     .idle_timeout(std::time::Duration::from_secs(30))
///     .await
/// # }
/// ```
pub fn serve(listener: TcpListener, app: Router) -> Serve {
    Serve {
        listener,
        app,
        header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
        idle_timeout: DEFAULT_IDLE_TIMEOUT,
        max_connections: DEFAULT_MAX_CONNECTIONS,
        max_request_head: DEFAULT_MAX_REQUEST_HEAD,
        tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
        http2: true,
        shutdown: None,
    }
}

/// The server made by [`serve`]: set its limits, then `.await` it.
#[must_use = "a server does nothing until it is awaited"]
pub struct Serve {
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
    max_request_head: usize,
    tcp_keepalive: Option<Duration>,
    http2: bool,
    shutdown: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("max_connections", &self.max_connections)
            .field("max_request_head", &self.max_request_head)
            .field("tcp_keepalive", &self.tcp_keepalive)
            .field("http2", &self.http2)
            .finish_non_exhaustive()
    }
}

impl Serve {
    /// Disconnects a client that takes longer than `timeout` to send a request head, counted
    /// from the moment the server waits for it: when the connection opens (whatever the
    /// protocol turns out to be), or, on HTTP/1, when a response ends (hyper's
    /// `header_read_timeout`). So a kept-alive HTTP/1 connection waits at most this long for
    /// its next request, even when the [idle timeout](Self::idle_timeout) is longer.
    ///
    /// Only the client's delay counts: what it sent before the deadline is read, even when the
    /// server is too busy to look at the connection until after it. Before the first request,
    /// hyper's timer starts at the client's first bytes, so a client that sends some just
    /// before the deadline has the timeout again for the rest: at most twice the timeout.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Closes a connection, HTTP/1 or HTTP/2, after `timeout` without any request in flight:
    /// from when it opened or from the end of its last response. Responses still sending their
    /// body, such as SSE streams, keep it open. For HTTP/1 the shorter header read timeout
    /// usually closes an idle connection first; this one bounds idle HTTP/2 connections.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Serves at most `max` connections at once; more wait in the listen queue. Keep it below
    /// the process's open-file limit (`ulimit -n`), less the files the app opens itself, so
    /// that accepting never fails for want of a descriptor.
    ///
    /// # Panics
    ///
    /// When `max` is 0, or more than `tokio::sync::Semaphore::MAX_PERMITS`.
    pub fn max_connections(mut self, max: usize) -> Self {
        assert!(
            max > 0 && max <= Semaphore::MAX_PERMITS,
            "max_connections must be between 1 and {}",
            Semaphore::MAX_PERMITS
        );
        self.max_connections = max;
        self
    }

    /// Answers an HTTP/1 request whose head (request line and headers) is larger than `bytes`
    /// with `431 Request Header Fields Too Large` (values under 8 KiB count as 8 KiB).
    ///
    /// Datastar's `@get` sends every signal in the query string (`?datastar=…`), so an app whose
    /// signals exceed a few KiB once URL-encoded should raise this, or send them with `@post`.
    /// The price is memory: above 8 KiB, hyper keeps a 16 KiB read buffer for each connection
    /// that stays open, such as each SSE stream.
    pub fn max_request_head(mut self, bytes: usize) -> Self {
        self.max_request_head = bytes.max(DEFAULT_MAX_REQUEST_HEAD);
        self
    }

    /// Sends TCP keep-alive probes on an accepted socket after `idle` of silence (`None`: the
    /// operating system's default, usually off), so that the connection of a client that is
    /// gone without a word fails and its stream ends.
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.tcp_keepalive = idle;
        self
    }

    /// Whether HTTP/2 over cleartext (h2c, prior knowledge) is served beside HTTP/1.1: yes,
    /// unless told otherwise.
    ///
    /// Browsers speak HTTP/2 only over TLS, so a server that browsers reach directly, or through
    /// a proxy that speaks HTTP/1.1 to it (nginx's default), never sees h2c. Turning it off
    /// saves what telling the two protocols apart costs on every connection: 896 bytes of
    /// state, about 0.9 KiB of resident memory per open SSE stream (`BENCHMARKS.md`,
    /// "Fan-out"). An HTTP/2 preface is then answered as a malformed HTTP/1.1 request.
    pub fn http2(mut self, serve: bool) -> Self {
        self.http2 = serve;
        self
    }

    /// Stops accepting when `signal` completes, asks every connection to close once its
    /// in-flight requests are answered, and ends when they all have. An SSE stream keeps its
    /// connection until it ends: wrap the server in a `tokio::time::timeout` to bound the wait.
    pub fn with_graceful_shutdown<F>(mut self, signal: F) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// The local address of the listener.
    pub fn local_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    async fn run(self) -> io::Result<()> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        // hyper's default (about 400 KiB) makes it grow its read buffer to 16 KiB on every
        // connection that stays open after its request, such as an SSE stream: the bound is
        // what keeps it at 8 KiB (see `max_request_head`).
        builder.http1().max_buf_size(self.max_request_head);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(20));
        let builder = Arc::new(builder);
        // The same HTTP/1.1 settings, for connections that need no protocol detection.
        let mut http1 = hyper::server::conn::http1::Builder::new();
        http1
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_request_head);
        let http1 = Arc::new(http1);
        let permits = Arc::new(Semaphore::new(self.max_connections));
        let stop = CancellationToken::new();
        // A connection polls its stop token whenever it wakes, that is for every event it
        // sends, and polling a token takes its mutex twice. One token for all connections would
        // be one lock taken by every event on every connection, from every worker; one each
        // would cost 112 bytes per connection. So connections share 64 children of the token.
        let stops: Vec<CancellationToken> = (0..64).map(|_| stop.child_token()).collect();
        let mut accepted_count = 0usize;
        let tracker = TaskTracker::new();
        let mut shutdown = self
            .shutdown
            .unwrap_or_else(|| Box::pin(std::future::pending()));
        loop {
            let accepted = tokio::select! {
                accepted = accept(&self.listener, &permits) => accepted,
                () = &mut shutdown => break,
            };
            let Some((stream, permit)) = accepted else {
                continue;
            };
            accepted_count = accepted_count.wrapping_add(1);
            if let Err(e) = configure(&stream, self.tcp_keepalive) {
                tracing::debug!(error = %e, "could not set the socket options");
            }
            let connection = Connection {
                app: self.app.clone(),
                idle_timeout: self.idle_timeout,
                first_request_timeout: self.idle_timeout.min(self.header_read_timeout),
                stop: stops[accepted_count % stops.len()].clone(),
            };
            // Two kinds of task, each the size of its own connection's state: one future
            // holding either connection would be the size of the larger one for both.
            macro_rules! spawn_connection {
                (|$io:ident, $service:ident| $conn:expr) => {
                    tracker.spawn(async move {
                        let Some(opened) = connection.first_bytes(&stream).await else {
                            return;
                        };
                        let (activity, $service) =
                            Connection::service(connection.app.clone(), opened);
                        let $io = TokioIo::new(stream);
                        connection.drive(activity, pin!($conn)).await;
                        drop(permit);
                    })
                };
            }
            if self.http2 {
                let builder = builder.clone();
                spawn_connection!(|io, service| builder.serve_connection_with_upgrades(io, service));
            } else {
                let http1 = http1.clone();
                spawn_connection!(|io, service| http1
                    .serve_connection(io, service)
                    .with_upgrades());
            }
        }
        stop.cancel();
        tracker.close();
        tracker.wait().await;
        Ok(())
    }
}

impl IntoFuture for Serve {
    type Output = io::Result<()>;
    type IntoFuture = Pin<Box<dyn Future<Output = io::Result<()>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// The next connection once a permit is free; `None` after an error that only cost that
/// connection (or, for running out of file descriptors, after a pause that lets some close).
async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> Option<(TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let permit = permits.clone().acquire_owned().await.ok()?;
    match listener.accept().await {
        Ok((stream, _)) => Some((stream, permit)),
        Err(e) if is_connection_error(&e) => None,
        Err(e) => {
            // EMFILE and friends: accepting again at once would spin.
            tracing::error!(error = %e, "accept failed");
            tokio::time::sleep(Duration::from_secs(1)).await;
            None
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// `TCP_NODELAY` (each flushed event goes out at once) and keep-alive probes.
pub(crate) fn configure(stream: &TcpStream, keepalive: Option<Duration>) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let Some(idle) = keepalive else {
        return Ok(());
    };
    let params = TcpKeepalive::new().with_time(idle);
    #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
    let params = params.with_interval(Duration::from_secs(15));
    SockRef::from(stream).set_tcp_keepalive(&params)
}

/// One accepted connection and what it needs to run.
struct Connection {
    app: Router,
    idle_timeout: Duration,
    /// Before the first request: the time to send its head, or the idle timeout if shorter.
    first_request_timeout: Duration,
    stop: CancellationToken,
}

/// A hyper connection that can be asked to finish its requests and close.
trait Graceful: Future<Output = Result<(), Self::Error>> {
    type Error: std::fmt::Display;
    fn shut_down(self: Pin<&mut Self>);
}

impl<I, S, B> Graceful for auto::UpgradeableConnection<'_, I, S, TokioExecutor>
where
    S: hyper::service::Service<Request<Incoming>, Response = http::Response<B>>,
    S::Future: 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    TokioExecutor: hyper::rt::bounds::Http2ServerConnExec<S::Future, B>,
{
    type Error = Box<dyn std::error::Error + Send + Sync>;
    fn shut_down(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl<I, S, B> Graceful for hyper::server::conn::http1::UpgradeableConnection<I, S>
where
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Error = hyper::Error;
    fn shut_down(self: Pin<&mut Self>) {
        self.graceful_shutdown();
    }
}

impl Connection {
    /// Waits for the client's first bytes (see [`first_bytes`]): when the connection opened,
    /// or `None` when it is to be closed.
    async fn first_bytes(&self, stream: &TcpStream) -> Option<Instant> {
        let opened = Instant::now();
        // hyper's header read timer only starts once the first bytes tell HTTP/1 from HTTP/2.
        first_bytes(stream, opened + self.first_request_timeout, &self.stop)
            .await
            .then_some(opened)
    }

    /// The app as a hyper service that marks the connection busy while a response lives; the
    /// connection is idle since `opened`.
    #[expect(
        clippy::type_complexity,
        reason = "the service is a closure: its type can only be said with `impl`"
    )]
    fn service(
        app: Router,
        opened: Instant,
    ) -> (
        Activity,
        impl hyper::service::Service<
            Request<Incoming>,
            Response = http::Response<InFlight>,
            Error = Infallible,
            Future = impl Future<Output = Result<http::Response<InFlight>, Infallible>> + Send,
        > + Clone
        + Send
        + 'static,
    ) {
        let activity = Activity::new(opened);
        let service = {
            let activity = activity.clone();
            hyper::service::service_fn(move |request: Request<Incoming>| {
                let open = activity.open();
                let app = app.clone();
                async move {
                    let response = app.oneshot(request.map(Body::new)).await?;
                    Ok::<_, Infallible>(response.map(|body| InFlight { body, _open: open }))
                }
            })
        };
        (activity, service)
    }

    /// Runs `conn` until it ends, closing it gracefully when idle for too long or when the
    /// server stops.
    async fn drive<C: Graceful>(self, activity: Activity, mut conn: Pin<&mut C>) {
        let mut closing = false;
        loop {
            let timeout = match activity.served_any() {
                true => self.idle_timeout,
                false => self.first_request_timeout,
            };
            let idle_until = activity.idle_deadline(timeout);
            tokio::select! {
                // The connection first: when this task runs late (a busy runtime), a request
                // that came before the deadline is read, and so starts, before the deadline
                // is looked at. In random order, half the time the timer won and the
                // connection was dropped with its request unread: the client saw a reset.
                biased;
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    return;
                }
                () = tokio::time::sleep_until(idle_until), if !closing => {
                    if activity.idle_for(timeout) {
                        conn.as_mut().shut_down();
                        closing = true;
                    }
                }
                () = self.stop.cancelled(), if !closing => {
                    conn.as_mut().shut_down();
                    closing = true;
                }
            }
        }
    }
}

/// Waits for the client's first bytes until `deadline`: false if none came by then (or the
/// server is stopping), and the connection is to be closed.
///
/// At the deadline the socket itself is asked, not only the readiness the runtime has seen so
/// far: the runtime's I/O driver takes at most 1,024 readiness events per turn and fires the
/// timers after each turn, so on a busy server bytes that arrived in time might not be
/// reported yet, and closing the socket with them unread would reset the connection of a
/// client that was on time. (Not seen in a test: with 1,500 connections stalled past their
/// deadline, tokio's order of wake-ups had every readiness reported first.)
async fn first_bytes(stream: &TcpStream, deadline: Instant, stop: &CancellationToken) -> bool {
    tokio::select! {
        biased;
        ready = stream.readable() => ready.is_ok(),
        () = tokio::time::sleep_until(deadline) => {
            let mut byte = [MaybeUninit::<u8>::uninit(); 1];
            // Nonblocking: `WouldBlock` when nothing came; `Ok(0)` when the client closed.
            matches!(SockRef::from(stream).peek(&mut byte), Ok(n) if n > 0)
        }
        () = stop.cancelled() => false,
    }
}

/// The requests in flight on one connection, and since when there were none.
#[derive(Clone)]
struct Activity(Arc<ActivityState>);

struct ActivityState {
    open: AtomicUsize,
    served_any: AtomicBool,
    idle_since: Mutex<Option<Instant>>,
}

impl Activity {
    /// A connection idle since `opened`.
    fn new(opened: Instant) -> Self {
        Activity(Arc::new(ActivityState {
            open: AtomicUsize::new(0),
            served_any: AtomicBool::new(false),
            idle_since: Mutex::new(Some(opened)),
        }))
    }

    /// Marks a request in flight until the returned guard is dropped.
    fn open(&self) -> Open {
        let mut idle_since = self.0.idle_since.lock().unwrap_or_else(|e| e.into_inner());
        self.0.open.fetch_add(1, Ordering::SeqCst);
        self.0.served_any.store(true, Ordering::SeqCst);
        *idle_since = None;
        Open(self.clone())
    }

    /// Whether a request has started on the connection.
    fn served_any(&self) -> bool {
        self.0.served_any.load(Ordering::SeqCst)
    }

    /// When the connection would have been idle for `timeout`, if nothing starts before.
    fn idle_deadline(&self, timeout: Duration) -> Instant {
        let idle_since = *self.0.idle_since.lock().unwrap_or_else(|e| e.into_inner());
        idle_since.unwrap_or_else(Instant::now) + timeout
    }

    fn idle_for(&self, timeout: Duration) -> bool {
        let idle_since = *self.0.idle_since.lock().unwrap_or_else(|e| e.into_inner());
        idle_since.is_some_and(|since| since.elapsed() >= timeout)
    }
}

/// A request in flight: from its head until its response body is done or dropped.
struct Open(Activity);

impl Drop for Open {
    fn drop(&mut self) {
        let state = &self.0.0;
        let mut idle_since = state.idle_since.lock().unwrap_or_else(|e| e.into_inner());
        if state.open.fetch_sub(1, Ordering::SeqCst) == 1 {
            *idle_since = Some(Instant::now());
        }
    }
}

/// A response body that keeps its request in flight while it lives.
struct InFlight {
    body: Body,
    _open: Open,
}

impl http_body::Body for InFlight {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_get_keepalive_probes_and_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (_client, accepted) = tokio::join!(client, listener.accept());
        let (accepted, _) = accepted.unwrap();
        assert!(!SockRef::from(&accepted).keepalive().unwrap());
        configure(&accepted, Some(DEFAULT_TCP_KEEPALIVE)).unwrap();
        assert!(SockRef::from(&accepted).keepalive().unwrap());
        assert!(accepted.nodelay().unwrap());
    }
}
