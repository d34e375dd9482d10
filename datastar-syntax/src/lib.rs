//! The grammar of Datastar values and attributes, with no dependencies.
//!
//! `datastar-runtime` checks values with it when they are made at run time, and
//! `datastar-macros` checks the same values at compile time, so both always agree.
//! Users never need this crate directly: everything here is re-exported by `datastar-runtime`.

pub mod attribute;
mod mode;
pub mod selector;
pub mod signal;

pub use mode::{Mode, Namespace};
