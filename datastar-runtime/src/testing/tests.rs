//! The kit's SSE reader agrees with an independent one (`eventsource-stream`), and reads back
//! what the encoder wrote.

use futures_util::StreamExt;
use proptest::prelude::*;

use super::*;
use crate::{Dialect, Event, ExecuteScript, Mode, PatchElements, PatchSignals, Selector, encode};

/// Text with every line break, quotes, markup and a line separator.
fn text() -> impl Strategy<Value = String> {
    "[a-z<>\"' :\r\n\u{2028}]{0,24}"
}

fn event() -> impl Strategy<Value = Event> {
    let selectors = ["#a", ".b > li", "main"];
    prop_oneof![
        text().prop_map(|html| PatchElements::new(html).into()),
        (text(), 0..3usize, 0..7usize).prop_map(move |(html, s, m)| {
            let mode = [
                Mode::Outer,
                Mode::Inner,
                Mode::Replace,
                Mode::Prepend,
                Mode::Append,
                Mode::Before,
                Mode::After,
            ][m];
            PatchElements::new(html)
                .selector(Selector::new(selectors[s]).unwrap())
                .mode(mode)
                .id(crate::EventId::new(format!("e{s}{m}")).unwrap())
                .into()
        }),
        text().prop_map(|s| PatchSignals::new(&serde_json::json!({ "s": s }))
            .unwrap()
            .into()),
        text().prop_map(|s| ExecuteScript::new(s).into()),
    ]
}

/// What `eventsource-stream` reads from `body`, fed in two chunks split at `at`.
fn independent(body: &[u8], at: usize) -> Vec<eventsource_stream::Event> {
    let at = at.min(body.len());
    let chunks = vec![
        Ok::<_, std::convert::Infallible>(Bytes::copy_from_slice(&body[..at])),
        Ok(Bytes::copy_from_slice(&body[at..])),
    ];
    let stream = eventsource_stream::Eventsource::eventsource(futures_util::stream::iter(chunks));
    futures_executor::block_on(stream.map(|e| e.unwrap()).collect())
}

proptest! {
    #[test]
    fn the_sse_reader_agrees_with_eventsource_stream(
        events in prop::collection::vec(event(), 0..6),
        at in 0..2000usize,
    ) {
        let mut body = Vec::new();
        for event in &events {
            encode(event, Dialect::V1, &mut body).unwrap();
        }
        let ours = parse_sse(std::str::from_utf8(&body).unwrap());
        let theirs = independent(&body, at);
        prop_assert_eq!(ours.len(), theirs.len());
        let mut last_id = String::new();
        for (ours, theirs) in ours.iter().zip(&theirs) {
            if let Some(id) = &ours.id {
                last_id = id.clone();
            }
            prop_assert_eq!(&ours.event, &theirs.event);
            prop_assert_eq!(&ours.data, &theirs.data);
            prop_assert_eq!(&last_id, &theirs.id);
        }
    }

    #[test]
    fn patches_read_back_as_they_were_made(html in text(), s in text()) {
        let patch = PatchElements::new(html.clone())
            .selector(Selector::new("#a").unwrap())
            .mode(Mode::Append);
        let mut body = Vec::new();
        encode(&patch.into(), Dialect::V1, &mut body).unwrap();
        encode(&PatchSignals::new(&serde_json::json!({ "s": s })).unwrap().into(), Dialect::V1, &mut body).unwrap();
        let sent = parse(&body).unwrap();
        // The client reads every line break as `\n`.
        let html = html.replace("\r\n", "\n").replace('\r', "\n");
        match &sent[..] {
            [Sent::PatchElements(e), Sent::PatchSignals(p)] => {
                prop_assert_eq!(e.selector(), Some("#a"));
                prop_assert_eq!(e.mode(), "append");
                // An empty patch at a selector writes no elements line.
                prop_assert_eq!(e.elements(), html.as_str());
                prop_assert_eq!(p.signals(), &serde_json::json!({ "s": s }));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

#[test]
fn comments_retry_and_unfinished_events() {
    let events =
        parse_sse(": keep-alive\n\nevent: x\nretry: 250\nid: 7\ndata:a\ndata: b\n\ndata: cut");
    assert_eq!(
        events,
        [SseEvent {
            event: "x".into(),
            data: "a\nb".into(),
            id: Some("7".into()),
            retry: Some(Duration::from_millis(250)),
        }]
    );
}

#[test]
fn signals_merge_in_order_and_null_removes() {
    let response = TestResponse {
        status: StatusCode::OK,
        headers: HeaderMap::new(),
        body: Bytes::from_static(
            b"event: datastar-patch-signals\ndata: signals {\"a\":{\"b\":1,\"c\":2},\"d\":3}\n\n\
              event: datastar-patch-signals\ndata: signals {\"a\":{\"b\":null},\"d\":[1]}\n\n",
        ),
    };
    assert_eq!(
        response.signals(),
        serde_json::json!({ "a": { "c": 2 }, "d": [1] })
    );
    assert!(parse(b"event: datastar-patch-signals\ndata: signals {oops\n\n").is_err());
}

/// Signals go where the client puts them, and `Last-Event-ID` reaches the handler.
#[tokio::test]
async fn the_client_sends_what_the_datastar_client_sends() {
    use crate::{DatastarLayer, DatastarRequest, LastEventId, ReadSignals, Signals};
    use axum::routing::any;
    async fn echo(
        request: DatastarRequest,
        LastEventId(last): LastEventId,
        method: Method,
        uri: http::Uri,
        ReadSignals(signals): Signals,
    ) -> String {
        let in_query = uri.query().is_some_and(|q| q.starts_with("datastar="));
        format!(
            "{method} {} {in_query} {last:?} {}",
            request.0,
            serde_json::Value::Object(signals)
        )
    }
    let client = TestClient::new(
        Router::new()
            .route("/", any(echo))
            .layer(DatastarLayer::new()),
    );
    let json = serde_json::json!({ "q": "a&b c" });
    let get = client
        .get("/")
        .signals(&json)
        .last_event_id("41")
        .send()
        .await;
    assert_eq!(
        get.assert_status(200).text(),
        r#"GET true true Some("41") {"q":"a&b c"}"#
    );
    let query = client.query("/").signals(&json).send().await;
    assert_eq!(query.text(), r#"QUERY true false None {"q":"a&b c"}"#);
    let post = client.post("/").signals(&json).send().await;
    assert_eq!(post.text(), r#"POST true false None {"q":"a&b c"}"#);
}
