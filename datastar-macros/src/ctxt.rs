//! The error accumulator (serde_derive's `Ctxt`): every mistake is reported in one build.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;

/// Collects errors while the arguments and the signature are checked.
///
/// Dropping it without calling [`Ctxt::check`] panics, so no error is ever lost.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error at `span`. `help` lines are rendered the way rustc renders them.
    pub(crate) fn error(&self, span: Span, message: impl Display, help: &[String]) {
        let mut message = message.to_string();
        for line in help {
            message.push_str("\n= ");
            message.push_str(line);
        }
        self.push(syn::Error::new(span, message));
    }

    /// Records an error produced by syn.
    pub(crate) fn push(&self, error: syn::Error) {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("errors already checked")
            .push(error);
    }

    /// All errors folded into one, or `Ok` when there were none.
    pub(crate) fn check(self) -> syn::Result<()> {
        let errors = self
            .errors
            .borrow_mut()
            .take()
            .expect("errors already checked");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for rest in errors {
            combined.combine(rest);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("forgot to check for errors");
        }
    }
}
