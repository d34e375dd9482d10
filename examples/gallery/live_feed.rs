//! Live feed: a shared feed that every open tab sees update at once.
//!
//! Each tab opens one long-lived stream on load (`data-init`): a subscription to the runtime's
//! [`Hub`](datastar_runtime::Hub), which starts with the feed as it stands. A post is a plain
//! POST that publishes the whole list (a "fat morph": the browser morphs it in place, and the
//! compressed stream sends only what changed) and clears the poster's input. The hub encodes
//! each publish once for all tabs, and a tab too slow to keep up gets the list as it is now.
//!
//! A post is at most 280 characters (a longer one is refused with a message under the input),
//! and the feed keeps the 20 latest.
//!
//! Run as a cluster (`gallery --nats nats://127.0.0.1:4222`, built with the `nats` feature),
//! the hub is shared through NATS: a post on any gallery process reaches the tabs of every
//! process. Each process also keeps the list itself, for new tabs and resyncs, so the post is
//! sent to the others on a subject of its own (`gallery.posts`); concurrent posts on two
//! processes may be listed in a different order on each until the next post.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "live_feed",
    title: "Live feed",
    blurb: "Open this page in two tabs: a post shows up in both at once.",
    source: include_str!("live_feed.rs"),
};

/// The most recent posts kept for tabs that join later.
const KEEP: usize = 20;
/// The longest post, in characters.
const MAX_POST: usize = 280;

#[derive(Clone, serde::Serialize, Deserialize)]
struct Post {
    time: String,
    text: String,
}

#[derive(Clone)]
struct Feed {
    posts: Arc<Mutex<Vec<Post>>>,
    /// One topic: the feed.
    hub: Hub<()>,
    /// Tells the other gallery processes of each post, when run as a cluster.
    #[cfg(feature = "nats")]
    cluster: Option<Cluster>,
}

/// What a process needs to share its posts with the others.
#[cfg(feature = "nats")]
#[derive(Clone)]
struct Cluster {
    client: datastar_runtime::nats::async_nats::Client,
    /// This process, so that it ignores its own posts coming back.
    origin: u64,
}

/// The subject the posts themselves go on, for each process's list.
#[cfg(feature = "nats")]
const POSTS: &str = "gallery.posts";

/// A post as sent to the other processes.
#[cfg(feature = "nats")]
#[derive(serde::Serialize, Deserialize)]
struct Shared {
    origin: u64,
    post: Post,
}

#[derive(Deserialize, Signals)]
struct Draft {
    message: String,
    /// Why the last post was refused, shown under the input; only the server sets it.
    #[serde(default)]
    #[allow(dead_code)]
    error: String,
}

pub fn routes(layout: Layout) -> Router {
    let (posts, hub) = feed();
    router(
        layout,
        Feed {
            posts,
            hub,
            #[cfg(feature = "nats")]
            cluster: None,
        },
    )
}

/// The routes of one process of a cluster: its hub shared on `nats`, and its list kept up to
/// date with the posts of every other process.
#[cfg(feature = "nats")]
pub async fn cluster_routes(
    layout: Layout,
    nats: &datastar_runtime::nats::Nats,
) -> Result<Router, Box<dyn std::error::Error + Send + Sync>> {
    let (posts, hub) = feed();
    // Subscribed before the hub joins: the hub's join waits until the server has processed
    // its own subscription, so this one, sent before on the same connection, too.
    let mut incoming = nats.client().subscribe(POSTS).await?;
    let hub = hub.with_nats(nats, "gallery.live_feed").await?;
    let mut origin = [0; 8];
    getrandom::fill(&mut origin)?;
    let origin = u64::from_le_bytes(origin);
    tokio::spawn({
        let posts = posts.clone();
        async move {
            use futures_util::StreamExt;
            while let Some(message) = incoming.next().await {
                // The post's tabs everywhere got it through the hub: only the list changes.
                match serde_json::from_slice::<Shared>(&message.payload) {
                    Ok(shared)
                        if shared.origin != origin
                            && shared.post.text.chars().count() <= MAX_POST =>
                    {
                        keep(&mut posts.lock().unwrap(), shared.post);
                    }
                    Ok(_) => {}
                    Err(error) => eprintln!("live feed: a malformed post from NATS: {error}"),
                }
            }
        }
    });
    let cluster = Cluster {
        client: nats.client().clone(),
        origin,
    };
    Ok(router(
        layout,
        Feed {
            posts,
            hub,
            cluster: Some(cluster),
        },
    ))
}

