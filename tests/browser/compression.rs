//! Compressed streams in Chromium with the Datastar 1.0.1 client.

use axum::Router;
use axum::routing::get;
use datastar_runtime::PatchElements;
use maud::html;

use crate::harness::{Datastar, page, serve, with_browser};

/// Chromium decodes brotli and zstd streams event by event. Over plain HTTP it only offers
/// gzip, so the test router says the browser accepts the one coding under test.
#[tokio::test]
async fn brotli_and_zstd_streams_patch_event_by_event() {
    use std::sync::{Arc, Mutex};
    for coding in ["br", "zstd"] {
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let record = seen.clone();
        // Tick `n` goes out only once the test has seen tick `n - 1` in the page: each event
        // must reach the DOM while the stream stays open, whatever the machine's load.
        let (allow, allowed) = tokio::sync::watch::channel(0u32);
        let stream = move || async move {
            let ticks =
                futures_util::stream::unfold((0u32, allowed), |(n, mut allowed)| async move {
                    (n < 3).then_some(())?;
                    allowed.wait_for(|&k| k > n).await.ok()?;
                    let rows: String = (0..30).map(|i| format!("<li>{i}:{n}</li>")).collect();
                    Some((
                        PatchElements::new(format!(r#"<ul id="ticks" data-n="{n}">{rows}</ul>"#)),
                        (n + 1, allowed),
                    ))
                });
            // Stay open, as a live stream does, after the last tick.
            let ticks = futures_util::StreamExt::chain(ticks, futures_util::stream::pending());
            datastar_runtime::Sse::new(ticks)
        };
        let app = Router::new()
            .route(
                "/",
                get(|| async {
                    page("stream", html! { ul #ticks data-init="@get('/stream')" {} })
                }),
            )
            .route("/stream", get(stream))
            .layer(datastar_runtime::DatastarLayer::new().compression(true))
            .layer(axum::middleware::map_response(
                move |response: axum::response::Response| {
                    let record = record.clone();
                    async move {
                        if let Some(coding) = response.headers().get("content-encoding") {
                            record
                                .lock()
                                .unwrap()
                                .push(coding.to_str().unwrap().to_owned());
                        }
                        response
                    }
                },
            ))
            .layer(axum::middleware::map_request(
                move |mut request: axum::extract::Request| async move {
                    request.headers_mut().insert(
                        "accept-encoding",
                        axum::http::HeaderValue::from_static(coding),
                    );
                    request
                },
            ));
        let base = serve(app, Datastar::V101).await;
        with_browser(move |tab| async move {
            tab.goto(&base).await?;
            for n in 0..3 {
                allow.send_replace(n + 1);
                let probe = "document.querySelector('#ticks').dataset.n";
                tab.wait_eq(probe, n.to_string(), &format!("{coding} tick {n}"))
                    .await?;
            }
            tab.wait_eq("document.querySelectorAll('#ticks li').length", 30, "rows")
                .await?;
            Ok(())
        })
        .await;
        assert!(
            seen.lock().unwrap().iter().any(|c| c == coding),
            "the stream went out as {coding}: {:?}",
            seen.lock().unwrap()
        );
    }
}
