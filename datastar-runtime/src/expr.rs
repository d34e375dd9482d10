//! Values written into Datastar expression attributes (`data-signals`, `data-on:*`,
//! `data-text`, ...): [`js`] for data, [`raw_expr`] for code the server writes itself.

use std::fmt;
use std::io;

use maud::Render;
use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, Serializer};

/// `value` as a JavaScript literal that is safe in any Datastar expression attribute.
///
/// The JSON of `value`, with `$`, `@`, `` ` ``, `<`, `>`, `&`, `'` and all non-ASCII characters
/// written as `\uXXXX`. Splice it into `html!` as `(js(&value))`; its
/// [`Display`](fmt::Display) gives the same text for building an expression by hand.
///
/// ```
/// use datastar_runtime::js;
///
/// assert_eq!(js("@post('/x')").to_string(), r#""\u0040post(\u0027/x\u0027)""#);
/// assert_eq!(js(&[1, 2]).to_string(), "[1,2]");
/// ```
///
/// # Why not `serde_json::to_string`
///
/// Datastar compiles an expression attribute into a JavaScript function, and its compiler
/// rewrites the text before it does. Datastar 1.0.x cuts out the text between its own markers
/// (`🖕JS_` and `_DS🚀`) and puts it back with `String.replace`, where `$` sequences are
/// replacement patterns (`` $` `` expands to all the code before the match); it rewrites every
/// `$name` into a signal lookup and every `@name(` into an action call, even inside string
/// literals. Plain JSON keeps all of those characters, so a user's text in
/// `data-signals:title=(serde_json::to_string(&title))` can run script: the title
/// `` 🖕JS_$`_DS🚀+alert(7));// `` does, for everyone who opens the page.
///
/// `js` writes the same JSON with `$`, `@`, the backtick, `<`, `>`, `&`, `'` and every
/// non-ASCII character as a `\uXXXX` escape (astral characters as a surrogate pair). JavaScript
/// reads the escapes back as exactly the same value, and the compiler finds nothing in them to
/// rewrite: no marker, no `$`, no `@`. User data that need not be in an expression at all is
/// safest sent as a [`PatchSignals`](crate::PatchSignals) event.
///
/// ```
/// use datastar_runtime::prelude::*;
///
/// let title = "🖕JS_$`_DS🚀+alert(7));// ";
/// let markup = html! { input data-signals:title=(js(title)) data-bind:title; };
/// assert_eq!(
///     markup.into_string(),
///     r#"<input data-signals:title="&quot;\ud83d\udd95JS_\u0024\u0060_DS\ud83d\ude80+alert(7));// &quot;" data-bind:title>"#,
/// );
/// ```
///
/// An expression the server builds from its own constants, not from data, is marked as such
/// with [`raw_expr`], so that every place that writes code into the page can be found with one
/// search.
///
/// # Panics
///
/// When `value`'s `Serialize` implementation fails, which the types of serde and the standard
/// library only do for a map whose keys are not strings.
pub fn js<T: Serialize + ?Sized>(value: &T) -> Js<'_, T> {
    Js(value)
}

/// A value written as an inert JavaScript literal: made by [`js`].
#[derive(Debug)]
pub struct Js<'a, T: ?Sized>(&'a T);

impl<T: ?Sized> Clone for Js<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Js<'_, T> {}

impl<T: Serialize + ?Sized> fmt::Display for Js<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut json = Vec::with_capacity(64);
        self.0
            .serialize(&mut Serializer::with_formatter(&mut json, InertJson))
            .unwrap_or_else(|e| panic!("datastar_runtime::js: the value does not serialize: {e}"));
        // Every byte written is ASCII: non-ASCII characters were escaped.
        f.write_str(std::str::from_utf8(&json).map_err(|_| fmt::Error)?)
    }
}

impl<T: Serialize + ?Sized> Render for Js<'_, T> {
    fn render_to(&self, buffer: &mut String) {
        self.to_string().as_str().render_to(buffer);
    }
}

