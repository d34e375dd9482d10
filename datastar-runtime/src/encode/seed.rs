//! The Seed dialect: the events of Datastar 0.19, written as the 0.19.9 client reads them (the
//! `onmessage` of its backend plugin's fetch, `dist/datastar.js` of
//! `@sudodevnull/datastar@0.19.9`). The mapping is documented on [`Dialect::Seed`].

use bytes::BufMut;
use serde_json::Value;

use super::{Data, Dialect, Lines, Unsupported, data, head, html_namespace, merge_mode};
use crate::actions::SeedAction;
use crate::event::{
    Event, ExecuteScript, Mode, PatchElements, PatchSignals, RemoveElements, RemoveSignals,
};

mod html;

#[cfg(test)]
mod tests;

const FRAGMENT: &str = "datastar-fragment";
const SIGNAL: &str = "datastar-signal";
const DELETE: &str = "datastar-delete";
const REDIRECT: &str = "datastar-redirect";
const CONSOLE: &str = "datastar-console";

/// Wraps the elements of an `inner` patch: 0.19's `inner` sets the target's `innerHTML` to
/// the fragment element's `innerHTML`, so one `<template>` holding the elements makes them the
/// target's children, as 1.0's `inner` does. It is never closed: the end of the fragment
/// closes it, so nothing the elements leave open (a comment, a `<textarea>`) can swallow it.
/// Elements holding `</template>`, which could close it early, are refused.
const INNER_WRAPPER: &str = "<template>";

pub(super) fn seed(event: &Event, out: &mut impl BufMut) -> Result<(), Unsupported> {
    match event {
        Event::PatchElements(e) => fragment(e, out)?,
        Event::RemoveElements(e) => remove_elements(e, out)?,
        Event::PatchSignals(e) => signals(e, out)?,
        Event::RemoveSignals(e) => remove_signals(e, out)?,
        Event::ExecuteScript(e) => action(e, out)?,
    }
    out.put_u8(b'\n');
    Ok(())
}

fn unsupported(what: &'static str) -> Unsupported {
    Unsupported {
        what,
        dialect: Dialect::Seed,
    }
}

/// `datastar-fragment`: `selector`, `merge` and `settle` are always written, as the essay's Go
/// did, so the essay's event comes out byte for byte. `vt true` is written when a view
/// transition is asked for; otherwise `vt` is left out, as the essay left it out, and the 0.19
/// client does what it did for the essay: it merges in a view transition where the browser has
/// them. (Writing `vt false` would change every essay-era event to say the 1.0 default.)
fn fragment(e: &PatchElements, out: &mut impl BufMut) -> Result<(), Unsupported> {
    html_namespace(e, Dialect::Seed)?;
    if matches!(e.view_transition, Some(Some(_))) {
        return Err(unsupported("a view transition scoped to a selector"));
    }
    let inner = e.mode == Mode::Inner;
    if inner && closes_template(&e.elements) {
        return Err(unsupported("an inner patch holding `</template>`"));
    }
    let html = html::safe(&e.elements).map_err(unsupported)?;
    head(out, FRAGMENT, &e.meta);
    data(
        out,
        "selector",
        e.selector.as_ref().map_or("", |s| s.as_str()),
    );
    data(out, "merge", merge_mode(e.mode));
    let mut settle = Data::start(out, "settle");
    settle.number(e.settle.as_millis());
    settle.end();
    if e.view_transition.is_some() {
        data(out, "vt", "true");
    }
    // Only the first line carries the `fragment` key; later lines are bare continuations,
    // each one safe to read by `html::safe`.
    let mut lines = Lines::new(&html);
    out.put_slice(b"data: fragment ");
    if inner {
        out.put_slice(INNER_WRAPPER.as_bytes());
    }
    out.put_slice(lines.next().unwrap_or("").as_bytes());
    out.put_u8(b'\n');
    for line in lines {
        out.put_slice(b"data: ");
        out.put_slice(line.as_bytes());
        out.put_u8(b'\n');
    }
    Ok(())
}

/// Whether `html` holds `</template`, in any case.
fn closes_template(html: &str) -> bool {
    memchr::memmem::find_iter(html.as_bytes(), b"</").any(|at| {
        html.as_bytes()
            .get(at + 2..at + 10)
            .is_some_and(|name| name.eq_ignore_ascii_case(b"template"))
    })
}

/// `datastar-delete` with `selector`: the client splits the line at spaces and joins the rest
/// again, so the selector arrives as written.
fn remove_elements(e: &RemoveElements, out: &mut impl BufMut) -> Result<(), Unsupported> {
    if e.view_transition {
        return Err(unsupported("a view transition on remove-elements"));
    }
    head(out, DELETE, &e.meta);
    data(out, "selector", e.selector.as_str());
    Ok(())
}

