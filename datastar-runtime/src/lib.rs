//! Datastar for axum and maud.
//!
//! [Datastar](https://data-star.dev) is a hypermedia framework: the browser asks the server
//! for changes and the server streams them back as Server-Sent Events that patch HTML
//! fragments and signals into the page. This crate is the Rust side of that conversation:
//!
//! - typed events ([`PatchElements`], [`RemoveElements`], [`PatchSignals`], [`RemoveSignals`],
//!   [`ExecuteScript`]) whose invalid states cannot be built;
//! - their exact wire encoding in three dialects ([`Dialect`]): Datastar 1.0 (the default), the
//!   0.20–1.0.0-beta "merge fragments" generation and the original `datastar-fragment` stream;
//! - their delivery with axum: one event, [`Events`] or a stream ([`Sse`], [`channel`]) as a
//!   response, the dialect (and compression) chosen once per router by [`DatastarLayer`];
//! - backend actions, each a plain event: [`Redirect`], [`Console`], [`DispatchEvent`],
//!   [`ReplaceUrl`], [`Prefetch`];
//! - one update sent to many open streams at once: [`Hub`];
//! - the request side: [`ReadSignals`], [`DatastarRequest`], [`LastEventId`]; state-changing
//!   requests from other sites are refused (see [`DatastarLayer`]);
//! - [`serve`]: `axum::serve` with the timeouts and limits a server on the internet needs;
//! - [`#[fragment]`](fragment), which turns an `async fn` returning maud [`Markup`] into a
//!   handler whose selector and mode are checked at compile time, and [`patch!`] for events
//!   sent by hand; [`prelude`] imports everything a handler needs;
//! - values and code inside expression attributes: [`js`] and [`raw_expr`], which say why.
//!
//! ## Quick start
//!
//! ```no_run
//! use datastar_runtime::prelude::*;
//!
//! // `GET /contact/1` answers with one `datastar-patch-elements` event that morphs `#contact_1`.
//! #[fragment(selector = "#contact_1", mode = "outer")]
//! async fn contact(Path(id): Path<u32>) -> Markup {
//!     html! { div #contact_1 { "Contact number " (id) } }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Router::new()
//!         .route("/contact/{id}", get(contact))
//!         .layer(DatastarLayer::new());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     datastar_runtime::serve(listener, app).await
//! }
//! ```
//!
//! Your crate also depends on `maud` 0.27 (maud's `html!` names it) and `axum` 0.8.
//!
//! ## Events and their bytes
//!
//! Every event can be built by hand and encoded in any dialect; the encoder knows nothing of
//! HTTP and writes into a buffer it reuses.
//!
//! ```
//! use datastar_runtime::{Dialect, Encoder, Mode, PatchElements, Selector};
//!
//! let event = PatchElements::new("<li>milk</li>")
//!     .selector(Selector::new("#groceries")?)
//!     .mode(Mode::Append);
//!
//! let mut encoder = Encoder::new(Dialect::V1);
//! let bytes = encoder.encode(&event.into())?;
//! assert_eq!(
//!     &bytes[..],
//!     b"event: datastar-patch-elements\n\
//!       data: selector #groceries\n\
//!       data: mode append\n\
//!       data: elements <li>milk</li>\n\n",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//! ## Streams of events: `Sse`
//!
//! A handler that returns [`Sse`] sends each event of a stream the moment the stream yields
//! it, with keep-alive comments while it is idle, until the stream ends or the client goes
//! away (then the stream is dropped). For events pushed from a task, see [`channel`].
//!
//! ```no_run
//! use std::time::Duration;
//! use axum::{Router, routing::get};
//! use datastar_runtime::{DatastarLayer, PatchElements, ReadSignals, Sse};
//! use futures_util::StreamExt;
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Countdown { from: u32 }
//!
//! async fn countdown(ReadSignals(c): ReadSignals<Countdown>) -> Sse<impl futures_core::Stream<Item = PatchElements<datastar_runtime::ById>>> {
//!     let ticks = futures_util::stream::iter((0..=c.from).rev()).then(|n| async move {
//!         tokio::time::sleep(Duration::from_secs(1)).await;
//!         PatchElements::new(format!(r#"<span id="left">{n}</span>"#))
//!     });
//!     Sse::new(ticks)
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let app = Router::new()
//!         .route("/countdown", get(countdown))
//!         .layer(DatastarLayer::new());
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     datastar_runtime::serve(listener, app).await
//! }
//! ```

