//! The fuzz harness: random input, as much of it as time allows, through every part that reads
//! or writes bytes a stranger controls. Nothing may panic.
//!
//! - **Events**: random events of every kind, with every option, values of every size (empty
//!   to 1 MiB) full of what breaks framing, encoded in every dialect, then read back by an
//!   independent SSE parser (`eventsource-stream`): one event, of the right type and id, made
//!   of field lines only.
//! - **Signals**: random bytes as the body, the query and the content type of a request, read
//!   by [`ReadSignals`] as untyped and typed signals: the signals or a 4xx, never a panic.
//! - **Selectors**: random text, CSS-like and not, through `datastar_syntax::selector::validate`
//!   and [`Selector::new`], which must agree.
//!
//! Each test runs for `DATASTAR_FUZZ_SECONDS` (1 unless set) and prints how many cases it ran:
//! `cargo test` runs it briefly, `scripts/fuzz 600` for ten minutes in a release build.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{Method, Request};
use datastar_runtime::{
    Dialect, Encoder, Event, EventId, ExecuteScript, Mode, Namespace, PatchElements, PatchSignals,
    ReadSignals, RemoveElements, RemoveSignals, Selector, SignalPath, Signals,
};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// How long each test runs.
fn budget() -> Duration {
    let seconds = std::env::var("DATASTAR_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(seconds)
}

/// Runs `test` on values of `strategy` until the time is up, in rounds of fresh random seeds;
/// a failure is shrunk by proptest and fails the test. Prints the case count.
fn fuzz<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value))
where
    S::Value: std::fmt::Debug,
{
    let cases = AtomicU64::new(0);
    let started = Instant::now();
    let budget = budget();
    loop {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |value| {
            cases.fetch_add(1, Relaxed);
            test(value);
            Ok(())
        });
        if let Err(failure) = result {
            panic!("fuzz {name}: {failure}");
        }
        if started.elapsed() >= budget {
            break;
        }
    }
    eprintln!(
        "fuzz {name}: {} cases in {:.1} s",
        cases.load(Relaxed),
        started.elapsed().as_secs_f64()
    );
}

/// Text of every size: mostly short and full of what breaks framing, sometimes any Unicode,
/// now and then up to 1 MiB.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "(?s)[a-z <>\"'=:;{}\\[\\]#.\\r\\n\\x00\\t\\\\é🦀]{0,32}",
        4 => any::<String>(),
        1 => ("(?s)[a-z\\r\\n\\x00é]{0,8}", 0usize..(1 << 20), "(?s)[a-z\\r\\n\\x00é]{0,8}")
            .prop_map(|(head, len, tail)| format!("{head}{}{tail}", "x".repeat(len))),
    ]
}

/// How to make one event; values that cannot be made (a selector with a line break) are
/// left out, as a user's would be rejected.
#[derive(Debug, Clone)]
enum Recipe {
    Patch {
        elements: String,
        selector: Option<String>,
        mode: Mode,
        view_transition: Option<Option<String>>,
        namespace: Namespace,
        settle: u64,
        replace: bool,
    },
    Remove {
        selector: String,
        view_transition: bool,
    },
    Signals {
        json: String,
        only_if_missing: bool,
    },
    RemoveSignals(Vec<String>),
    Script {
        script: String,
        keep: bool,
        attributes: Vec<(String, String)>,
    },
}

fn recipe() -> impl Strategy<Value = (Recipe, Option<String>, Option<u64>)> {
    let patch = (
        text(),
        prop::option::of(text()),
        prop::sample::select(Mode::ALL.to_vec()),
        prop::option::of(prop::option::of(text())),
        prop::sample::select(Namespace::ALL.to_vec()),
        0u64..2000,
        any::<bool>(),
    )
        .prop_map(
            |(elements, selector, mode, view_transition, namespace, settle, replace)| {
                Recipe::Patch {
                    elements,
                    selector,
                    mode,
                    view_transition,
                    namespace,
                    settle,
                    replace,
                }
            },
        );
    let json = prop_oneof![
        text().prop_map(|t| serde_json::json!({ "k": t }).to_string()),
        text(),
    ];
    let kind = prop_oneof![
        4 => patch,
        1 => (text(), any::<bool>())
            .prop_map(|(selector, view_transition)| Recipe::Remove { selector, view_transition }),
        2 => (json, any::<bool>())
            .prop_map(|(json, only_if_missing)| Recipe::Signals { json, only_if_missing }),
        1 => prop::collection::vec(text(), 0..4).prop_map(Recipe::RemoveSignals),
        2 => (text(), any::<bool>(), prop::collection::vec((text(), text()), 0..3))
            .prop_map(|(script, keep, attributes)| Recipe::Script { script, keep, attributes }),
    ];
    (
        kind,
        prop::option::of(text()),
        prop::option::of(0u64..100_000),
    )
}

