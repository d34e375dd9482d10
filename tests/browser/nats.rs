//! The gallery as a cluster in Chromium: two gallery apps, each with its own hub, its own
//! live-feed list and its own NATS connection, on two ports of this process, linked only
//! through a real `nats-server` started here (as `gallery --nats URL` runs them, but in one
//! test process). Needs the `nats` feature and `nats-server` on PATH.

use datastar_runtime::nats::Nats;
use datastar_tests::Broker;

use crate::gallery::app;
use crate::harness::{Datastar, ENTER, serve_app, with_browsers};

/// The posts of the live feed, newest first, without their times.
const POSTS: &str = "[...document.querySelectorAll('#posts li')]\
                     .map(li => li.textContent.replace(/^\\S+ /, '')).join('|')";

/// A tab on each gallery: a post in either shows in both, and a tab opened later on either
/// starts with both posts.
#[tokio::test]
async fn two_tabs_on_two_galleries_share_one_live_feed_through_nats() {
    let broker = Broker::start().await;
    with_browsers(2, move |tabs| async move {
        let client = Datastar::V101;
        client.source(); // fails with what to do when the client was not fetched
        let mut pages = Vec::new();
        for _ in 0..2 {
            let nats = Nats::connect(broker.url()).await?;
            let gallery = app::cluster_app(app::Client::Local(client.path()), &nats).await?;
            pages.push(format!("{}/examples/live_feed", serve_app(gallery).await));
        }
        let (a, b) = (&tabs[0], &tabs[1]);
        a.goto(&pages[0]).await?;
        b.goto(&pages[1]).await?;
        for tab in &tabs {
            tab.wait_text("#feed_status", "● live").await?;
        }

        a.type_into("#message", "hello from A").await?;
        a.click("#post").await?;
        for tab in &tabs {
            tab.wait_eq(POSTS, "hello from A", "A's post in both tabs")
                .await?;
        }
        b.type_into("#message", &format!("and from B{ENTER}"))
            .await?;
        for tab in &tabs {
            tab.wait_eq(POSTS, "and from B|hello from A", "both posts in both tabs")
                .await?;
        }
        // Each gallery keeps the list of both: a tab that opens later starts with it.
        a.goto(&pages[1]).await?;
        a.wait_text("#feed_status", "● live").await?;
        a.wait_eq(POSTS, "and from B|hello from A", "a new tab on B")
            .await?;
        b.goto(&pages[0]).await?;
        b.wait_text("#feed_status", "● live").await?;
        b.wait_eq(POSTS, "and from B|hello from A", "a new tab on A")
            .await?;
        b.screenshot("live_feed_cluster").await?;
        drop(broker);
        Ok(())
    })
    .await;
}
