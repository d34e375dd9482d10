//! CSS selectors, checked exactly as Chromium's `document.querySelector` checks them.
//!
//! Datastar hands every selector to `querySelectorAll` in the browser, which throws a
//! `SyntaxError` for a selector it cannot parse: the patch is lost and the console shows an
//! error. [`validate`] gives the same verdict on the server (and, through `datastar-macros`, at
//! compile time), so a bad selector never reaches the browser.
//!
//! It implements the CSS Syntax Level 3 tokenizer and the Selectors Level 4 grammar, with
//! Chromium's choices where the browser and the specification differ: the pseudo-class and
//! pseudo-element names it knows, what may follow a pseudo-element, forgiving `:is()` and
//! `:where()`, `:has()` that cannot nest, no `s` attribute flag, and blocks and strings left
//! open at the end of the selector being closed for you (`[x=y` is `[x=y]`). Namespace prefixes
//! other than `*|` and `|` are errors, because `querySelector` has no way to declare them.
//!
//! The verdicts were checked one by one against Chromium; `tests/selectors.txt` in this crate
//! holds the corpus.

mod anb;
mod names;
mod parse;
mod pseudo;
pub mod template;
mod token;

use std::fmt;

/// Why a selector would make `document.querySelector` throw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    offset: usize,
    message: String,
    suggestion: Option<String>,
}

impl SelectorError {
    fn new(offset: usize, message: String) -> Self {
        SelectorError {
            offset,
            message,
            suggestion: None,
        }
    }

    fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    /// The byte offset in the selector where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What is wrong, as a lowercase sentence fragment without a final period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What was probably meant, for a name a small typo away from a known one (`:hover` for
    /// `:hovr`).
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)?;
        match &self.suggestion {
            Some(suggestion) => write!(f, "; did you mean `{suggestion}`?"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for SelectorError {}

/// Checks that `selector` is one Chromium's `document.querySelector` accepts.
///
/// ```
/// use datastar_syntax::selector::validate;
///
/// assert!(validate("#contact_1").is_ok());
/// assert!(validate("li:nth-child(2n+1 of .c)").is_ok());
///
/// let err = validate("div >").unwrap_err();
/// assert_eq!(err.offset(), 5);
/// assert_eq!(err.message(), "expected a selector after `>`, found the end of the selector");
/// ```
pub fn validate(selector: &str) -> Result<(), SelectorError> {
    if selector
        .chars()
        .all(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c'))
    {
        return Err(SelectorError::new(0, "a selector cannot be empty".into()));
    }
    parse::Parser::new(selector).selector_list()
}

#[cfg(test)]
mod tests;
