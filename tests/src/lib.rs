//! Helpers shared by the workspace-level tests: spawning servers on real sockets, reading SSE.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen at once before it fails.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Serves `app` with `axum::serve` on a fresh port of 127.0.0.1.
pub async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    addr
}

/// An open response over its own HTTP/1.1 connection (hyper's client). Dropping it closes the
/// socket, as a browser tab that goes away.
pub struct Stream {
    /// The response; read its body with [`Stream::next_chunk`].
    pub response: Response<Incoming>,
    connection: JoinHandle<()>,
}

impl Stream {
    /// `GET path` on a new connection to `addr`, with `headers`.
    pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> Stream {
        let io = TokioIo::new(TcpStream::connect(addr).await.expect("connect"));
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
            .await
            .expect("h1 handshake");
        let connection = tokio::spawn(async move {
            let _ = conn.await;
        });
        let mut request = Request::get(format!("http://{addr}{path}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Empty::<Bytes>::new()).expect("request");
        let response = sender.send_request(request).await.expect("response");
        Stream {
            response,
            connection,
        }
    }

    /// The next data frame of the body as it arrived, `None` at the end. Fails after [`PATIENCE`].
    pub async fn next_chunk(&mut self) -> Option<Bytes> {
        tokio::time::timeout(PATIENCE, async {
            loop {
                match self.response.body_mut().frame().await {
                    None => return None,
                    Some(frame) => {
                        if let Ok(data) = frame.expect("body frame").into_data() {
                            return Some(data);
                        }
                    }
                }
            }
        })
        .await
        .expect("no frame within PATIENCE")
    }

    /// A header of the response, as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.connection.abort();
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
