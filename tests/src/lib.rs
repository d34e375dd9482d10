//! Helpers shared by the workspace-level tests: spawning servers on real sockets, reading SSE.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen at once before it fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Serves `app` with `axum::serve` on a fresh port of 127.0.0.1 (HTTP/1.1 and h2c).
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// One client connection over real TCP. Dropping it (or [`Client::close`]) closes the socket.
pub struct Client {
    sender: Sender,
    connection: JoinHandle<()>,
    addr: SocketAddr,
}

enum Sender {
    H1(hyper::client::conn::http1::SendRequest<Full<Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<Full<Bytes>>),
}

impl Client {
    /// An HTTP/1.1 connection to `addr`.
    pub async fn http1(addr: SocketAddr) -> Client {
        let io = TokioIo::new(TcpStream::connect(addr).await.expect("connect"));
        let (sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("h1 handshake");
        let connection = tokio::spawn(async move {
            let _ = conn.await;
        });
        Client {
            sender: Sender::H1(sender),
            connection,
            addr,
        }
    }

    /// An HTTP/2 connection to `addr` with prior knowledge (h2c, no upgrade).
    pub async fn http2(addr: SocketAddr) -> Client {
        let io = TokioIo::new(TcpStream::connect(addr).await.expect("connect"));
        let (sender, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
            .await
            .expect("h2 handshake");
        let connection = tokio::spawn(async move {
            let _ = conn.await;
        });
        Client {
            sender: Sender::H2(sender),
            connection,
            addr,
        }
    }

    /// Sends `method path` with `headers` and `body`; the response's body is left to read.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Response<Incoming> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).expect("request");
        let response = match &mut self.sender {
            Sender::H1(s) => s.send_request(request).await,
            Sender::H2(s) => s.send_request(request).await,
        };
        response.expect("response")
    }

    /// `GET path` with `Datastar-Request: true`.
    pub async fn get(&mut self, path: &str) -> Response<Incoming> {
        self.send(
            Method::GET,
            path,
            &[("datastar-request", "true")],
            Bytes::new(),
        )
        .await
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes the connection, as a browser tab that goes away.
    pub fn close(self) {
        self.connection.abort();
    }
}

/// The next non-empty data frame of `body`, skipping trailers and the empty DATA frame that
/// ends an HTTP/2 stream; `None` at the end. Fails after [`PATIENCE`].
pub async fn next_chunk(body: &mut Incoming) -> Option<Bytes> {
    tokio::time::timeout(PATIENCE, async {
        loop {
            match body.frame().await {
                None => return None,
                Some(frame) => {
                    if let Ok(data) = frame.expect("frame").into_data()
                        && !data.is_empty()
                    {
                        return Some(data);
                    }
                }
            }
        }
    })
    .await
    .expect("a body frame in time")
}

/// Reads `body` as SSE text until `n` blocks (events or comments, each ending with an empty
/// line) have arrived, and returns them without their final empty line.
pub async fn next_blocks(body: &mut Incoming, buffer: &mut String, n: usize) -> Vec<String> {
    let mut blocks = Vec::new();
    while blocks.len() < n {
        if let Some(end) = buffer.find("\n\n") {
            blocks.push(buffer[..end + 1].to_owned());
            buffer.drain(..end + 2);
            continue;
        }
        let chunk = next_chunk(body).await.expect("the stream ended early");
        buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8"));
    }
    blocks
}

/// The whole body of `response` as text, with its status and headers.
pub async fn read_all(response: Response<Incoming>) -> (StatusCode, HeaderMap, String) {
    let (parts, body) = response.into_parts();
    let bytes = tokio::time::timeout(PATIENCE, body.collect())
        .await
        .expect("the body in time")
        .expect("body")
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
    (parts.status, parts.headers, text)
}

/// The names of a response's headers, sorted, minus `date` and `transfer-encoding`, which the
/// server adds to everything.
pub fn header_names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k != "date" && k != "transfer-encoding")
        .collect();
    names.sort();
    names
}

