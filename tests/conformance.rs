//! The official Datastar SDK golden cases, run through `examples/sdk_test_server.rs` over real
//! HTTP and compared the way the official harness compares them.

#[path = "../examples/sdk_test_server.rs"]
#[allow(dead_code)]
mod sdk_test_server;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use datastar_tests::{Client, read_all, serve};
use http::{Method, StatusCode};

/// Where the cases are: `$DATASTAR_CONFORMANCE`, else `../shared/conformance` beside the checkout.
fn cases_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("DATASTAR_CONFORMANCE") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    let message = format!(
        "the SDK conformance cases are not at {} (set DATASTAR_CONFORMANCE): \
         THE CONFORMANCE TEST DID NOT RUN",
        dir.display()
    );
    // CI always has the folder: there, its absence is a failure, never a pass.
    assert!(std::env::var_os("CI").is_none(), "{message}");
    eprintln!("{message}");
    None
}

/// One event as the harness sees it: `event`, `id`, `retry`, and data lines grouped by key.
#[derive(Debug, PartialEq)]
struct Seen {
    fields: BTreeMap<String, String>,
    data: BTreeMap<String, Vec<String>>,
}

fn events(text: &str) -> Vec<Seen> {
    let text = text.replace("\r\n", "\n");
    let mut events = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let mut seen = Seen {
            fields: BTreeMap::new(),
            data: BTreeMap::new(),
        };
        for line in block.lines().filter(|l| !l.is_empty()) {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            if field == "data" {
                let (key, value) = value.split_once(' ').unwrap_or((value, ""));
                seen.data
                    .entry(key.to_owned())
                    .or_default()
                    .push(value.trim().to_owned());
            } else {
                let old = seen
                    .fields
                    .insert(field.to_owned(), value.trim().to_owned());
                assert!(old.is_none(), "`{field}` twice in one event:\n{block}");
            }
        }
        for key in ["elements", "fragments"] {
            if let Some(lines) = seen.data.get_mut(key) {
                *lines = vec![sorted_attributes(&lines.join("\n"))];
            }
        }
        events.push(seen);
    }
    events
}

/// HTML with the attributes of every tag in sorted order, so that attribute order does not count.
fn sorted_attributes(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let is_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic());
        let Some(end) = tag_end(rest).filter(|_| is_tag) else {
            out.push('<');
            rest = &rest[1..];
            continue;
        };
        let tag = &rest[1..end];
        let (tag, self_closing) = match tag.strip_suffix('/') {
            Some(tag) => (tag, "/"),
            None => (tag, ""),
        };
        let mut parts = split_attributes(tag);
        let name = parts.remove(0);
        parts.sort();
        out.push('<');
        out.push_str(&[vec![name], parts].concat().join(" "));
        out.push_str(self_closing);
        out.push('>');
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the `>` closing the tag that `tag` starts with, outside quotes.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `div a="x y" b` → `["div", "a=\"x y\"", "b"]`.
fn split_attributes(tag: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quote) = (None, None);
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    parts.push(&tag[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        parts.push(&tag[s..]);
    }
    parts
}

/// Sends `input` to `path` as the official harness (`sdk/tests/runner.go`) does: GET in the
/// `datastar` query, POST as a JSON body, both with `Datastar-Request: true`.
async fn send(addr: SocketAddr, method: &str, path: &str, input: &str) -> (StatusCode, String) {
    let mut client = Client::http1(addr).await;
    let (method, uri, body) = match method {
        "get" => {
            let query: String = form_urlencoded::byte_serialize(input.as_bytes()).collect();
            (
                Method::GET,
                format!("{path}?datastar={query}"),
                String::new(),
            )
        }
        // Datastar 1.0.4's `@query`: the JSON body of a POST, on the `QUERY` method.
        "query" => (
            Method::from_bytes(b"QUERY").unwrap(),
            path.to_owned(),
            input.to_owned(),
        ),
        _ => (Method::POST, path.to_owned(), input.to_owned()),
    };
    let headers = [
        ("accept", "text/event-stream"),
        ("datastar-request", "true"),
        ("content-type", "application/json"),
    ];
    let response = client.send(method, &uri, &headers, body).await;
    let (status, _, body) = read_all(response).await;
    (status, body)
}