/// The event, or `None` when one of its values is rejected (it must say why, not panic).
fn make((recipe, id, retry): &(Recipe, Option<String>, Option<u64>)) -> Option<Event> {
    let selector = |s: &str| Selector::new(s.to_owned()).ok();
    let event: Event = match recipe {
        Recipe::Patch {
            elements,
            selector: target,
            mode,
            view_transition,
            namespace,
            settle,
            replace,
        } => {
            let mut event = PatchElements::new(elements.clone())
                .namespace(*namespace)
                .settle(Duration::from_millis(*settle));
            if *replace {
                event = event.replace();
            }
            match view_transition {
                Some(Some(s)) => event = event.view_transition_selector(selector(s)?),
                Some(None) => event = event.view_transition(),
                None => {}
            }
            match target {
                Some(s) => event.selector(selector(s)?).mode(*mode).into(),
                None => event.into(),
            }
        }
        Recipe::Remove {
            selector: s,
            view_transition,
        } => {
            let event = RemoveElements::new(selector(s)?);
            if *view_transition {
                event.view_transition().into()
            } else {
                event.into()
            }
        }
        Recipe::Signals {
            json,
            only_if_missing,
        } => {
            let event = PatchSignals::raw(json.clone()).ok()?;
            if *only_if_missing {
                event.only_if_missing().into()
            } else {
                event.into()
            }
        }
        Recipe::RemoveSignals(paths) => {
            let paths: Option<Vec<_>> = paths
                .iter()
                .map(|p| SignalPath::new(p.clone()).ok())
                .collect();
            RemoveSignals::new(paths?).into()
        }
        Recipe::Script {
            script,
            keep,
            attributes,
        } => {
            let mut event = ExecuteScript::new(script.clone());
            if *keep {
                event = event.keep();
            }
            for (name, value) in attributes {
                event = event.attribute(name.clone(), value.clone()).ok()?;
            }
            event.into()
        }
    };
    let mut event = event;
    if let Some(id) = id {
        event = event.id(EventId::new(id.clone()).ok()?);
    }
    if let Some(retry) = retry {
        event = event.retry(Duration::from_millis(*retry));
    }
    Some(event)
}

/// What an independent SSE parser makes of `bytes`: (type, id, data) of each event.
fn parse(bytes: &[u8]) -> Vec<(String, String, String)> {
    let chunks = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(bytes.to_vec())]);
    futures_executor::block_on(chunks.eventsource().collect::<Vec<_>>())
        .into_iter()
        .map(|event| {
            let event = event.expect("the parser accepts every event");
            (event.event, event.id, event.data)
        })
        .collect()
}

/// One encoded event is field lines (`event`, `id`, `retry`, `data`) ended by one empty line,
/// and the parser reads it back as one event of its type and id (none when it has no data
/// line: SSE clients drop such an event).
fn check_framing(event: &Event, dialect: Dialect, bytes: &[u8]) {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    let body = text
        .strip_suffix("\n\n")
        .unwrap_or_else(|| panic!("{dialect:?}: not ended by an empty line: {text:.300?}"));
    let mut kind = None;
    let mut data_lines = 0;
    for line in body.split('\n') {
        assert!(!line.contains('\r'), "{dialect:?}: a CR inside a line");
        let (field, _) = line
            .split_once(": ")
            .unwrap_or_else(|| panic!("{dialect:?}: not a field line: {line:.200?}"));
        match field {
            "event" => kind = Some(&line[7..]),
            "data" => data_lines += 1,
            "id" | "retry" => {}
            other => panic!("{dialect:?}: unexpected field {other:?}"),
        }
    }
    let kind = kind.expect("an event line");
    assert!(kind.starts_with("datastar"), "{kind}");
    let seen = parse(bytes);
    if data_lines == 0 {
        assert!(seen.is_empty(), "{dialect:?}: {seen:.200?}");
        return;
    }
    assert_eq!(
        seen.len(),
        1,
        "{dialect:?}: one event in, {} out",
        seen.len()
    );
    let (seen_kind, seen_id, _) = &seen[0];
    assert_eq!(seen_kind, kind);
    let id = event.meta().id().map_or("", EventId::as_str);
    assert_eq!(seen_id, id);
}

