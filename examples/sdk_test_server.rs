//! The server the official Datastar SDK test harness talks to.
//!
//! ```text
//! cargo run --release --example sdk_test_server -- --port 7331
//! ```
//!
//! Each request carries `{"events": [...]}` as its signals (GET and DELETE: the `datastar`
//! query parameter; POST, PUT and PATCH: the body), read with [`ReadSignals`] like any other
//! signals, and the server answers with one event per entry:
//!
//! - `/test`: Datastar 1.0 cases (`patchElements`, `patchSignals`, `executeScript`), V1 dialect;
//! - `/beta/test`: Beta cases (`mergeFragments`, `removeFragments`, `mergeSignals`,
//!   `removeSignals`, `executeScript`), Beta dialect;
//! - `/seed/test`: 1.0 `patchElements` cases, Seed dialect.
//!
//! The case format maps onto the runtime's typed events; anything malformed is a 400 that
//! says what was wrong.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use datastar_runtime::{
    DatastarLayer, Dialect, Event, EventId, Events, ExecuteScript, InvalidValue, Mode, Namespace,
    PatchElements, PatchSignals, ReadSignals, RemoveElements, RemoveSignals, Selector, SignalPath,
};
use serde::Deserialize;
use serde_json::Value;

/// The harness's request: the events to send back.
#[derive(Deserialize)]
struct Case {
    events: Vec<CaseEvent>,
}

/// One entry of `events`, by its `type`.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum CaseEvent {
    PatchElements(Elements),
    PatchSignals(Signals),
    ExecuteScript(Script),
    MergeFragments(Fragments),
    RemoveFragments(Removal),
    MergeSignals(Signals),
    RemoveSignals(Paths),
}

/// What every event may carry.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
    event_id: Option<String>,
    retry_duration: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Elements {
    #[serde(default)]
    elements: String,
    selector: Option<String>,
    mode: Option<String>,
    #[serde(default)]
    use_view_transition: bool,
    view_transition_selector: Option<String>,
    namespace: Option<String>,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fragments {
    #[serde(default)]
    fragments: String,
    selector: Option<String>,
    merge_mode: Option<String>,
    #[serde(default)]
    use_view_transition: bool,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Removal {
    selector: String,
    #[serde(default)]
    use_view_transition: bool,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Signals {
    signals: Option<Value>,
    /// JSON text sent as it is, line breaks and all; checked before `signals`.
    #[serde(rename = "signals-raw")]
    signals_raw: Option<String>,
    #[serde(default)]
    only_if_missing: bool,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Script {
    script: String,
    auto_remove: Option<bool>,
    /// Attributes in the order the harness wrote them; values may be any JSON scalar.
    #[serde(default, deserialize_with = "ordered")]
    attributes: Vec<(String, Value)>,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Deserialize)]
struct Paths {
    paths: Vec<String>,
    #[serde(flatten)]
    meta: Meta,
}

/// A JSON object as its entries in document order.
fn ordered<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<(String, Value)>, D::Error> {
    struct Entries;
    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Vec<(String, Value)>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of attributes")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut entries = Vec::new();
            while let Some(entry) = map.next_entry()? {
                entries.push(entry);
            }
            Ok(entries)
        }
    }
    d.deserialize_map(Entries)
}

/// Why a case cannot become an event; answered with 400.
struct BadCase(String);

impl From<InvalidValue> for BadCase {
    fn from(err: InvalidValue) -> Self {
        BadCase(err.to_string())
    }
}

impl IntoResponse for BadCase {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, self.0).into_response()
    }
}

impl CaseEvent {
    fn into_event(self) -> Result<Event, BadCase> {
        match self {
            CaseEvent::PatchElements(e) => patch_elements(e),
            CaseEvent::MergeFragments(e) => merge_fragments(e),
            CaseEvent::RemoveFragments(e) => {
                let mut event = RemoveElements::new(Selector::new(e.selector)?);
                if e.use_view_transition {
                    event = event.view_transition();
                }
                with_meta(event.into(), e.meta)
            }
            CaseEvent::PatchSignals(e) | CaseEvent::MergeSignals(e) => {
                let mut event = match (e.signals_raw, e.signals) {
                    (Some(raw), _) => PatchSignals::raw(raw)?,
                    (None, Some(signals)) => PatchSignals::new(&signals)?,
                    (None, None) => return Err(BadCase("`signals` is missing".into())),
                };
                if e.only_if_missing {
                    event = event.only_if_missing();
                }
                with_meta(event.into(), e.meta)
            }
            CaseEvent::RemoveSignals(e) => {
                let paths = e.paths.into_iter().map(SignalPath::new);
                let event = RemoveSignals::new(paths.collect::<Result<Vec<_>, _>>()?);
                with_meta(event.into(), e.meta)
            }
            CaseEvent::ExecuteScript(e) => execute_script(e),
        }
    }
}

