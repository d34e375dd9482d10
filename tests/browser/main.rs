//! Real-browser tests: headless Chromium, real Datastar clients, pages served by the runtime.
//!
//! Run with `scripts/test` (it installs Chromium and fetches the clients), or, once set up,
//! `cargo test -p datastar-tests --features browser --test browser`.

mod harness;

mod actions;
mod attributes;
mod beta;
mod compression;
mod cross_site;
mod examples;
mod gallery;
mod hostile;
mod limits;
#[cfg(feature = "nats")]
mod nats;
mod seed;
mod selectors;
mod v1;
