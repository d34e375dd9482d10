//! The gallery under hostile use, over real TCP: each visitor's state is their own, every input
//! has a limit with a message, and every collection a cap.

#[allow(dead_code)]
#[path = "../examples/gallery/main.rs"]
mod app;

use std::net::SocketAddr;

use datastar_tests::{Client, next_chunk, read_all, serve};
use http::{Method, StatusCode};

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

    /// Sends what the Datastar client sends, with the visitor's cookie; keeps a new cookie.
    async fn send(&mut self, method: Method, path: &str, body: &str) -> (StatusCode, String) {
        let mut headers = vec![
            ("datastar-request", "true"),
            ("content-type", "application/json"),
        ];
        if let Some(cookie) = &self.cookie {
            headers.push(("cookie", cookie));
        }
        let response = self
            .client
            .send(method, path, &headers, body.to_owned())
            .await;
        let (status, response_headers, text) = read_all(response).await;
        if let Some(set) = response_headers.get("set-cookie") {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_owned();
            self.cookie = Some(pair);
        }
        (status, text)
    }

    async fn page(&mut self, path: &str) -> String {
        let (status, text) = self.send(Method::GET, path, "").await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        text
    }

    async fn post(&mut self, path: &str, signals: serde_json::Value) -> String {
        let (status, text) = self.send(Method::POST, path, &signals.to_string()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
        text
    }
}

async fn gallery() -> SocketAddr {
    serve(app::app(app::Client::Cdn)).await
}

const TODOS: &str = "/examples/todomvc";

#[tokio::test]
async fn each_visitor_has_their_own_todos() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    alice.page(TODOS).await;
    bob.page(TODOS).await;
    assert_ne!(alice.cookie, bob.cookie, "two visitors, two sessions");

    let added = alice
        .post(
            &format!("{TODOS}/add"),
            serde_json::json!({"input": "Alice's todo"}),
        )
        .await;
    assert!(
        added.contains("Alice&#39;s todo") || added.contains("Alice's todo"),
        "{added}"
    );
    // Bob wipes his list: all done, then cleared.
    bob.post(&format!("{TODOS}/toggle_all"), serde_json::json!({}))
        .await;
    let (status, cleared) = bob
        .send(
            Method::DELETE,
            &format!("{TODOS}/completed?datastar=%7B%7D"),
            "",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!cleared.contains("Taste Datastar"), "{cleared}");

    let page = alice.page(TODOS).await;
    for title in ["Taste Datastar", "Write a Rust handler", "Alice"] {
        assert!(page.contains(title), "Alice lost `{title}`");
    }
    assert!(
        !bob.page(TODOS).await.contains("Alice"),
        "Bob sees Alice's todo"
    );
}

#[tokio::test]
async fn each_visitor_edits_their_own_contact_and_only_contacts_that_exist() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    let ada = serde_json::json!({"first": "Ada", "last": "Lovelace", "email": "ada@lovelace.org"});
    let (status, saved) = alice
        .send(
            Method::PUT,
            "/examples/click_to_edit/contact/1",
            &ada.to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(saved.contains("Ada"), "{saved}");
    let shown = bob.page("/examples/click_to_edit/contact/1").await;
    assert!(shown.contains("Joe") && !shown.contains("Ada"), "{shown}");
    assert!(
        alice
            .page("/examples/click_to_edit/contact/1")
            .await
            .contains("Ada")
    );

    let (status, text) = alice
        .send(
            Method::PUT,
            "/examples/click_to_edit/contact/2",
            &ada.to_string(),
        )
        .await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::NOT_FOUND, "there is no contact 2")
    );
}