/// Runs every case under `dir/<method>/<case>` against `path`; returns the failures.
async fn run_cases(addr: SocketAddr, dir: &Path, path: &str) -> (usize, Vec<String>) {
    run_cases_as(addr, dir, path, &[("get", "get"), ("post", "post")]).await
}

/// Runs the cases of each `(folder, method)`, sending those of `folder` with `method`.
async fn run_cases_as(
    addr: SocketAddr,
    dir: &Path,
    path: &str,
    methods: &[(&str, &str)],
) -> (usize, Vec<String>) {
    let (mut ran, mut failures) = (0, Vec::new());
    for &(folder, method) in methods {
        let Ok(cases) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for case in cases {
            let case = case.unwrap().path();
            let input = std::fs::read_to_string(case.join("input.json")).unwrap();
            let expected = std::fs::read_to_string(case.join("output.txt")).unwrap();
            let (status, body) = send(addr, method, path, &input).await;
            ran += 1;
            let name = format!("{method}/{}", case.file_name().unwrap().to_string_lossy());
            if status != StatusCode::OK {
                failures.push(format!("{name}: status {status}: {body}"));
            } else if events(&body) != events(&expected) {
                failures.push(format!(
                    "{name}:\n--- expected\n{expected}\n--- got\n{body}"
                ));
            }
        }
    }
    (ran, failures)
}

#[tokio::test]
async fn all_official_cases_pass() {
    let Some(dir) = cases_dir() else { return };
    let addr = serve(sdk_test_server::app()).await;
    let (v1, mut failures) = run_cases(addr, &dir.join("v1"), "/test").await;
    let (beta, beta_failures) = run_cases(addr, &dir.join("beta"), "/beta/test").await;
    failures.extend(beta_failures);
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert_eq!((v1, beta), (20, 19), "the number of official cases changed");
    println!("{v1} V1 and {beta} Beta conformance cases passed");
}

/// `QUERY /test` is answered as `POST /test`: every POST case passes when sent as `QUERY`.
#[tokio::test]
async fn the_post_cases_pass_as_query() {
    let Some(dir) = cases_dir() else { return };
    let addr = serve(sdk_test_server::app()).await;
    let (ran, failures) = run_cases_as(addr, &dir.join("v1"), "/test", &[("post", "query")]).await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(ran > 0, "no POST cases found");
}

/// What the official SDKs accept and how they write it, beyond the official cases.
#[tokio::test]
async fn view_transition_selector_alone_and_empty_event_ids_are_left_off() {
    let addr = serve(sdk_test_server::app()).await;
    let cases = [
        (
            r##"{"type":"patchElements","elements":"<p id=\"a\"></p>","viewTransitionSelector":"#a"}"##,
            "event: datastar-patch-elements\ndata: elements <p id=\"a\"></p>\n\n",
        ),
        (
            r#"{"type":"patchElements","elements":"<p id=\"a\"></p>","eventId":""}"#,
            "event: datastar-patch-elements\ndata: elements <p id=\"a\"></p>\n\n",
        ),
        (
            r#"{"type":"patchSignals","signals":{"a":1},"eventId":""}"#,
            "event: datastar-patch-signals\ndata: signals {\"a\":1}\n\n",
        ),
    ];
    for (event, expected) in cases {
        let input = format!(r#"{{"events":[{event}]}}"#);
        for method in ["get", "post", "query"] {
            let (status, body) = send(addr, method, "/test", &input).await;
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::OK, expected),
                "{method} {input}"
            );
        }
    }
}

#[tokio::test]
async fn the_seed_endpoint_reproduces_the_essay() {
    let addr = serve(sdk_test_server::app()).await;
    let case = r##"{"events":[{"type":"patchElements","eventId":"129618219840307262",
        "selector":"#contact_1","mode":"outer",
        "elements":"<div id=\"contact_1\"><label>First Name</label>: Joe</div>"}]}"##;
    for method in ["get", "post"] {
        let (status, body) = send(addr, method, "/seed/test", case).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body,
            "event: datastar-fragment\nid: 129618219840307262\ndata: selector #contact_1\n\
             data: merge morph\ndata: settle 0\n\
             data: fragment <div id=\"contact_1\"><label>First Name</label>: Joe</div>\n\n"
        );
    }
}

