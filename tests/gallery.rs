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
