//! The one error type for values that cannot become a Datastar event.

use std::fmt;

/// A value was rejected when an event was being built.
///
/// Every rejection names the value that was wrong and says why, so that it can be shown to a
/// developer as it is:
///
/// ```
/// use datastar_runtime::Selector;
///
/// let err = Selector::new("#a\n#b").unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "invalid selector `#a\\n#b`: a line break would end the SSE field early",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue {
    what: &'static str,
    value: String,
    why: String,
}

/// Values longer than this are shortened in error messages.
const SHOWN: usize = 80;

impl InvalidValue {
    pub(crate) fn new(what: &'static str, value: &str, why: impl Into<String>) -> Self {
        let value = match value.char_indices().nth(SHOWN) {
            Some((cut, _)) => format!("{}…", &value[..cut]),
            None => value.to_owned(),
        };
        Self {
            what,
            value,
            why: why.into(),
        }
    }

    /// Which kind of value was rejected: `"selector"`, `"event id"`, `"signals"`…
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// Why it was rejected.
    pub fn why(&self) -> &str {
        &self.why
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} `{}`: {}",
            self.what,
            self.value.escape_debug(),
            self.why
        )
    }
}

impl std::error::Error for InvalidValue {}

/// The reason shared by every value that is written on a single SSE line.
pub(crate) const LINE_BREAK: &str = "a line break would end the SSE field early";

/// Rejects `\r` and `\n`, which no single-line SSE field can carry.
pub(crate) fn single_line(what: &'static str, value: &str) -> Result<(), InvalidValue> {
    if value.contains(['\r', '\n']) {
        return Err(InvalidValue::new(what, value, LINE_BREAK));
    }
    Ok(())
}
