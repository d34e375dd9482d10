//! Every URL the gallery names, sent what a hostile client sends: a crawl from the landing page
//! through every page and every answer finds each action (`@get('/..')`, `@post(..)`, links),
//! and each is sent malformed and ill-typed signals, every method, hostile path segments and
//! the wrong headers. Each answer must be a 2xx–4xx (a 400 that says what was wrong), never a
//! 5xx or a dropped connection.

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How many requests are in flight at once.
const PARALLEL: usize = 16;
/// A body that has not ended after this much quiet is a stream: what came is kept.
const QUIET: Duration = Duration::from_millis(100);
/// How many URLs the crawl visits at most (the gallery names about a hundred).
const MAX_URLS: usize = 400;
/// How much of an answer is read.
const MAX_READ: usize = 1 << 20;

/// One request of the crawl.
#[derive(Clone, Debug)]
struct Sent {
    method: Method,
    path: String,
    headers: Vec<(&'static str, String)>,
    body: Bytes,
}

impl Sent {
    /// `GET /` as a browser's first visit sends it.
    fn landing() -> Sent {
        Sent {
            method: Method::GET,
            path: "/".into(),
            headers: vec![],
            body: Bytes::new(),
        }
    }
}

/// What came back: the status and as much of the body as arrived, or why nothing did.
type Answer = Result<(StatusCode, String), String>;

/// Sends `sent` on a connection of its own, so that a stream left open or a connection the
/// server closes affects no other request.
async fn send(addr: SocketAddr, sent: &Sent) -> Answer {
    let io = TokioIo::new(TcpStream::connect(addr).await.map_err(|e| e.to_string())?);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| e.to_string())?;
    let connection = tokio::spawn(connection);
    let mut request = Request::builder()
        .method(sent.method.clone())
        .uri(&sent.path)
        .header("host", addr.to_string());
    for (name, value) in &sent.headers {
        request = request.header(*name, value);
    }
    let request = request
        .body(Full::new(sent.body.clone()))
        .map_err(|e| format!("the test built a bad request: {e}"))?;
    let response = tokio::time::timeout(datastar_tests::PATIENCE, sender.send_request(request))
        .await
        .map_err(|_| "no answer in time".to_owned())?
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status();
    let mut body = response.into_body();
    let mut text = Vec::new();
    while text.len() < MAX_READ {
        match tokio::time::timeout(QUIET, body.frame()).await {
            // Quiet: a stream, read as far as it went.
            Err(_) => break,
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(format!("{status}, then the body broke: {e}")),
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    text.extend_from_slice(&data);
                }
            }
        }
    }
    connection.abort();
    Ok((status, String::from_utf8_lossy(&text).into_owned()))
}

/// `&quot;` and the other references maud writes in attribute values, undone.
fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The gallery's own URLs that `text` (a page, or SSE events holding markup) names: each
/// action with its method, and each link as a GET.
fn urls(text: &str) -> Vec<(Method, String)> {
    let text = unescape(text);
    let mut found = Vec::new();
    for (prefix, method) in [
        ("@get(", Method::GET),
        ("@post(", Method::POST),
        ("@put(", Method::PUT),
        ("@patch(", Method::PATCH),
        ("@delete(", Method::DELETE),
        ("href=\"", Method::GET),
        ("fetch(", Method::GET),
    ] {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            let rest = rest.trim_start_matches(['\'', '"', '`']);
            let end = rest.find(['\'', '"', '`', ')', ' ']).unwrap_or(rest.len());
            let url = &rest[..end];
            if url.starts_with('/') && !url.starts_with("//") && !url.contains("${") {
                found.push((method.clone(), url.to_owned()));
            }
        }
    }
    found
}

/// The signal names `text` uses: `$name` in expressions and the keys of `data-bind:` and
/// `data-signals:`, as written and in the camel case the client turns them into.
fn signal_names(text: &str, names: &mut BTreeSet<String>) {
    let word = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect()
    };
    for prefix in ["$", "data-bind:", "data-signals:", "data-bind-"] {
        for (at, _) in text.match_indices(prefix) {
            let name = word(&text[at + prefix.len()..]);
            if name.is_empty() || name.len() > 40 {
                continue;
            }
            names.insert(datastar_syntax::signal::signal_name(&name, &[]));
            names.insert(name.trim_matches('-').to_owned());
        }
    }
    names.retain(|n| !n.is_empty());
}

