//! Live feed: a shared feed that every open tab sees update at once.
//!
//! Each tab opens one long-lived stream on load (`data-init`). Its handler subscribes to a
//! broadcast of new posts, then sends the feed as it stands, then each new post as it comes,
//! through the runtime's [`channel`](datastar_runtime::channel). A post is a plain POST that broadcasts the message and
//! clears the poster's input.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use datastar_runtime::prelude::*;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "live_feed",
    title: "Live feed",
    blurb: "Open this page in two tabs: a post shows up in both at once.",
    source: include_str!("live_feed.rs"),
};

/// The most recent posts kept for tabs that join later.
const KEEP: usize = 20;

#[derive(Clone)]
struct Post {
    time: String,
    text: String,
}

#[derive(Clone)]
struct Feed {
    posts: Arc<Mutex<Vec<Post>>>,
    new_posts: broadcast::Sender<Post>,
}

#[derive(Deserialize)]
struct Draft {
    message: String,
}

pub fn routes(layout: Layout) -> Router {
    let feed = Feed {
        posts: Arc::default(),
        new_posts: broadcast::channel(64).0,
    };
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, demo()) }),
        )
        .route("/updates", get(updates))
        .route("/post", post(publish))
        .with_state(feed)
}

fn demo() -> Markup {
    html! {
        // The stream belongs to an element that no patch replaces, so it lives as long as the page.
        div #live_feed data-signals:message="''" data-init="@get('/examples/live_feed/updates')" {
            div.row {
                input #message type="text" placeholder="Say something" data-bind:message
                    data-on:keydown="evt.key === 'Enter' && @post('/examples/live_feed/post')";
                button #post data-on:click="@post('/examples/live_feed/post')" { "Post" }
            }
            p #feed_status.muted { "connecting…" }
            ul #posts {}
        }
    }
}

fn posts(posts: &[Post]) -> Markup {
    html! { ul #posts { @for post in posts.iter().rev() { (item(post)) } } }
}

fn item(post: &Post) -> Markup {
    html! { li { span.muted { (post.time) } " " (post.text) } }
}

/// `GET /updates`: the feed now, then every new post, for as long as the tab stays.
async fn updates(State(feed): State<Feed>) -> impl IntoResponse {
    let (sender, response) = channel(16);
    // Subscribe before taking the snapshot, so that no post falls between the two.
    let mut new_posts = feed.new_posts.subscribe();
    let snapshot = posts(&feed.posts.lock().unwrap());
    tokio::spawn(async move {
        let status = html! { p #feed_status.muted { "● live" } };
        for html in [snapshot, status] {
            if sender.send(patch!(html)).await.is_err() {
                return;
            }
        }
        loop {
            let post = tokio::select! {
                () = sender.closed() => return, // the tab went away
                post = new_posts.recv() => match post {
                    Ok(post) => post,
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            let event = patch!(selector = "#posts", merge = "prepend", item(&post));
            if sender.send(event).await.is_err() {
                return;
            }
        }
    });
    response
}

/// `POST /post`: shares the message with every tab, and empties the poster's input.
async fn publish(
    State(feed): State<Feed>,
    ReadSignals(Draft { message }): ReadSignals<Draft>,
) -> PatchSignals {
    let text = message.trim();
    if !text.is_empty() {
        let post = Post {
            time: clock(),
            text: text.to_owned(),
        };
        let mut posts = feed.posts.lock().unwrap();
        posts.push(post.clone());
        let excess = posts.len().saturating_sub(KEEP);
        posts.drain(..excess);
        // No tab listening is not an error.
        let _ = feed.new_posts.send(post);
    }
    PatchSignals::new(&json!({ "message": "" })).unwrap()
}

/// The time of day, UTC, as `HH:MM:SS`.
fn clock() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}
