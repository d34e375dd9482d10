//! Backend actions: the scripts the Go SDK sends for common browser actions (redirect, console,
//! custom DOM events, history, prefetch), as typed builders.
//!
//! Each is a plain event: it becomes an [`ExecuteScript`] (and so an [`Event`]), and goes
//! wherever an event goes — a response of its own, [`Events`](crate::Events), a `#[fragment]`
//! tuple, a [`Sender`](crate::Sender), a [`Hub`](crate::Hub). Its id and retry are set on the
//! [`ExecuteScript`] it becomes: `ExecuteScript::from(Redirect::to("/")).id(7)`.
//!
//! Every value is written into the script as a JSON literal, with `<`, `>`, `&`, U+2028 and
//! U+2029 written as `\uXXXX`: no value can end its string, close the `<script>` element
//! (`</script>`), open an HTML comment (`<!--`) or break the script's line.

use std::borrow::Cow;

use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::InvalidValue;
use crate::event::{Event, ExecuteScript, Selector};

/// `value` as a JSON literal that is safe anywhere in a `<script>` element: JSON is valid
/// JavaScript, and outside strings JSON has no `<`, `>`, `&` or line separators, so escaping
/// them as `\uXXXX` changes no value.
fn script_json(value: &(impl Serialize + ?Sized)) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str(r"\u003c"),
            '>' => out.push_str(r"\u003e"),
            '&' => out.push_str(r"\u0026"),
            '\u{2028}' => out.push_str(r"\u2028"),
            '\u{2029}' => out.push_str(r"\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A string as a script-safe JSON string literal; a `str` always serializes.
fn script_string(text: &str) -> String {
    script_json(text).unwrap_or_default()
}

/// The `From` impls and the response every action shares.
macro_rules! action_event {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Event {
            fn from(action: $ty) -> Self {
                Event::ExecuteScript(action.into())
            }
        }

        impl IntoResponse for $ty {
            fn into_response(self) -> Response {
                Event::from(self).into_response()
            }
        }
    )*};
}

/// Sends the browser to another page (Go: `Redirect`):
/// `setTimeout(() => window.location.href = "<url>")`.
///
/// The URL is navigated to as given, relative to the page; like any link, a URL made from
/// user input must be checked first (`javascript:` URLs run script).
///
/// ```
/// use datastar_runtime::{Dialect, Encoder, Redirect};
///
/// let bytes = Encoder::new(Dialect::V1).encode(&Redirect::to("/done?a=1&b=2").into())?;
/// assert_eq!(
///     &bytes[..],
///     &b"event: datastar-patch-elements\n\
///        data: selector body\n\
///        data: mode append\n\
///        data: elements <script data-effect=\"el.remove()\">\
///        setTimeout(() => window.location.href = \"/done?a=1\\u0026b=2\")</script>\n\n"[..],
/// );
/// # Ok::<(), datastar_runtime::Unsupported>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    url: String,
}

impl Redirect {
    /// Goes to `url`.
    pub fn to(url: impl Into<String>) -> Self {
        Redirect { url: url.into() }
    }
}

impl From<Redirect> for ExecuteScript {
    fn from(r: Redirect) -> Self {
        // `setTimeout` lets the client finish the current event before the page goes.
        ExecuteScript::new(format!(
            "setTimeout(() => window.location.href = {})",
            script_string(&r.url)
        ))
    }
}

/// Writes a message to the browser's console (Go: `ConsoleLog`, `ConsoleError`):
/// `console.log("<message>")` or `console.error("<message>")`.
///
/// ```
/// use datastar_runtime::Console;
///
/// let script = datastar_runtime::ExecuteScript::from(Console::error("</script> 'no'"));
/// assert_eq!(script.script(), r#"console.error("\u003c/script\u003e 'no'")"#);
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Console {
    level: &'static str,
    message: String,
}