#[tokio::test]
async fn every_input_over_its_limit_is_refused_with_a_message() {
    let addr = gallery().await;
    let mut visitor = Visitor::new(addr).await;
    let long = |n: usize| "é".repeat(n);

    // The live feed: 280 characters.
    let refused = visitor
        .post(
            "/examples/live_feed/post",
            serde_json::json!({"message": long(281)}),
        )
        .await;
    assert!(
        refused.contains("A post is at most 280 characters; this one has 281."),
        "{refused}"
    );
    let accepted = visitor
        .post(
            "/examples/live_feed/post",
            serde_json::json!({"message": long(280)}),
        )
        .await;
    assert!(accepted.contains(r#""error":"""#), "{accepted}");
    let mut reader = Client::http1(addr).await;
    let mut feed = reader.get("/examples/live_feed/updates").await;
    let snapshot = String::from_utf8(next_chunk(feed.body_mut()).await.unwrap().to_vec()).unwrap();
    assert!(
        snapshot.contains(&long(280)),
        "the 280-character post is in the feed"
    );
    assert!(
        !snapshot.contains(&long(281)),
        "the 281-character post was published"
    );
    drop((feed, reader));

    // TodoMVC: 200 characters, for a new todo and a renamed one.
    visitor.page(TODOS).await;
    let refused = visitor
        .post(
            &format!("{TODOS}/add"),
            serde_json::json!({"input": long(201)}),
        )
        .await;
    assert!(refused.contains("A todo is at most 200 characters; this one has 201."));
    assert!(
        !refused.contains(&long(201)[..4]),
        "added anyway: {refused}"
    );
    let (status, renamed) = visitor
        .send(
            Method::PUT,
            &format!("{TODOS}/1"),
            &serde_json::json!({"title": long(201)}).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(renamed.contains("A todo is at most 200 characters; this one has 201."));
    assert!(
        renamed.contains("Taste Datastar"),
        "the title changed: {renamed}"
    );

    // Click to edit: 50 characters a name, 254 an email.
    let contact = serde_json::json!({"first": long(51), "last": "L", "email": format!("{}@x.org", long(250))});
    let (status, form) = visitor
        .send(
            Method::PUT,
            "/examples/click_to_edit/contact/1",
            &contact.to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("at most 50 characters") && form.contains("at most 254 characters"));
    assert!(
        visitor
            .page("/examples/click_to_edit/contact/1")
            .await
            .contains("Joe")
    );

    // Active search: 100 characters.
    let query: String = form_urlencoded::byte_serialize(
        serde_json::json!({"search": long(101)})
            .to_string()
            .as_bytes(),
    )
    .collect();
    let found = visitor
        .page(&format!("/examples/active_search/search?datastar={query}"))
        .await;
    assert!(
        found.contains("A search is at most 100 characters."),
        "{found}"
    );
}

#[tokio::test]
async fn a_visitor_keeps_at_most_100_todos() {
    let addr = gallery().await;
    let mut visitor = Visitor::new(addr).await;
    visitor.page(TODOS).await;
    for n in 3..=100 {
        let added = visitor
            .post(
                &format!("{TODOS}/add"),
                serde_json::json!({"input": format!("todo {n}")}),
            )
            .await;
        assert!(added.contains(&format!(">todo {n}<")), "todo {n}");
    }
    let refused = visitor
        .post(
            &format!("{TODOS}/add"),
            serde_json::json!({"input": "one too many"}),
        )
        .await;
    assert!(
        refused.contains("At most 100 todos: clear some first."),
        "{refused}"
    );
    assert!(!refused.contains("one too many<"));
}

#[tokio::test]
async fn past_1000_visitors_the_least_recently_seen_is_forgotten() {
    let addr = gallery().await;
    let mut first = Visitor::new(addr).await;
    first.page(TODOS).await;
    first
        .post(
            &format!("{TODOS}/add"),
            serde_json::json!({"input": "remember me"}),
        )
        .await;
    assert!(first.page(TODOS).await.contains("remember me"));
    let mut client = Client::http1(addr).await;
    for _ in 0..1000 {
        let (status, _, _) = read_all(client.get(TODOS).await).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert!(!first.page(TODOS).await.contains("remember me"));
}

/// The front door: the landing page says what the crate is and how to start, an unknown path
/// is a real 404 page, the favicon is served, and each example's page marks itself in the nav.
#[tokio::test]
async fn the_landing_page_404_favicon_and_nav() {
    let addr = serve(app::app(app::Client::Cdn)).await;
    let mut visitor = Visitor::new(addr).await;
    let home = visitor.page("/").await;
    // The snippets are text: read them as the browser shows them.
    let shown = home
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    for needle in [
        "datastar-runtime = \"0.1\"",
        "#[fragment(selector = \"#contact_{id}\", mode = \"outer\")]",
        "error: unknown mode `apend`",
        "href=\"/examples/live_feed\"",
        "href=\"https://data-star.dev\"",
        "<a href=\"/\" aria-current=\"page\">",
    ] {
        assert!(shown.contains(needle), "the landing page lacks {needle:?}");
    }

    let (status, page) = visitor.send(Method::GET, "/no/such/page", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.contains("No such page") && page.contains("href=\"/\""),
        "{page}"
    );

    let (status, icon) = visitor.send(Method::GET, "/favicon.svg", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(icon.starts_with("<svg"), "{icon}");

    let example = visitor.page("/examples/todomvc").await;
    assert!(
        example.contains("<a href=\"/examples/todomvc\" aria-current=\"page\">"),
        "the nav marks the page it is on"
    );
    assert!(!example.contains("<a href=\"/\" aria-current"));
    assert!(example.contains("rel=\"icon\""));
}

/// Reads the stream's chunks until one holds every one of `needles`; returns that chunk.
async fn until(stream: &mut datastar_tests::Stream, needles: &[&str]) -> String {
    loop {
        let chunk = stream.next_chunk().await.expect("the stream stays open");
        let text = String::from_utf8(chunk.to_vec()).unwrap();
        if needles.iter().all(|n| text.contains(n)) {
            return text;
        }
    }
}

#[tokio::test]
async fn the_wire_streams_each_visitors_own_exchanges_escaped_with_both_sizes() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    alice.page("/examples/click_to_edit").await;
    bob.page("/examples/click_to_edit").await;
    let wire = |cookie: String| async move {
        let headers = [("datastar-request", "true"), ("cookie", cookie.as_str())];
        datastar_tests::Stream::get(addr, "/wire/click_to_edit", &headers).await
    };
    let mut alices = wire(alice.cookie.clone().unwrap()).await;
    until(&mut alices, &["Nothing yet."]).await;

    // Alice's edit, asked for with brotli as Chromium does.
    let cookie = alice.cookie.clone().unwrap();
    let mut client = Client::http1(addr).await;
    let headers = [
        ("datastar-request", "true"),
        ("cookie", cookie.as_str()),
        ("accept-encoding", "br"),
    ];
    let response = client
        .send(
            Method::GET,
            "/examples/click_to_edit/contact/1/edit",
            &headers,
            String::new(),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let compressed = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    let shown = until(
        &mut alices,
        &[
            "/examples/click_to_edit/contact/1/edit",
            "text/event-stream, br · 1 event",
        ],
    )
    .await;
    assert!(shown.contains("event: datastar-patch-elements"), "{shown}");
    // The event as text, escaped into the panel: its markup shows, it does not run.
    assert!(
        shown.contains("&lt;div id=&quot;contact_1&quot;"),
        "{shown}"
    );
    let sizes = shown
        .split("<span class=\"size\">")
        .nth(1)
        .and_then(|s| s.split(" on the wire").next())
        .unwrap();
    let sizes: Vec<usize> = sizes
        .split(" → ")
        .map(|s| s.trim_end_matches(" B").parse().unwrap())
        .collect();
    assert!(sizes[1] < sizes[0], "brotli makes it smaller: {sizes:?}");
    assert_eq!(sizes[1], compressed.len(), "the wire size is the body's");

    // Signals that would close the panel's markup are shown as text.
    let hostile = r#"{"first":"</pre><script>alert(1)</script>","last":"B","email":"x"}"#;
    let (status, _) = alice
        .send(Method::PUT, "/examples/click_to_edit/contact/1", hostile)
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = until(&mut alices, &["PUT"]).await;
    assert!(
        shown.contains("&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{shown}"
    );
    assert!(!shown.contains("<script>alert"), "{shown}");

    // Bob sees none of it.
    let mut bobs = wire(bob.cookie.clone().unwrap()).await;
    until(&mut bobs, &["Nothing yet."]).await;

    // Only the examples have a wire.
    let (status, _) = alice.send(Method::GET, "/wire/no_such_example", "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn click_to_edit_resets_and_active_search_says_when_no_one_matches() {
    let addr = gallery().await;
    let mut visitor = Visitor::new(addr).await;
    visitor.page("/examples/click_to_edit").await;
    let contact = r#"{"first":"Ada","last":"Lovelace","email":"ada@lovelace.org"}"#;
    let (status, saved) = visitor
        .send(Method::PUT, "/examples/click_to_edit/contact/1", contact)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(saved.contains("Ada"), "{saved}");
    let (status, reset) = visitor
        .send(Method::PATCH, "/examples/click_to_edit/contact/1/reset", "")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        reset.contains(r#"<span class="first">Joe</span>"#),
        "{reset}"
    );
    let (_, view) = visitor
        .send(Method::GET, "/examples/click_to_edit/contact/1", "")
        .await;
    assert!(
        view.contains(r#"<span class="first">Joe</span>"#),
        "stored: {view}"
    );

    let query = "/examples/active_search/search?datastar=%7B%22search%22%3A%22zzz%22%7D";
    let (status, found) = visitor.send(Method::GET, query, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(found.contains("No one matches “zzz”."), "{found}");
}

const ESSAY: &str = "/essay/click_to_edit";

#[tokio::test]
async fn the_essay_speaks_the_seed_dialect_and_keeps_each_visitor_s_contact() {
    let addr = gallery().await;
    let (mut alice, mut bob) = (Visitor::new(addr).await, Visitor::new(addr).await);
    let page = alice.page(ESSAY).await;
    assert!(
        page.contains(r#"data-on-load="$$get('/essay/click_to_edit/contact/1')""#),
        "{page}"
    );
    assert!(page.contains("@sudodevnull/datastar@0.19.9/dist/datastar.iife.js"));
    bob.page(ESSAY).await;

    let shown = alice.page(&format!("{ESSAY}/contact/1")).await;
    assert!(
        shown.starts_with(
            "event: datastar-fragment\ndata: selector #contact_1\ndata: merge morph\n\
             data: settle 0\ndata: fragment <div id=\"contact_1\">"
        ),
        "{shown}"
    );
    let edit = alice.page(&format!("{ESSAY}/contact/1/edit")).await;
    assert!(
        edit.contains(
            "event: datastar-signal\ndata: store \
             {\"email\":\"joe\\u0040blow.com\",\"firstName\":\"Joe\",\"lastName\":\"Blow\"}\n"
        ),
        "{edit}"
    );

    let contact = |first: &str| {
        serde_json::json!({"firstName": first, "lastName": "L", "email": "a@b.c"}).to_string()
    };
    let (status, saved) = alice
        .send(Method::PUT, &format!("{ESSAY}/contact/1"), &contact("Ada"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        saved.contains("<span class=\"first\">Ada</span>"),
        "{saved}"
    );
    let bobs = bob.page(&format!("{ESSAY}/contact/1")).await;
    assert!(bobs.contains(">Joe<"), "Bob sees Alice's contact: {bobs}");

    // A name over 50 characters is the form again, with why; a store over 4 KiB is refused.
    let (_, long) = alice
        .send(
            Method::PUT,
            &format!("{ESSAY}/contact/1"),
            &contact(&"x".repeat(51)),
        )
        .await;
    assert!(long.contains("names are at most 50 characters"), "{long}");
    let (status, _) = alice
        .send(
            Method::PUT,
            &format!("{ESSAY}/contact/1"),
            &contact(&"x".repeat(5000)),
        )
        .await;
    assert!(status.is_client_error(), "{status}");
    assert!(
        alice
            .page(&format!("{ESSAY}/contact/1"))
            .await
            .contains(">Ada<")
    );
}