/// The values a hostile client puts in a signal: wrong types, extremes, markup and script.
fn hostile_values() -> Vec<serde_json::Value> {
    use serde_json::json;
    vec![
        json!(""),
        json!("x".repeat(5_000)),
        json!(-1),
        json!(0),
        json!(1e308),
        json!(-1e308),
        json!(1.5),
        serde_json::from_str("18446744073709551616").unwrap(),
        serde_json::from_str("-9223372036854775809").unwrap(),
        json!(true),
        json!(null),
        json!([]),
        json!({}),
        json!([1, 2, 3]),
        json!((0..2_000).collect::<Vec<_>>()),
        json!("<script>alert(1)</script>\"'`${alert(2)}"),
        json!("\u{0}\r\n\u{2028}\u{feff}"),
        json!("../../../etc/passwd"),
        json!("-1"),
        json!("99999999999999999999"),
    ]
}

/// Bodies that are not the signals object the client sends.
fn malformed_bodies() -> Vec<Bytes> {
    let mut bodies: Vec<Bytes> = [
        "",
        "not json",
        "{",
        "{\"a\":",
        "[]",
        "null",
        "1e999",
        "\"x\"",
        "{\"a\":1,\"a\":2}",
        "{}garbage",
    ]
    .into_iter()
    .map(|s| Bytes::from_static(s.as_bytes()))
    .collect();
    bodies.push(Bytes::from_static(b"{\"a\":\"\xff\xfe\"}"));
    bodies.push(Bytes::from("[".repeat(100_000)));
    bodies.push(Bytes::from(format!(
        "{{\"a\":\"{}\"}}",
        "x".repeat(2 << 20)
    )));
    bodies
}

/// The path with one numeric or final segment replaced by each hostile segment.
fn hostile_paths(path: &str) -> Vec<String> {
    const SEGMENTS: [&str; 9] = [
        "-1",
        "0",
        "99999999999999999999",
        "x",
        "%00",
        "%FF%FE",
        "%2e%2e",
        "%E2%80%AE",
        "1%0d%0aset-cookie:x",
    ];
    let (path, _) = path.split_once('?').unwrap_or((path, ""));
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if segment.is_empty() || !(last || segment.bytes().all(|b| b.is_ascii_digit())) {
            continue;
        }
        for hostile in SEGMENTS.iter().copied().chain([&*"a".repeat(2000)]) {
            let mut changed = segments.clone();
            changed[i] = hostile;
            out.push(changed.join("/"));
        }
    }
    out
}

/// The query that carries `signals` in a GET or DELETE, as the client writes it.
fn with_signals(path: &str, signals: &[u8]) -> String {
    let (path, _) = path.split_once('?').unwrap_or((path, ""));
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("datastar", &String::from_utf8_lossy(signals))
        .finish();
    format!("{path}?{query}")
}

/// Finds every URL from `/`, keeping the session cookie, and every signal name on the way.
async fn crawl(addr: SocketAddr) -> (String, BTreeSet<(String, String)>, BTreeSet<String>) {
    let first = send(addr, &Sent::landing()).await;
    assert_eq!(first.map(|a| a.0), Ok(StatusCode::OK));
    // Pages set the session cookie: take it from a page that keeps state.
    let cookie = session_cookie(addr).await;
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    let mut names = BTreeSet::new();
    let mut queue = VecDeque::from([(Method::GET, "/".to_owned())]);
    while let Some((method, path)) = queue.pop_front() {
        if seen.len() >= MAX_URLS || !seen.insert((method.to_string(), path.clone())) {
            continue;
        }
        let sent = Sent {
            method: method.clone(),
            path: path.clone(),
            headers: client_headers(&cookie),
            body: Bytes::from_static(b"{}"),
        };
        let Ok((_, text)) = send(addr, &sent).await else {
            continue;
        };
        signal_names(&text, &mut names);
        queue.extend(urls(&text));
    }
    (cookie, seen, names)
}

