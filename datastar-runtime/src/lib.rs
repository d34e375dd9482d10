//! Datastar for axum and maud.
//!
//! [Datastar](https://data-star.dev) is a hypermedia framework: the browser asks the server
//! for changes and the server streams them back as Server-Sent Events that patch HTML
//! fragments and signals into the page. This crate is the Rust side of that conversation:
//!
//! - typed events ([`PatchElements`], [`RemoveElements`], [`PatchSignals`], [`RemoveSignals`],
//!   [`ExecuteScript`]) whose invalid states cannot be built;
//! - their exact wire encoding in three dialects ([`Dialect`]): Datastar 1.0 (the default), the
//!   0.20–1.0.0-beta "merge fragments" generation and the original `datastar-fragment` stream.
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

mod encode;
mod error;
mod event;

#[doc(hidden)]
pub mod __private;

pub use encode::{Dialect, Encoder, Unsupported, encode, encode_comment};
pub use error::InvalidValue;
pub use event::{
    AnyTarget, ById, BySelector, DEFAULT_RETRY, Event, EventId, ExecuteScript, Meta, Mode,
    Namespace, PatchElements, PatchSignals, RemoveElements, RemoveSignals, Selector, SignalPath,
};
