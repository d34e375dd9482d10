//! The gallery's ports of the official examples under hostile use, over real TCP: a request
//! that names nothing, or is malformed, is a 4xx with a message, never a panic; each visitor's
//! rows are their own; uploads are size-limited.

#[allow(dead_code)]
#[path = "../examples/gallery/main.rs"]
mod app;
#[path = "gallery_crawl.rs"]
mod crawl;

use std::net::SocketAddr;

use datastar_tests::{Client, read_all, serve};
use http::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One browser: its connection and the session cookie the gallery gave it.
struct Visitor {
    client: Client,
    cookie: Option<String>,
}

impl Visitor {
    async fn new(addr: SocketAddr) -> Visitor {
        Visitor {
            client: Client::http1(addr).await,
            cookie: None,
        }
    }

    /// Sends what the Datastar client sends, plus `extra` headers, with the visitor's cookie.
    async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: impl Into<bytes::Bytes>,
    ) -> (StatusCode, String) {
        let mut headers = vec![("datastar-request", "true")];
        headers.extend_from_slice(extra);
        if let Some(cookie) = &self.cookie {
            headers.push(("cookie", cookie));
        }
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let response = self.client.send(method, path, &headers, body).await;
        let (status, response_headers, text) = read_all(response).await;
        if let Some(set) = response_headers.get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        (status, text)
    }

    /// Sends signals as JSON (in the body; for GET and DELETE put them in the path).
    async fn send(&mut self, method: &str, path: &str, body: &str) -> (StatusCode, String) {
        let json = [("content-type", "application/json")];
        self.send_with(method, path, &json, body.to_owned()).await
    }
}

async fn gallery() -> SocketAddr {
    serve(app::app(app::Client::Cdn)).await
}

/// Asserts the status, and that the message says `says`.
fn refused((status, text): (StatusCode, String), expected: StatusCode, says: &str) {
    assert_eq!(status, expected, "{text}");
    assert!(text.contains(says), "expected {says:?} in {text:?}");
}