impl Console {
    /// `console.log(message)`.
    pub fn log(message: impl Into<String>) -> Self {
        Console {
            level: "log",
            message: message.into(),
        }
    }

    /// `console.error(message)`.
    pub fn error(message: impl Into<String>) -> Self {
        Console {
            level: "error",
            message: message.into(),
        }
    }
}

impl From<Console> for ExecuteScript {
    fn from(c: Console) -> Self {
        ExecuteScript::new(format!(
            "console.{}({})",
            c.level,
            script_string(&c.message)
        ))
    }
}

/// Dispatches a [`CustomEvent`](https://developer.mozilla.org/docs/Web/API/CustomEvent) from
/// `document`, or from every element a selector matches (Go: `DispatchCustomEvent`). It
/// bubbles, is cancelable and is composed unless told otherwise, as in the Go SDK; its detail
/// is `null` until [`detail`](Self::detail) sets it.
///
/// A page listens with `data-on:<name>__window` or `data-on:<name>` on the target.
///
/// ```
/// use datastar_runtime::{DispatchEvent, ExecuteScript, Selector};
/// use serde_json::json;
///
/// let saved = DispatchEvent::new("saved")?
///     .detail(&json!({ "id": 7 }))?
///     .selector(Selector::new("#form")?)
///     .bubbles(false);
/// assert_eq!(
///     ExecuteScript::from(saved).script(),
///     r##"{const event=new CustomEvent("saved",{bubbles:false,cancelable:true,composed:true,detail:{"id":7}});document.querySelectorAll("#form").forEach((element)=>element.dispatchEvent(event));}"##,
/// );
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchEvent {
    name: String,
    detail: String,
    selector: Option<Selector>,
    bubbles: bool,
    cancelable: bool,
    composed: bool,
}

impl DispatchEvent {
    /// An event named `name`, which cannot be empty (`dispatchEvent` would throw).
    pub fn new(name: impl Into<String>) -> Result<Self, InvalidValue> {
        let name = name.into();
        if name.is_empty() {
            return Err(InvalidValue::new(
                "event name",
                &name,
                "a DOM event needs a name",
            ));
        }
        Ok(DispatchEvent {
            name,
            detail: "null".to_owned(),
            selector: None,
            bubbles: true,
            cancelable: true,
            composed: true,
        })
    }

    /// The event's `detail`: `detail` serialized to JSON.
    pub fn detail(mut self, detail: &(impl Serialize + ?Sized)) -> Result<Self, InvalidValue> {
        self.detail = script_json(detail)
            .map_err(|e| InvalidValue::new("event detail", "", e.to_string()))?;
        Ok(self)
    }

    /// Dispatches from every element matching `selector` instead of from `document`.
    pub fn selector(mut self, selector: Selector) -> Self {
        self.selector = Some(selector);
        self
    }

    /// Whether the event bubbles up the tree (default `true`).
    pub fn bubbles(mut self, bubbles: bool) -> Self {
        self.bubbles = bubbles;
        self
    }

    /// Whether a listener may `preventDefault()` it (default `true`).
    pub fn cancelable(mut self, cancelable: bool) -> Self {
        self.cancelable = cancelable;
        self
    }

    /// Whether it crosses shadow DOM boundaries (default `true`).
    pub fn composed(mut self, composed: bool) -> Self {
        self.composed = composed;
        self
    }
}

impl From<DispatchEvent> for ExecuteScript {
    fn from(d: DispatchEvent) -> Self {
        let targets = match &d.selector {
            Some(selector) => format!(
                "document.querySelectorAll({})",
                script_string(selector.as_str())
            ),
            None => "[document]".to_owned(),
        };
        ExecuteScript::new(format!(
            "{{const event=new CustomEvent({},{{bubbles:{},cancelable:{},composed:{},detail:{}}});\
             {targets}.forEach((element)=>element.dispatchEvent(event));}}",
            script_string(&d.name),
            d.bubbles,
            d.cancelable,
            d.composed,
            d.detail,
        ))
    }
}