fn patch_elements(e: Elements) -> Result<Event, BadCase> {
    let mode = e.mode.as_deref().unwrap_or("outer");
    if mode == "remove" {
        let Some(selector) = e.selector else {
            return Err(BadCase("mode `remove` needs a `selector`".into()));
        };
        let mut event = RemoveElements::new(Selector::new(selector)?);
        if e.use_view_transition {
            event = event.view_transition();
        }
        return with_meta(event.into(), e.meta);
    }
    let mode = Mode::from_name(mode).ok_or_else(|| BadCase(format!("unknown mode `{mode}`")))?;
    let namespace = match e.namespace.as_deref() {
        None => Namespace::Html,
        Some(name) => Namespace::from_name(name)
            .ok_or_else(|| BadCase(format!("unknown namespace `{name}`")))?,
    };
    // A `viewTransitionSelector` without `useViewTransition` says nothing, and the official
    // SDKs leave its line out rather than refuse the case.
    let transition = match e.view_transition_selector {
        Some(selector) if e.use_view_transition => Some(Some(Selector::new(selector)?)),
        _ => e.use_view_transition.then_some(None),
    };
    targeted(e.elements, e.selector, mode, namespace, transition, e.meta)
}

fn merge_fragments(e: Fragments) -> Result<Event, BadCase> {
    let mode = match e.merge_mode.as_deref().unwrap_or("morph") {
        "morph" => Mode::Outer,
        "outer" => Mode::Replace,
        "upsertAttributes" => {
            return Err(BadCase(
                "`upsertAttributes` has no Datastar 1.0 equivalent".into(),
            ));
        }
        other => Mode::from_name(other)
            .filter(|m| !matches!(m, Mode::Outer | Mode::Replace))
            .ok_or_else(|| BadCase(format!("unknown mergeMode `{other}`")))?,
    };
    let transition = e.use_view_transition.then_some(None);
    targeted(
        e.fragments,
        e.selector,
        mode,
        Namespace::Html,
        transition,
        e.meta,
    )
}

/// A patch of `elements`, at `selector` when there is one, else by id.
fn targeted(
    elements: String,
    selector: Option<String>,
    mode: Mode,
    namespace: Namespace,
    transition: Option<Option<Selector>>,
    meta: Meta,
) -> Result<Event, BadCase> {
    let by_id = PatchElements::new(elements).namespace(namespace);
    let mut event = match selector {
        Some(selector) => by_id.selector(Selector::new(selector)?).mode(mode).erase(),
        None if mode == Mode::Outer => by_id.erase(),
        None if mode == Mode::Replace => by_id.replace().erase(),
        None => return Err(BadCase(format!("mode `{mode}` needs a `selector`"))),
    };
    event = match transition {
        Some(Some(selector)) => event.view_transition_selector(selector),
        Some(None) => event.view_transition(),
        None => event,
    };
    with_meta(event.into(), meta)
}

fn execute_script(e: Script) -> Result<Event, BadCase> {
    let mut event = ExecuteScript::new(e.script);
    if e.auto_remove == Some(false) {
        event = event.keep();
    }
    for (name, value) in e.attributes {
        let value = match value {
            Value::String(s) => s,
            other => other.to_string(),
        };
        event = event.attribute(name, value)?;
    }
    with_meta(event.into(), e.meta)
}

/// Puts the case's `eventId` and `retryDuration` on the event.
fn with_meta(event: Event, meta: Meta) -> Result<Event, BadCase> {
    let mut event = event;
    if let Some(id) = meta.event_id {
        event = event.id(EventId::new(id)?);
    }
    if let Some(ms) = meta.retry_duration {
        event = event.retry(Duration::from_millis(ms));
    }
    Ok(event)
}

/// Answers a case with its events, in the router's dialect.
async fn test(ReadSignals(case): ReadSignals<Case>) -> Result<Events<Vec<Event>>, BadCase> {
    let events = case.events.into_iter().map(CaseEvent::into_event);
    Ok(Events(events.collect::<Result<_, _>>()?))
}

/// The harness's three endpoints, each with its dialect.
///
/// The cross-site guard stays on where the harness sends what a Datastar client sends (the
/// Go runner of `sdk/tests` sets `Datastar-Request: true` and `Content-Type:
/// application/json`). It is off for `/beta/test`: the pre-1.0 harness (`sdk/test/test-post.sh`)
/// posts with `curl --json`, which sends no `Datastar-Request`, and a test server has no
/// cookies to steal.
pub fn app() -> Router {
    let at = |path: &str, layer: DatastarLayer| Router::new().route(path, any(test)).layer(layer);
    let layer = |dialect| DatastarLayer::new().dialect(dialect);
    at("/test", layer(Dialect::V1))
        .merge(at(
            "/beta/test",
            layer(Dialect::Beta).cross_site_guard(false),
        ))
        .merge(at("/seed/test", layer(Dialect::Seed)))
}

/// `--port PORT`, 7331 when not given.
#[allow(dead_code)] // the conformance test includes this file for `app` alone
fn port() -> Result<u16, String> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, ..) => Ok(7331),
        (Some("--port"), Some(port), None) => port.parse().map_err(|e| format!("--port: {e}")),
        _ => Err("usage: sdk_test_server [--port PORT]".into()),
    }
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = port().unwrap_or_else(|message| {
        eprintln!("{message}");
        std::process::exit(2)
    });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("SDK test server on http://{}", listener.local_addr()?);
    datastar_runtime::serve(listener, app()).await
}