#[test]
fn random_events_keep_their_framing_in_every_dialect() {
    let mut encoders = [Dialect::V1, Dialect::Beta, Dialect::Seed].map(Encoder::new);
    let encoders = std::sync::Mutex::new(&mut encoders);
    fuzz("events", recipe(), |recipe| {
        let Some(event) = make(&recipe) else { return };
        for encoder in encoders.lock().unwrap().iter_mut() {
            let dialect = encoder.dialect();
            // A dialect that cannot express the event says so; that is not a failure.
            let Ok(bytes) = encoder.encode(&event) else {
                continue;
            };
            check_framing(&event, dialect, &bytes);
        }
    });
}

/// Bytes a client might send as signals: random, JSON with a flipped byte, deep nesting.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..256),
        3 => (text(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(t, at, byte)| {
            let mut json = serde_json::json!({ "a": 1, "b": t, "nested": [1, 2] })
                .to_string()
                .into_bytes();
            let at = at.index(json.len());
            json[at] = byte;
            json
        }),
        1 => (0usize..100_000, prop::sample::select(vec!["[", "{\"a\":", "[{\"b\":"]))
            .prop_map(|(depth, open)| open.repeat(depth).into_bytes()),
        2 => text().prop_map(String::into_bytes),
    ]
}

#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // read by serde only
struct Typed {
    a: i64,
    b: Option<String>,
    nested: Vec<u8>,
}

fn request(method: &Method, payload: &[u8], content_type: &str) -> Request<Body> {
    let builder = Request::builder()
        .method(method.clone())
        .header("datastar-request", "true");
    let builder = match http::HeaderValue::from_str(content_type) {
        Ok(value) => builder.header("content-type", value),
        Err(_) => builder,
    };
    if matches!(*method, Method::GET | Method::DELETE) {
        // http refuses a URI over 64 KiB (so would any server): a longer payload is cut.
        let query: String = payload
            .iter()
            .take(20_000)
            .map(|b| format!("%{b:02X}"))
            .collect();
        builder
            .uri(format!("/s?datastar={query}"))
            .body(Body::empty())
    } else {
        builder.uri("/s").body(Body::from(payload.to_vec()))
    }
    .expect("a request")
}

#[test]
fn random_signals_are_read_or_refused_with_a_4xx() {
    let methods = vec![
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    let strategy = (
        prop::sample::select(methods),
        payload(),
        "(application/json|text/plain|[ -~]{0,20})",
    );
    fuzz("signals", strategy, |(method, payload, content_type)| {
        let untyped = futures_executor::block_on(Signals::from_request(
            request(&method, &payload, &content_type),
            &(),
        ));
        let typed = futures_executor::block_on(ReadSignals::<Typed>::from_request(
            request(&method, &payload, &content_type),
            &(),
        ));
        for rejection in [untyped.err(), typed.err()].into_iter().flatten() {
            assert!(
                rejection.status().is_client_error(),
                "{}: {}",
                rejection.status(),
                rejection.message()
            );
            assert!(!rejection.message().is_empty());
        }
    });
}

#[test]
fn random_selectors_are_validated_without_panicking() {
    let strategy = prop_oneof![
        4 => "[a-z0-9#.:()\\[\\]=\"'*>+~|^$ ,\\\\_@!{}-]{0,40}",
        1 => "(:(nth-child|nth-of-type|not|is|has|where)\\([-+0-9n of.#a-z ]{0,12}\\)){1,3}",
        2 => any::<String>(),
    ];
    fuzz("selectors", strategy, |css: String| {
        let valid = datastar_syntax::selector::validate(&css);
        let made = Selector::new(css.clone());
        if !css.contains(['\r', '\n']) {
            assert_eq!(valid.is_ok(), made.is_ok(), "{css:?}: {valid:?} / {made:?}");
        }
        if let Err(err) = valid {
            assert!(err.offset() <= css.len(), "{css:?}: {err:?}");
        }
    });
}