#[tokio::test]
async fn malformed_cases_are_a_400_that_says_what_was_wrong() {
    let addr = serve(sdk_test_server::app()).await;
    let cases = [
        ("get", "/test", "{\"events\": [", "EOF while parsing"),
        (
            "post",
            "/test",
            "{\"events\":\n  [{\"type\": nope}]}",
            "line 2 column",
        ),
        (
            "post",
            "/test",
            r#"{"events":[{"type":"mergeStuff"}]}"#,
            "unknown variant `mergeStuff`",
        ),
        (
            "post",
            "/test",
            r#"{"events":[{"type":"patchElements","mode":"inner","elements":"x"}]}"#,
            "mode `inner` needs a `selector`",
        ),
        (
            "post",
            "/test",
            r#"{"events":[{"type":"patchElements","selector":"a\nb","elements":"x"}]}"#,
            "invalid selector",
        ),
        (
            "post",
            "/test",
            r#"{"events":[{"type":"patchElements","eventId":"a\rb","elements":"x"}]}"#,
            "invalid event id",
        ),
        (
            "post",
            "/test",
            r#"{"events":[{"type":"patchSignals","signals-raw":"{oops"}]}"#,
            "invalid signals",
        ),
        (
            "post",
            "/beta/test",
            r#"{"events":[{"type":"mergeFragments","fragments":"x","mergeMode":"upsertAttributes"}]}"#,
            "no Datastar 1.0 equivalent",
        ),
        ("get", "/test", "", "missing Datastar signals"),
    ];
    for (method, path, input, says) in cases {
        let (status, body) = send(addr, method, path, input).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{input}: {body}");
        assert!(
            body.contains(says),
            "{input}: expected the message to say `{says}`, got: {body}"
        );
    }
}

#[tokio::test]
async fn empty_events_are_well_formed_never_a_bare_event_block() {
    let addr = serve(sdk_test_server::app()).await;
    let cases = [
        ("/test", r#"{"type":"patchElements"}"#, "data: elements "),
        (
            "/test",
            r#"{"type":"patchElements","elements":""}"#,
            "data: elements ",
        ),
        (
            "/beta/test",
            r#"{"type":"mergeFragments"}"#,
            "data: fragments ",
        ),
        (
            "/beta/test",
            r#"{"type":"removeSignals","paths":[]}"#,
            "data: signals {}",
        ),
        (
            "/test",
            r#"{"type":"removeSignals","paths":[]}"#,
            "data: signals {}",
        ),
    ];
    for (path, event, line) in cases {
        let input = format!(r#"{{"events":[{event},{event}]}}"#);
        for method in ["get", "post"] {
            let (status, body) = send(addr, method, path, &input).await;
            assert_eq!(status, StatusCode::OK, "{path} {input}: {body}");
            let blocks: Vec<&str> = body.split_terminator("\n\n").collect();
            assert_eq!(blocks.len(), 2, "{path} {input}: {body:?}");
            for block in blocks {
                assert!(
                    block.lines().any(|l| l == line),
                    "{path} {input}: expected `{line}` in {block:?}"
                );
            }
        }
    }
}

#[test]
fn the_comparison_sees_differences() {
    let a = "event: datastar-patch-elements\ndata: selector #a\ndata: mode inner\n\
             data: elements <div b=\"2\" a=\"1\">x</div>\n\n";
    let reordered = "event: datastar-patch-elements\ndata: mode inner\ndata: selector #a\n\
                     data: elements <div a=\"1\" b=\"2\">x</div>\n\n";
    assert_eq!(events(a), events(reordered));
    for different in [
        a.replace("inner", "outer"),
        a.replace(
            "event: datastar-patch-elements\n",
            "event: datastar-patch-elements\nid: 1\n",
        ),
        a.replace("data: mode inner\n", ""),
        a.replace(">x<", ">y<"),
        format!("{a}{a}"),
    ] {
        assert_ne!(events(a), events(&different), "{different}");
    }
}