/// The list, and a hub whose resync is the whole list as it is now.
fn feed() -> (Arc<Mutex<Vec<Post>>>, Hub<()>) {
    let posts: Arc<Mutex<Vec<Post>>> = Arc::default();
    // A tab that fell behind gets the whole list as it is now.
    let hub = Hub::new({
        let posts = posts.clone();
        move |_: &()| [patch!(list(&posts.lock().unwrap()))]
    });
    (posts, hub)
}

/// Adds `post`, keeping the latest ones.
fn keep(posts: &mut Vec<Post>, post: Post) {
    posts.push(post);
    let excess = posts.len().saturating_sub(KEEP);
    posts.drain(..excess);
}

fn router(layout: Layout, feed: Feed) -> Router {
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
        // Every signal this markup reads is a field of `Draft`, or the build fails.
        #![signals = Draft]
        // The stream belongs to an element that no patch replaces, so it lives as long as the page.
        // The client reports its stream's trouble as `datastar-fetch` events: while it retries,
        // `$_offline` (kept in the browser by its `_`) says so instead of "● live".
        div #live_feed data-signals="{message: '', error: '', _offline: false}" data-init="@get('/examples/live_feed/updates')"
            data-class:offline="$_offline"
            data-on:datastar-fetch="if (evt.detail.el !== el) return; \
                const type = evt.detail.type; \
                if (type === 'error' || type === 'retrying' || type === 'retries-failed') $_offline = true; \
                else if (type === 'datastar-patch-elements') $_offline = false" {
            div.row {
                input #message type="text" placeholder="Say something" data-bind:message
                    maxlength=(MAX_POST)
                    data-on:keydown="evt.key === 'Enter' && @post('/examples/live_feed/post')";
                button #post data-on:click="@post('/examples/live_feed/post')" { "Post" }
            }
            p #message_error.error data-show="$error" data-text="$error" {}
            p #feed_status.muted { "connecting…" }
            p #feed_offline.error style="display: none" data-show="$_offline" {
                "○ offline: the server cannot be reached; reconnecting…"
            }
            ul #posts {}
        }
    }
}

fn list(posts: &[Post]) -> Markup {
    html! { ul #posts { @for post in posts.iter().rev() { (item(post)) } } }
}

fn item(post: &Post) -> Markup {
    html! { li { span.muted { (post.time) } " " (post.text) } }
}

/// `GET /updates`: the feed now, then the feed each time it changes, for as long as the tab
/// stays. A tab that reconnects sends the id of the last update it got, and gets only the
/// updates it missed (or the list as it is now, if the hub no longer keeps them).
async fn updates(State(feed): State<Feed>, LastEventId(last): LastEventId) -> Subscription<()> {
    // Subscribe before taking the snapshot, so that no post falls between the two.
    let subscription = feed.hub.resume((), last.as_deref());
    let snapshot = list(&feed.posts.lock().unwrap());
    let status = html! { p #feed_status.muted { "● live" } };
    subscription.first([patch!(snapshot), patch!(status)])
}

/// `POST /post`: shares the message with every tab, and empties the poster's input; or, for a
/// message too long, says so under it.
async fn publish(
    State(feed): State<Feed>,
    ReadSignals(Draft { message, .. }): ReadSignals<Draft>,
) -> PatchSignals {
    let text = message.trim();
    let length = text.chars().count();
    if length > MAX_POST {
        let error = format!("A post is at most {MAX_POST} characters; this one has {length}.");
        return signals!({ "error": error });
    }
    if !text.is_empty() {
        let post = Post {
            time: clock(),
            text: text.to_owned(),
        };
        #[cfg(feature = "nats")]
        if let Some(cluster) = &feed.cluster {
            let shared = Shared {
                origin: cluster.origin,
                post: post.clone(),
            };
            let client = cluster.client.clone();
            let payload = serde_json::to_vec(&shared).unwrap_or_default();
            tokio::spawn(async move { client.publish(POSTS, payload.into()).await });
        }
        let mut posts = feed.posts.lock().unwrap();
        keep(&mut posts, post);
        // Published under the lock, so tabs see the lists in the order they were made.
        feed.hub.publish(&(), patch!(list(&posts)));
    }
    signals!({ "message": "", "error": "" })
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
