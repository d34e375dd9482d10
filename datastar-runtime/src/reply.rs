//! Single-patch replies without SSE, which the Datastar 1.0 client also accepts.

use std::borrow::Cow;

use axum::response::{IntoResponse, Response};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use crate::error::InvalidValue;
use crate::event::{ExecuteScript, Mode, Namespace, PatchElements, PatchSignals, RemoveElements};
use crate::headers;

/// One patch sent as a plain reply instead of an event stream: `text/html` for
/// [`PatchElements`] and [`RemoveElements`], `application/json` for [`PatchSignals`],
/// `text/javascript` for [`ExecuteScript`] (its attributes in `datastar-script-attributes`;
/// the client decides what becomes of the script element, so [`ExecuteScript::keep`] has no
/// effect here).
///
/// The 1.0 client reads the patch options from `datastar-*` response headers
/// (`datastar-selector`, `datastar-mode`, `datastar-use-view-transition`,
/// `datastar-namespace`, `datastar-only-if-missing`), each written only when not at its
/// default. Only Datastar 1.0 understands these replies, whatever the router's dialect; an
/// event's `id` and `retry` have no meaning here and are not sent, nor is a view transition's
/// selector.
///
/// ```
/// use axum::response::IntoResponse;
/// use datastar_runtime::{Mode, PatchElements, Plain, Selector};
///
/// let reply = Plain(
///     PatchElements::new("<li>milk</li>")
///         .selector(Selector::new("#groceries")?)
///         .mode(Mode::Append),
/// )
/// .into_response();
/// assert_eq!(reply.headers()["content-type"], "text/html; charset=utf-8");
/// assert_eq!(reply.headers()["datastar-selector"], "#groceries");
/// assert_eq!(reply.headers()["datastar-mode"], "append");
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
///
/// Header values are ASCII: non-ASCII characters in a selector are sent as CSS escapes
/// (`#café` as `#caf\e9 `), which select the same elements.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "a response does nothing until it is returned"]
pub struct Plain<E>(pub E);

impl<T> IntoResponse for Plain<PatchElements<T>> {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, headers::HTML);
        if let Some(selector) = e.target()
            && let Err(err) = put(
                &mut headers,
                headers::DATASTAR_SELECTOR,
                &ascii(selector.as_str(), css_escape),
            )
        {
            return err.into_response();
        }
        if e.mode != Mode::Outer {
            headers.insert(
                headers::DATASTAR_MODE,
                HeaderValue::from_static(e.mode.as_str()),
            );
        }
        if e.view_transition.is_some() {
            headers.insert(headers::DATASTAR_USE_VIEW_TRANSITION, headers::TRUE);
        }
        if e.namespace != Namespace::Html {
            headers.insert(
                headers::DATASTAR_NAMESPACE,
                HeaderValue::from_static(e.namespace.as_str()),
            );
        }
        (headers, e.elements.into_owned()).into_response()
    }
}

impl IntoResponse for Plain<RemoveElements> {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, headers::HTML);
        if let Err(err) = put(
            &mut headers,
            headers::DATASTAR_SELECTOR,
            e.selector.as_str(),
        ) {
            return err.into_response();
        }
        headers.insert(
            headers::DATASTAR_MODE,
            HeaderValue::from_static(crate::encode::V1_REMOVE),
        );
        if e.view_transition {
            headers.insert(headers::DATASTAR_USE_VIEW_TRANSITION, headers::TRUE);
        }
        headers.into_response()
    }
}

impl IntoResponse for Plain<PatchSignals> {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, headers::JSON);
        if e.only_if_missing {
            headers.insert(headers::DATASTAR_ONLY_IF_MISSING, headers::TRUE);
        }
        (headers, e.json.into_owned()).into_response()
    }
}

impl IntoResponse for Plain<ExecuteScript> {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, headers::JAVASCRIPT);
        if !e.attributes.is_empty() {
            let attributes: serde_json::Map<String, serde_json::Value> = e
                .attributes
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string().into()))
                .collect();
            let json = serde_json::Value::Object(attributes).to_string();
            let json = ascii(&json, json_escape);
            if let Err(err) = put(&mut headers, headers::DATASTAR_SCRIPT_ATTRIBUTES, &json) {
                return err.into_response();
            }
        }
        (headers, e.script.into_owned()).into_response()
    }
}

/// `text` with every non-ASCII character escaped by `escape`: browsers read header bytes as
/// Latin-1, so UTF-8 would arrive garbled.
fn ascii(text: &str, escape: fn(char, &mut String)) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            escape(c, &mut out);
        }
    }
    Cow::Owned(out)
}

/// `é` → `\e9 `: a CSS escape, valid in identifiers and strings alike; the space ends it.
fn css_escape(c: char, out: &mut String) {
    out.push_str(&format!("\\{:x} ", u32::from(c)));
}

/// `é` → `\u00e9`, and characters beyond the BMP as a surrogate pair.
fn json_escape(c: char, out: &mut String) {
    let mut units = [0u16; 2];
    for unit in c.encode_utf16(&mut units) {
        out.push_str(&format!("\\u{unit:04x}"));
    }
}

/// A selector is one line, but may still hold a control character no header can carry.
fn put(headers: &mut HeaderMap, name: HeaderName, value: &str) -> Result<(), InvalidValue> {
    let value = HeaderValue::from_str(value).map_err(|_| {
        InvalidValue::new(
            "header value",
            value,
            "a control character cannot be sent in an HTTP header",
        )
    })?;
    headers.insert(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Selector;

    #[test]
    fn non_ascii_selectors_go_out_as_css_escapes() {
        let reply = Plain(PatchElements::new("<p>x</p>").selector(Selector::new("#café").unwrap()))
            .into_response();
        let header = reply.headers()["datastar-selector"].to_str().unwrap();
        assert_eq!(header, "#caf\\e9 ");
        assert!(Selector::new(header.to_owned()).is_ok());
    }

    #[test]
    fn non_ascii_script_attributes_go_out_as_json_escapes() {
        let script = ExecuteScript::new("x()")
            .attribute("data-note", "é🦀")
            .unwrap();
        let reply = Plain(script).into_response();
        let header = reply.headers()["datastar-script-attributes"]
            .to_str()
            .unwrap();
        assert_eq!(header, r#"{"data-note":"\u00e9\ud83e\udd80"}"#);
        let back: serde_json::Value = serde_json::from_str(header).unwrap();
        assert_eq!(back["data-note"], "é🦀");
    }
}