/// Sets a flag when dropped: put one in a handler's stream to see when the server lets go.
pub struct DropGuard(pub Option<tokio::sync::oneshot::Sender<()>>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// An open `GET` response over a connection of its own. Dropping it closes the socket, as a
/// browser tab that goes away.
pub struct Stream {
    /// The response; read its body with [`Stream::next_chunk`].
    pub response: Response<Incoming>,
    client: Client,
}

impl Stream {
    /// `GET path` with `headers` on a new HTTP/1.1 connection to `addr`.
    pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Stream {
        let mut client = Client::http1(addr).await;
        let response = client.send(Method::GET, path, headers, Bytes::new()).await;
        Stream { response, client }
    }

    /// The next data frame of the body as it arrived, `None` at the end. Fails after [`PATIENCE`].
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        next_chunk(self.response.body_mut()).await
    }

    /// A header of the response, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        let value = self.response.headers().get(name)?;
        Some(value.to_str().expect("ASCII header"))
    }

    /// Closes the connection.
    pub fn close(self) {
        self.client.close();
    }
}

/// The events in `text` that are complete (end with an empty line), and what is left after them.
pub fn split_events(text: &str) -> (Vec<&str>, &str) {
    let mut events = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\n\n") {
        events.push(&rest[..at + 1]);
        rest = &rest[at + 2..];
    }
    (events, rest)
}

/// Waits until `condition` holds, checking every few milliseconds; fails after `within`.
pub async fn wait_until(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !condition() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A real `nats-server` on loopback, started by a test and killed when dropped. Needs
/// `nats-server` on PATH (`scripts/test` installs it with apt).
pub struct Broker {
    port: u16,
    child: Option<tokio::process::Child>,
}

impl Broker {
    /// A `nats-server` on a loopback port it chooses itself (`-p -1`), so that no other test
    /// can take the port between choosing and binding it.
    pub async fn start() -> Broker {
        let mut broker = Broker {
            port: 0,
            child: None,
        };
        broker.run().await;
        broker
    }

    /// Starts the server, on the port it had before if it had one.
    pub async fn run(&mut self) {
        use tokio::io::AsyncBufReadExt;
        let port = if self.port == 0 {
            "-1".to_owned()
        } else {
            self.port.to_string()
        };
        let mut child = tokio::process::Command::new("nats-server")
            .args(["-a", "127.0.0.1", "-p", &port])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("`nats-server` is not installed (scripts/test installs it with apt)");
        let mut log = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let listening = tokio::time::timeout(PATIENCE, async {
            while let Some(line) = log.next_line().await.unwrap() {
                if let Some((_, at)) = line.split_once("Listening for client connections on ") {
                    return at
                        .rsplit(':')
                        .next()
                        .unwrap()
                        .trim()
                        .parse::<u16>()
                        .unwrap();
                }
            }
            panic!("nats-server exited before listening");
        })
        .await
        .expect("nats-server did not start");
        // Keep reading its log, so that it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
        self.port = listening;
        self.child = Some(child);
    }

    /// Kills the server (a broker outage); [`run`](Broker::run) starts it again.
    pub async fn stop(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().await.unwrap();
    }

    /// The URL clients connect to: `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

/// Reads `socket` into `received` until `needle` arrives, and says where it starts; `None`
/// after `within`. Only new bytes are searched, so megabytes cost no more than once.
pub async fn read_until(
    socket: &mut tokio::net::TcpStream,
    received: &mut Vec<u8>,
    within: Duration,
    needle: &[u8],
) -> Option<usize> {
    let mut chunk = vec![0; 256 * 1024];
    let mut searched = 0;
    tokio::time::timeout(within, async {
        loop {
            if let Some(at) = find(&received[searched..], needle) {
                return searched + at;
            }
            searched = received.len().saturating_sub(needle.len() - 1);
            let n = tokio::io::AsyncReadExt::read(socket, &mut chunk)
                .await
                .unwrap();
            assert_ne!(n, 0, "the stream ended");
            received.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