mod actions;
mod channel;
mod client;
mod compress;
mod encode;
mod error;
mod event;
mod expr;
mod guard;
mod handler;
mod headers;
#[cfg(debug_assertions)]
mod html_scan;
mod hub;
mod layer;
#[cfg(feature = "nats")]
pub mod nats;
mod reply;
mod request;
mod response;
mod serve;
mod shape;
mod signals;
mod stream;

#[doc(hidden)]
pub mod __private;
pub mod prelude;
#[cfg(feature = "testing")]
pub mod testing;

pub use actions::{Console, DispatchEvent, Prefetch, Redirect, ReplaceUrl};
pub use channel::{Disconnected, Receiver, Sender, channel};
pub use client::{CLIENT_URL, client_script, client_script_at};
pub use compress::{
    Compression, DEFAULT_BROTLI_QUALITY, DEFAULT_BROTLI_WINDOW, DEFAULT_GZIP_LEVEL,
    DEFAULT_ZSTD_LEVEL, DEFAULT_ZSTD_WINDOW, Priority,
};
pub use encode::{Dialect, Encoder, Unsupported, encode, encode_comment};
pub use error::InvalidValue;
pub use event::{
    AnyTarget, ById, BySelector, DEFAULT_RETRY, Event, EventId, ExecuteScript, IntoElements,
    IntoEvent, Meta, Mode, Namespace, PatchElements, PatchSignals, RemoveElements, RemoveSignals,
    Selector, SignalPath,
};
pub use expr::{ExprValue, Js, RawExpr, js, raw_expr};
pub use handler::{FragmentResponse, PatchHtml, RemoveResponse};
pub use hub::{DEFAULT_HUB_BUDGET, DEFAULT_HUB_CAPACITY, Hub, PublishError, Subscription};
pub use layer::{DEFAULT_SIGNALS_LIMIT, DatastarLayer, DatastarService, ResponseFuture};
pub use reply::Plain;
pub use request::{DatastarRequest, InvalidLastEventId, LastEventId};
pub use response::{EventList, Events, Sse};
pub use serve::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_LISTEN_BACKLOG,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_REQUEST_HEAD, DEFAULT_TCP_KEEPALIVE, Serve, bind, serve,
};
pub use shape::{Shape, SignalShape};
pub use signals::{ReadSignals, Signals, SignalsRejection};
pub use stream::{DEFAULT_KEEP_ALIVE, TryEvents};

#[doc = include_str!("signals.md")]
pub use datastar_macros::Signals;
#[doc = include_str!("fragment.md")]
pub use datastar_macros::fragment;
#[doc = include_str!("html.md")]
pub use datastar_macros::html;
#[doc = include_str!("patch.md")]
pub use datastar_macros::patch;
pub use maud::{Markup, PreEscaped, Render};

/// For apps that serve the Beta dialect ([`Dialect::Beta`]): an `html!` that knows Beta
/// attributes are spelled differently.
///
/// Import it after the prelude and it takes the place of the prelude's `html!` in that module.
/// It does not check attribute names (Beta's `data-on-click` is right for a Beta client), but
/// still requires [`js`] or [`raw_expr`] for every splice into an expression attribute.
///
/// ```
/// use datastar_runtime::prelude::*;
/// use datastar_runtime::beta::html;
///
/// let markup = html! { button data-on-click="@post('/go')" { "Go" } };
/// assert_eq!(markup.into_string(), r#"<button data-on-click="@post('/go')">Go</button>"#);
/// ```
pub mod beta {
    pub use datastar_macros::html_beta as html;
}

/// A [`PatchSignals`] from a JSON object literal, written as in `serde_json::json!`: it is an
/// object by construction, so there is nothing to unwrap.
///
/// ```
/// use datastar_runtime::signals;
///
/// let draft = "";
/// let patch = signals!({ "input": draft, "saved": true, "user": { "name": null } });
/// assert_eq!(patch.json(), r#"{"input":"","saved":true,"user":{"name":null}}"#);
/// ```
///
/// Like `json!`, it panics only if a value's own `Serialize` fails (a map with non-string
/// keys); use [`PatchSignals::new`] for values that can.
#[macro_export]
macro_rules! signals {
    ({ $($json:tt)* }) => {
        $crate::PatchSignals::object(
            match $crate::__private::serde_json::json!({ $($json)* }) {
                $crate::__private::serde_json::Value::Object(object) => object,
                _ => ::core::unreachable!("a braced literal is a JSON object"),
            }
        )
    };
}

/// The README's Rust examples, compiled as doctests so the quick start cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