/// Marks `expr` as an expression the server wrote itself, trusted as it is.
///
/// For code built from the server's own constants (a route, a signal name), never from data:
/// data goes through [`js`]. The marker changes nothing in the output; it makes every
/// hand-built expression one search away (`raw_expr(`).
///
/// ```
/// use datastar_runtime::prelude::*;
///
/// const BASE: &str = "/todos";
/// let markup = html! { button data-on:click=(raw_expr(format!("@post('{BASE}/add')"))) { "Add" } };
/// assert_eq!(markup.into_string(), r#"<button data-on:click="@post('/todos/add')">Add</button>"#);
/// ```
pub fn raw_expr<T: Render>(expr: T) -> RawExpr<T> {
    RawExpr(expr)
}

/// An expression the server vouches for: made by [`raw_expr`].
#[derive(Clone, Copy, Debug)]
pub struct RawExpr<T>(T);

impl<T: Render> Render for RawExpr<T> {
    fn render_to(&self, buffer: &mut String) {
        self.0.render_to(buffer);
    }
}

/// A value that the prelude's `html!` lets into an expression attribute: [`Js`] (made by
/// [`js`]) and [`RawExpr`] (made by [`raw_expr`]), a reference to one, or an `Option` of one
/// for maud's optional attributes (`data-text=[..]`).
///
/// Anything else spliced into `data-on:*`, `data-signals*`, `data-text`... does not compile:
///
/// ```compile_fail
/// use datastar_runtime::prelude::*;
///
/// let name = String::from("Ada");
/// let _ = html! { p data-text=(name) {} };
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be spliced into a Datastar expression attribute",
    label = "not written inert",
    note = "Datastar compiles this attribute into JavaScript, so text in it can run as code",
    note = "write data as `js(&value)`, and an expression the server builds itself as `raw_expr(..)`"
)]
pub trait ExprValue {
    /// The value itself; the checking `html!` wraps each splice in this call, so the compiler
    /// checks its type.
    #[doc(hidden)]
    fn __datastar_expr(&self) -> &Self {
        self
    }
}

impl<T: ?Sized> ExprValue for Js<'_, T> {}
impl<T> ExprValue for RawExpr<T> {}
impl<T: ExprValue + ?Sized> ExprValue for &T {}
impl<T: ExprValue> ExprValue for Option<T> {}

/// serde_json's compact output, with every character the Datastar compiler (or HTML) could act
/// on escaped.
struct InertJson;

impl Formatter for InertJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.find(needs_escape) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            let mut units = [0; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        // serde_json's own escapes (`\"`, `\\`, `\n`, `\u001f`...) are all ASCII and inert.
        serde_json::ser::CompactFormatter.write_char_escape(writer, char_escape)
    }
}

fn needs_escape(c: char) -> bool {
    !c.is_ascii() || matches!(c, '$' | '@' | '`' | '<' | '>' | '&' | '\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    #[test]
    fn every_active_character_is_escaped() {
        assert_eq!(
            js("$`@<>&'\"\\\n").to_string(),
            r#""\u0024\u0060\u0040\u003c\u003e\u0026\u0027\"\\\n""#
        );
    }

    #[test]
    fn astral_characters_become_surrogate_pairs() {
        assert_eq!(js("é🚀").to_string(), r#""\u00e9\ud83d\ude80""#);
    }

    #[test]
    fn object_keys_are_escaped_like_values() {
        let map = std::collections::BTreeMap::from([("$k", "@v")]);
        assert_eq!(js(&map).to_string(), r#"{"\u0024k":"\u0040v"}"#);
    }

    #[test]
    fn markup_escapes_the_quotes_for_the_attribute() {
        let markup = maud::html! { p data-text=(js("a")) {} };
        assert_eq!(markup.into_string(), r#"<p data-text="&quot;a&quot;"></p>"#);
    }

    proptest! {
        #[test]
        fn output_is_inert_ascii_and_reads_back_as_the_value(s in any::<String>()) {
            let out = js(&s).to_string();
            prop_assert!(out.is_ascii());
            prop_assert!(!out.contains(['$', '@', '`', '<', '>', '&', '\'']));
            prop_assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
        }
    }
}