async fn session_cookie(addr: SocketAddr) -> String {
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.unwrap();
    tokio::spawn(connection);
    let request = Request::get("/examples/todomvc")
        .header("host", addr.to_string())
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let set = response
        .headers()
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// What the Datastar client sends with every request.
fn client_headers(cookie: &str) -> Vec<(&'static str, String)> {
    vec![
        ("datastar-request", "true".into()),
        ("content-type", "application/json".into()),
        ("cookie", cookie.to_owned()),
    ]
}

/// Every hostile request for one URL found with `method`.
fn hostile_requests(
    method: &Method,
    path: &str,
    names: &BTreeSet<String>,
    cookie: &str,
) -> Vec<Sent> {
    let headers = client_headers(cookie);
    let mut bodies = malformed_bodies();
    for value in hostile_values() {
        let signals: serde_json::Map<String, serde_json::Value> =
            names.iter().map(|n| (n.clone(), value.clone())).collect();
        bodies.push(Bytes::from(serde_json::to_vec(&signals).unwrap()));
    }
    let reads_query = *method == Method::GET || *method == Method::DELETE;
    let mut out = Vec::new();
    for body in &bodies {
        if reads_query {
            if body.len() < 4096 {
                let path = with_signals(path, body);
                out.push(Sent {
                    method: method.clone(),
                    path,
                    headers: headers.clone(),
                    body: Bytes::new(),
                });
            }
        } else {
            out.push(Sent {
                method: method.clone(),
                path: path.to_owned(),
                headers: headers.clone(),
                body: body.clone(),
            });
        }
    }
    // A GET's query left malformed: bad percent-encoding, a bare key, two of them.
    for query in [
        "datastar=%FF%FE",
        "datastar",
        "datastar=%7B&datastar=%7B%7D",
        "%",
    ] {
        let bare = path.split_once('?').map_or(path, |(p, _)| p);
        out.push(Sent {
            method: Method::GET,
            path: format!("{bare}?{query}"),
            headers: headers.clone(),
            body: Bytes::new(),
        });
    }
    // Every other method, with an ordinary body.
    for other in [
        "GET", "POST", "PUT", "PATCH", "DELETE", "QUERY", "OPTIONS", "BREW",
    ] {
        out.push(Sent {
            method: Method::from_bytes(other.as_bytes()).unwrap(),
            path: path.to_owned(),
            headers: headers.clone(),
            body: Bytes::from_static(b"{}"),
        });
    }
    // Hostile path segments.
    for path in hostile_paths(path) {
        out.push(Sent {
            method: method.clone(),
            path,
            headers: headers.clone(),
            body: Bytes::from_static(b"{}"),
        });
    }
    // The wrong headers: none, another site's, another type, a forged cookie.
    let odd_headers: [Vec<(&'static str, String)>; 5] = [
        vec![],
        vec![("content-type", "text/plain".into())],
        vec![
            ("datastar-request", "true".into()),
            ("content-type", "application/json".into()),
            ("sec-fetch-site", "cross-site".into()),
        ],
        vec![
            ("datastar-request", "true".into()),
            ("content-type", "application/json".into()),
            ("cookie", format!("session={}", "%".repeat(3000))),
        ],
        vec![
            ("datastar-request", "true".into()),
            ("content-type", "application/json; charset=utf-16".into()),
            ("last-event-id", "-1, 99999999999999999999999".into()),
        ],
    ];
    for headers in odd_headers {
        out.push(Sent {
            method: method.clone(),
            path: path.to_owned(),
            headers,
            body: Bytes::from_static(b"{}"),
        });
    }
    out
}

#[tokio::test]
async fn every_url_the_gallery_names_answers_hostile_requests_with_a_4xx_never_a_5xx() {
    let addr = super::gallery().await;
    let (cookie, urls, names) = crawl(addr).await;
    // The crawl found the examples' actions, not only their pages.
    let actions = urls.iter().filter(|(m, _)| m != "GET").count();
    assert!(urls.len() >= 60 && actions >= 20, "{urls:#?}");
    assert!(
        names.contains("title") && names.contains("offset"),
        "{names:?}"
    );
    let requests: Vec<Sent> = urls
        .iter()
        .flat_map(|(method, path)| {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            hostile_requests(&method, path, &names, &cookie)
        })
        .collect();
    let answers: Vec<(Sent, Answer)> = stream::iter(requests)
        .map(|sent| async move {
            let answer = send(addr, &sent).await;
            (sent, answer)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut wrong = Vec::new();
    for (sent, answer) in &answers {
        let body = String::from_utf8_lossy(&sent.body[..sent.body.len().min(80)]).into_owned();
        let what = format!(
            "{} {} {body:?}",
            sent.method,
            &sent.path[..sent.path.len().min(120)]
        );
        match answer {
            Err(e) => wrong.push(format!("{what}: {e}")),
            Ok((status, _)) if status.is_server_error() => {
                wrong.push(format!("{what}: {status}"));
            }
            Ok((StatusCode::BAD_REQUEST, text)) if text.trim().is_empty() => {
                wrong.push(format!("{what}: a 400 that says nothing"));
            }
            Ok(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} hostile requests went wrong:\n{}",
        wrong.len(),
        answers.len(),
        wrong.join("\n")
    );
    // And the server is still there.
    let after = send(addr, &Sent::landing()).await;
    assert_eq!(after.map(|a| a.0), Ok(StatusCode::OK));
    println!(
        "{} URLs, {} signal names, {} hostile requests",
        urls.len(),
        names.len(),
        answers.len()
    );
}