#[tokio::test]
async fn bulk_update_refuses_a_selection_that_names_no_contact_and_changes_nothing() {
    let mut alice = Visitor::new(gallery().await).await;
    let page = "/examples/bulk_update";
    assert_eq!(alice.send("GET", page, "").await.0, StatusCode::OK);
    let bad = r#"{"selections": {"contact_0": true, "contact_9": true}}"#;
    let answer = alice.send("PUT", &format!("{page}/deactivate"), bad).await;
    refused(
        answer,
        StatusCode::BAD_REQUEST,
        "no contact is selected by `contact_9`",
    );
    let answer = alice
        .send("PUT", &format!("{page}/activate"), r#"{"selections": 7}"#)
        .await;
    refused(answer, StatusCode::BAD_REQUEST, "selections");
    // Contact 0 was not deactivated by the refused request.
    let (_, html) = alice.send("GET", page, "").await;
    let row = html.split("id=\"contact_0\"").nth(1).unwrap();
    assert!(
        row.split("</tr>").next().unwrap().contains(">Active<"),
        "{row}"
    );

    let ok = r#"{"selections": {"all": false, "contact_0": true}}"#;
    let (status, events) = alice.send("PUT", &format!("{page}/deactivate"), ok).await;
    assert_eq!(status, StatusCode::OK);
    assert!(events.contains("datastar-patch-signals"), "{events}");
    assert!(events.contains(r#""contact_0":false"#), "{events}");
}

#[tokio::test]
async fn delete_row_deletes_only_the_visitors_row_and_404s_a_missing_one() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    let page = "/examples/delete_row";
    alice.send("GET", page, "").await;
    bob.send("GET", page, "").await;
    let row = "/examples/delete_row/contact/1?datastar=%7B%7D";
    let (status, events) = alice.send("DELETE", row, "").await;
    assert_eq!(status, StatusCode::OK, "{events}");
    assert!(
        events.contains("data: selector #contact_1\ndata: mode remove"),
        "{events}"
    );
    refused(
        alice.send("DELETE", row, "").await,
        StatusCode::NOT_FOUND,
        "there is no contact 1",
    );
    let bad = "/examples/delete_row/contact/one";
    refused(
        alice.send("DELETE", bad, "").await,
        StatusCode::BAD_REQUEST,
        "Invalid URL",
    );
    // Bob still has Angie. (The page also shows its source, which names her too.)
    let angie = "<td class=\"name\">Angie MacDowell</td>";
    assert!(bob.send("GET", page, "").await.1.contains(angie));
    assert!(!alice.send("GET", page, "").await.1.contains(angie));
}

#[tokio::test]
async fn edit_row_refuses_missing_rows_long_names_and_malformed_drafts() {
    let mut alice = Visitor::new(gallery().await).await;
    let base = "/examples/edit_row/contacts";
    alice.send("GET", "/examples/edit_row", "").await;
    refused(
        alice.send("GET", &format!("{base}/9/edit"), "").await,
        StatusCode::NOT_FOUND,
        "there is no row 9",
    );
    let draft = serde_json::json!({ "name": "x".repeat(51), "email": "x@y.z" }).to_string();
    refused(
        alice.send("PATCH", &format!("{base}/9"), &draft).await,
        StatusCode::NOT_FOUND,
        "there is no row 9",
    );
    let (status, html) = alice.send("PATCH", &format!("{base}/0"), &draft).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("A name is at most 50 characters."), "{html}");
    refused(
        alice
            .send("PATCH", &format!("{base}/0"), r#"{"name": "Ada"}"#)
            .await,
        StatusCode::BAD_REQUEST,
        "email",
    );
    // Nothing was saved.
    assert!(alice.send("GET", base, "").await.1.contains("Joe Smith"));
}

#[tokio::test]
async fn inline_validation_answers_get_and_query_alike_and_405s_the_rest() {
    let mut alice = Visitor::new(gallery().await).await;
    let path = "/examples/inline_validation/validate";
    let user = r#"{"email":"test@test.com","firstName":"A","lastName":"Lovelace"}"#;
    let query = format!(
        "{path}?datastar={}",
        form_urlencoded::byte_serialize(user.as_bytes()).collect::<String>()
    );
    let (status, by_get) = alice.send("GET", &query, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        by_get.contains("First name must be at least 2 characters."),
        "{by_get}"
    );
    let (status, by_query) = alice.send("QUERY", path, user).await;
    assert_eq!((status, &by_query), (StatusCode::OK, &by_get));

    refused(
        alice.send("QUERY", path, "{\"email\":").await,
        StatusCode::BAD_REQUEST,
        "EOF while parsing",
    );
    refused(
        alice.send("PUT", path, user).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "answers GET and QUERY",
    );
    let long = serde_json::json!({ "email": "x".repeat(300) }).to_string();
    let (_, html) = alice
        .send("POST", "/examples/inline_validation/sign_up", &long)
        .await;
    assert!(
        html.contains("An email address is at most 254 characters."),
        "{html}"
    );
}

#[tokio::test]
async fn tabs_scroll_and_selects_refuse_what_does_not_exist() {
    let mut alice = Visitor::new(gallery().await).await;
    refused(
        alice.send("GET", "/examples/lazy_tabs/tab/8", "").await,
        StatusCode::NOT_FOUND,
        "there is no tab 8",
    );
    refused(
        alice.send("GET", "/examples/lazy_tabs/tab/x", "").await,
        StatusCode::BAD_REQUEST,
        "Invalid URL",
    );

    let more = "/examples/infinite_scroll/more";
    refused(
        alice.send("GET", &format!("{more}?offset=-1"), "").await,
        StatusCode::BAD_REQUEST,
        "offset",
    );
    let (status, events) = alice
        .send("GET", &format!("{more}?offset=99999999"), "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        events.contains("That&#39;s enough scrolling")
            || events.contains("That's enough scrolling"),
        "{events}"
    );

    let choice = "/examples/value_select/choice";
    let wrong = r#"{"make":"audi","model":"corolla"}"#;
    refused(
        alice.send("POST", choice, wrong).await,
        StatusCode::BAD_REQUEST,
        "no car is `audi` / `corolla`",
    );
    let (status, events) = alice
        .send("POST", choice, r#"{"make":"toyota","model":"corolla"}"#)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(events.contains("Toyota Corolla"), "{events}");
}

#[tokio::test]
async fn sortable_refuses_unknown_items_and_directions_and_keeps_each_visitors_order() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    let items = "/examples/sortable/items";
    alice.send("GET", "/examples/sortable", "").await;
    bob.send("GET", "/examples/sortable", "").await;
    refused(
        alice.send("POST", &format!("{items}/9/up"), "{}").await,
        StatusCode::NOT_FOUND,
        "there is no item 9",
    );
    refused(
        alice
            .send("POST", &format!("{items}/3/sideways"), "{}")
            .await,
        StatusCode::BAD_REQUEST,
        "sideways",
    );
    let (status, events) = alice.send("POST", &format!("{items}/5/up"), "{}").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        events.contains("Item 5 moved from place 5 to 4"),
        "{events}"
    );
    let order = |html: &str| {
        html.match_indices("id=\"item_")
            .map(|(i, _)| html[i + 9..i + 10].to_owned())
            .collect::<String>()
    };
    assert_eq!(
        order(&alice.send("GET", "/examples/sortable", "").await.1),
        "12354"
    );
    assert_eq!(
        order(&bob.send("GET", "/examples/sortable", "").await.1),
        "12345"
    );
}

/// A `multipart/form-data` body with one file.
fn multipart(name: &str, contents: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--BOUNDARY\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(contents);
    body.extend_from_slice(b"\r\n--BOUNDARY--\r\n");
    body
}

const MULTIPART: (&str, &str) = ("content-type", "multipart/form-data; boundary=BOUNDARY");
const UPLOAD: &str = "/examples/file_upload/upload";

#[tokio::test]
async fn file_upload_reports_small_files_and_refuses_big_ones_with_a_message() {
    let addr = gallery().await;
    let mut alice = Visitor::new(addr).await;
    let (status, events) = alice
        .send_with("POST", UPLOAD, &[MULTIPART], multipart("a.txt", b"hello"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        events.contains("<td class=\"name\">a.txt</td><td class=\"size\">5 bytes</td>"),
        "{events}"
    );
    // Over 1 MiB: read to the end, and answered with the reason.
    let big = multipart("big.bin", &vec![0; 1024 * 1024 + 1]);
    let (status, events) = alice.send_with("POST", UPLOAD, &[MULTIPART], big).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        events.contains("big.bin is 1.0 MiB: the limit is 1.0 MiB. Nothing was kept."),
        "{events}"
    );
    // Not multipart, or from another site: refused.
    refused(
        alice.send("POST", UPLOAD, "{}").await,
        StatusCode::BAD_REQUEST,
        "multipart/form-data",
    );
    let cross = [MULTIPART, ("sec-fetch-site", "cross-site")];
    refused(
        alice
            .send_with("POST", UPLOAD, &cross, multipart("a.txt", b"x"))
            .await,
        StatusCode::FORBIDDEN,
        "cross-site",
    );
}

#[tokio::test]
async fn file_upload_cuts_off_a_body_over_8_mib_with_a_413() {
    let addr = gallery().await;
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = multipart("huge.bin", &vec![0; 9 * 1024 * 1024]);
    let head = format!(
        "POST {UPLOAD} HTTP/1.1\r\nhost: {addr}\r\ndatastar-request: true\r\n\
         content-type: {}\r\ncontent-length: {}\r\n\r\n",
        MULTIPART.1,
        body.len()
    );
    let (mut read, mut write) = socket.split();
    // The server may stop reading once it has refused: ignore a write that fails then.
    let writing = async {
        let _ = write.write_all(head.as_bytes()).await;
        let _ = write.write_all(&body).await;
    };
    let reading = async {
        let mut answer = Vec::new();
        let mut chunk = [0; 4096];
        while let Ok(n @ 1..) = read.read(&mut chunk).await {
            answer.extend_from_slice(&chunk[..n]);
        }
        String::from_utf8_lossy(&answer).into_owned()
    };
    let ((), answer) = tokio::join!(writing, reading);
    // The status line always arrives; the message may not, as the server closes the socket
    // with the rest of the body unread.
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}