/// Replaces the page's URL in the history without loading it (Go: `ReplaceURL`,
/// `ReplaceURLQuerystring`).
///
/// ```
/// use datastar_runtime::{ExecuteScript, ReplaceUrl};
///
/// let url = ReplaceUrl::new("/contacts/7");
/// assert_eq!(
///     ExecuteScript::from(url).script(),
///     r#"window.history.replaceState({},"","/contacts/7")"#,
/// );
/// let query = ReplaceUrl::query([("q", "a b"), ("page", "2")]);
/// assert_eq!(
///     ExecuteScript::from(query).script(),
///     r#"{const url=new URL(window.location.href);url.search="q=a+b\u0026page=2";window.history.replaceState({},"",url)}"#,
/// );
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceUrl {
    target: UrlTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum UrlTarget {
    Url(String),
    Query(String),
}

impl ReplaceUrl {
    /// Replaces the URL with `url`, resolved against the page's (a path, a `?query`, or a
    /// whole URL of the same origin: the browser refuses another origin).
    pub fn new(url: impl Into<String>) -> Self {
        ReplaceUrl {
            target: UrlTarget::Url(url.into()),
        }
    }

    /// Keeps the page's path and fragment and replaces its query string with `pairs`,
    /// form-urlencoded; no pairs remove the query string.
    pub fn query<K: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in pairs {
            query.append_pair(name.as_ref(), value.as_ref());
        }
        ReplaceUrl {
            target: UrlTarget::Query(query.finish()),
        }
    }
}

impl From<ReplaceUrl> for ExecuteScript {
    fn from(r: ReplaceUrl) -> Self {
        ExecuteScript::new(match r.target {
            UrlTarget::Url(url) => format!(
                r#"window.history.replaceState({{}},"",{})"#,
                script_string(&url)
            ),
            UrlTarget::Query(query) => format!(
                r#"{{const url=new URL(window.location.href);url.search={};window.history.replaceState({{}},"",url)}}"#,
                script_string(&query)
            ),
        })
    }
}

/// Asks the browser to prefetch pages the user is likely to open next, with
/// [speculation rules](https://developer.mozilla.org/docs/Web/API/Speculation_Rules_API)
/// (Go: `Prefetch`): a `<script type="speculationrules">` that stays in the page, since
/// removing it cancels the rules.
///
/// ```
/// use datastar_runtime::{ExecuteScript, Prefetch};
///
/// let script = ExecuteScript::from(Prefetch::new(["/contacts/2", "/contacts/3"]));
/// assert_eq!(
///     script.script(),
///     r#"{"prefetch":[{"source":"list","urls":["/contacts/2","/contacts/3"]}]}"#,
/// );
/// assert!(!script.auto_remove());
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefetch {
    urls: Vec<String>,
}

impl Prefetch {
    /// Prefetches every URL of `urls`.
    pub fn new<U: Into<String>>(urls: impl IntoIterator<Item = U>) -> Self {
        Prefetch {
            urls: urls.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize)]
struct Rules<'a> {
    prefetch: [Rule<'a>; 1],
}

#[derive(Serialize)]
struct Rule<'a> {
    source: &'static str,
    urls: &'a [String],
}

impl From<Prefetch> for ExecuteScript {
    fn from(p: Prefetch) -> Self {
        let rules = Rules {
            prefetch: [Rule {
                source: "list",
                urls: &p.urls,
            }],
        };
        let json = script_json(&rules).unwrap_or_default();
        let mut script = ExecuteScript::new(Cow::Owned(json)).keep();
        script
            .attributes
            .push((Cow::Borrowed("type"), Cow::Borrowed("speculationrules")));
        script
    }
}

action_event!(Redirect, Console, DispatchEvent, ReplaceUrl, Prefetch);

#[cfg(test)]
mod tests;