/// `datastar-signal`: the client evaluates `Object.assign({...ctx.store()}, <store>)` with
/// `new Function`, so the object is written from the parsed JSON as data literals, each string
/// inert (see [`crate::js`]), on one line.
fn signals(e: &PatchSignals, out: &mut impl BufMut) -> Result<(), Unsupported> {
    let value: Value = serde_json::from_str(&e.json)
        .map_err(|_| unsupported("signals that are not one JSON value"))?;
    if has_proto_key(&value) {
        return Err(unsupported("a signal named `__proto__`"));
    }
    head(out, SIGNAL, &e.meta);
    if e.only_if_missing {
        data(out, "onlyIfMissing", "true");
    }
    let mut store = Data::start(out, "store");
    store.text(&crate::js(&value).to_string());
    store.end();
    Ok(())
}

/// Whether an object anywhere in `value` has the key `__proto__`, which a JavaScript object
/// literal turns into the object's prototype instead of a property.
fn has_proto_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| key == "__proto__" || has_proto_key(value)),
        Value::Array(items) => items.iter().any(has_proto_key),
        _ => false,
    }
}

/// `datastar-delete` with `paths`, all on one line: the client splits it at spaces.
fn remove_signals(e: &RemoveSignals, out: &mut impl BufMut) -> Result<(), Unsupported> {
    if e.paths.is_empty() {
        // Removing nothing: a `paths` line without paths would remove the signal named "".
        head(out, SIGNAL, &e.meta);
        data(out, "store", "{}");
        return Ok(());
    }
    if e.paths.iter().any(|p| p.as_str().contains(html::js_space)) {
        return Err(unsupported("a signal path with white space"));
    }
    head(out, DELETE, &e.meta);
    let mut line = Data::start(out, "paths");
    for (i, path) in e.paths.iter().enumerate() {
        if i > 0 {
            line.text(" ");
        }
        line.text(path.as_str());
    }
    line.end();
    Ok(())
}

/// A redirect or a console message; any other script has no 0.19 event.
fn action(e: &ExecuteScript, out: &mut impl BufMut) -> Result<(), Unsupported> {
    match &e.action {
        Some(SeedAction::Redirect(url)) => {
            let url = redirect_url(url);
            if !http_or_relative(&url) {
                // 0.19 assigns the URL to `location.href` unchecked: `javascript:` would run.
                return Err(unsupported(
                    "a redirect to a URL that is not http(s) or relative",
                ));
            }
            head(out, REDIRECT, &e.meta);
            data(out, "url", &url);
        }
        Some(SeedAction::Console { level, message }) => {
            console_message(message)?;
            head(out, CONSOLE, &e.meta);
            // `<level> <message>`: the client splits the data at spaces and joins all but the
            // first word, so further lines of the message are bare data lines.
            let mut lines = Lines::new(message);
            let mut first = Data::start(out, level);
            first.text(lines.next().unwrap_or(""));
            first.end();
            for line in lines {
                out.put_slice(b"data: ");
                out.put_slice(line.as_bytes());
                out.put_u8(b'\n');
            }
        }
        None => return Err(unsupported("execute-script")),
    }
    Ok(())
}

/// The URL as the browser reads it from `location.href`, in a form that survives the client's
/// `trim()`: the URL parser drops ASCII tabs and line breaks anywhere and C0 controls and
/// spaces at the ends, so those are left out; other white space that `trim()` would cut from
/// the end is percent-encoded, as the URL parser encodes it.
fn redirect_url(url: &str) -> String {
    let mut url: String = url
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    while let Some(last) = url.chars().next_back().filter(|&c| html::js_space(c)) {
        url.pop();
        if !last.is_ascii() {
            let mut bytes = [0; 4];
            for byte in last.encode_utf8(&mut bytes).bytes() {
                url.push_str(&format!("%{byte:02X}"));
            }
            break;
        }
    }
    url
}

/// Whether the browser's URL parser reads `url` (tabs and line breaks already gone) as an
/// `http:` or `https:` URL or as one relative to the page: after the C0 controls and spaces it
/// skips at the start, a scheme is a letter, then letters, digits, `+`, `-` or `.`, then `:`.
fn http_or_relative(url: &str) -> bool {
    let url = url.trim_start_matches(|c: char| c <= ' ');
    let Some((scheme, _)) = url.split_once(':') else {
        return true;
    };
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    !is_scheme || scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// A message the client prints as sent: it reads `\r` as a line break, drops a U+FEFF that
/// starts a line and trims the end.
fn console_message(message: &str) -> Result<(), Unsupported> {
    let changed = message.contains('\r')
        || message.ends_with(html::js_space)
        || message
            .split('\n')
            .skip(1)
            .any(|l| l.starts_with('\u{feff}'));
    if changed {
        return Err(unsupported(
            "a console message with `\\r`, trailing white space or a line starting with U+FEFF",
        ));
    }
    Ok(())
}
