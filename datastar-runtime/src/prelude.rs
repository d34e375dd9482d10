//! Everything a Datastar handler needs, in one import.
//!
//! maud's `html!` expands to `extern crate maud`, so a crate that uses it also lists `maud`
//! (0.27) in its own `[dependencies]`.
//!
//! ```
//! use datastar_runtime::prelude::*;
//!
//! #[fragment(selector = "#greeting", mode = "inner")]
//! async fn greet(Path(name): Path<String>) -> Markup {
//!     html! { "Hello, " (name) }
//! }
//!
//! let app: Router = Router::new().route("/greet/{name}", get(greet));
//! # let _ = app;
//! ```

pub use crate::{
    DatastarLayer, DatastarRequest, Dialect, Event, Events, ExecuteScript, Hub, LastEventId,
    Markup, Mode, Namespace, PatchElements, PatchSignals, PreEscaped, ReadSignals, RemoveElements,
    RemoveSignals, Render, Selector, Sender, Signals, Sse, Subscription, channel, client_script,
    fragment, html, js, patch, raw_expr, signals,
};
pub use axum::Router;
pub use axum::extract::{Json, Path, Query, State};
pub use axum::response::{IntoResponse, Response};
pub use axum::routing::{delete, get, patch, post, put};
pub use futures_core::Stream;
