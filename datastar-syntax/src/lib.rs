//! The grammar of Datastar values and attributes.
//!
//! `datastar-runtime` checks values with it when they are made at run time, and
//! `datastar-macros` checks the same values at compile time, so both always agree.
//! Users never need this crate directly: everything here is re-exported by `datastar-runtime`.

pub mod attribute;
mod mode;
pub mod selector;
pub mod signal;

pub use mode::{Mode, Namespace};

/// The closest of `names`, if `name` is a small typo away from it (a transposed pair counts as
/// one edit; names of five letters or fewer allow one edit, longer ones two).
pub fn did_you_mean(name: &str, names: &[&'static str]) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    names
        .iter()
        .map(|n| (strsim::osa_distance(&lower, &n.to_ascii_lowercase()), *n))
        .filter(|(d, n)| *d <= if n.len() <= 5 { 1 } else { 2 })
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}
