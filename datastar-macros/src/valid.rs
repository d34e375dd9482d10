//! Meaning: the raw arguments and the function signature become a validated model.
//!
//! Every check pushes its error to the [`Ctxt`] and goes on, so one build shows every mistake.

use datastar_syntax::selector;
use datastar_syntax::{Mode, Namespace};
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, FnArg, ItemFn, Lit, LitStr, ReturnType};

use crate::ctxt::Ctxt;
use crate::parse::Arg;

/// Where the elements go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Merge {
    Patch(Mode),
    Remove,
}

/// Validated options, shared by `#[fragment]` and `patch!`.
pub(crate) struct Options {
    pub selector: Option<LitStr>,
    pub merge: Merge,
    pub view_transition: bool,
    pub view_transition_selector: Option<LitStr>,
    pub namespace: Namespace,
    pub id: Option<LitStr>,
    pub retry: Option<u64>,
}

/// The keys, in the order the docs list them.
const KEYS: [&str; 7] = [
    "selector",
    "merge",
    "view_transition",
    "view_transition_selector",
    "namespace",
    "id",
    "retry",
];

/// Every `merge` name: Datastar 1.0's modes, and the essay's `morph`, which is 1.0's `outer`.
const MERGES: [(&str, Merge); 9] = [
    ("outer", Merge::Patch(Mode::Outer)),
    ("inner", Merge::Patch(Mode::Inner)),
    ("replace", Merge::Patch(Mode::Replace)),
    ("prepend", Merge::Patch(Mode::Prepend)),
    ("append", Merge::Patch(Mode::Append)),
    ("before", Merge::Patch(Mode::Before)),
    ("after", Merge::Patch(Mode::After)),
    ("remove", Merge::Remove),
    ("morph", Merge::Patch(Mode::Outer)),
];

/// Names from older Datastar versions that 1.0 dropped, with what to write instead.
const OLD_MERGES: [(&str, &str); 3] = [
    (
        "upsert_attributes",
        "`outer` morphs the element, attributes included: write `merge = \"outer\"`",
    ),
    (
        "upsertAttributes",
        "`outer` morphs the element, attributes included: write `merge = \"outer\"`",
    ),
    ("morph_element", "write `merge = \"outer\"`, which morphs"),
];

/// Keys from older Datastar versions, with what to write instead.
const OLD_KEYS: [(&str, &str, &str); 5] = [
    (
        "settle",
        "`settle` was removed in Datastar 1.0",
        "the 1.0 client has no settle phase; animate the change with a view transition: `view_transition = true`",
    ),
    (
        "mode",
        "unknown key `mode`",
        "the mode is set with `merge`: write `merge = \"…\"`",
    ),
    (
        "merge_mode",
        "unknown key `merge_mode`",
        "write `merge = \"…\"`",
    ),
    (
        "use_view_transition",
        "unknown key `use_view_transition`",
        "write `view_transition = true`",
    ),
    (
        "only_if_missing",
        "unknown key `only_if_missing`",
        "`only_if_missing` belongs to signal patches, not to elements",
    ),
];

/// Checks the `key = value` arguments.
pub(crate) fn options(cx: &Ctxt, args: &[Arg]) -> Options {
    let mut o = Options {
        selector: None,
        merge: Merge::Patch(Mode::Outer),
        view_transition: false,
        view_transition_selector: None,
        namespace: Namespace::Html,
        id: None,
        retry: None,
    };
    let mut merge_lit: Option<&LitStr> = None;
    let mut view_transition_key = None;
    let mut seen: Vec<String> = Vec::new();
    for arg in args {
        let key = syn::ext::IdentExt::unraw(&arg.key).to_string();
        if seen.contains(&key) {
            cx.error(arg.key.span(), format_args!("duplicate key `{key}`"), &[]);
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            // selector = "#css"
            "selector" => {
                if let Some(lit) = string(cx, arg, "selector = \"#contact\"") {
                    check_selector(cx, lit);
                    o.selector = Some(lit.clone());
                }
            }
            // merge = "outer" | "inner" | "replace" | … | "remove" | "morph"
            "merge" => {
                if let Some(lit) = string(cx, arg, "merge = \"inner\"")
                    && let Some(merge) = merge_mode(cx, lit)
                {
                    o.merge = merge;
                    merge_lit = Some(lit);
                }
            }
            // view_transition = true
            "view_transition" => o.view_transition = boolean(cx, arg).unwrap_or(false),
            // view_transition_selector = "#css"
            "view_transition_selector" => {
                view_transition_key = Some(arg.key.span());
                if let Some(lit) = string(cx, arg, "view_transition_selector = \"#list\"") {
                    check_selector(cx, lit);
                    o.view_transition_selector = Some(lit.clone());
                }
            }
            // namespace = "html" | "svg" | "mathml"
            "namespace" => {
                if let Some(lit) = string(cx, arg, "namespace = \"svg\"") {
                    o.namespace = namespace(cx, lit);
                }
            }
            // id = "event-id"
            "id" => {
                if let Some(lit) = string(cx, arg, "id = \"42\"") {
                    if lit.value().contains(['\r', '\n', '\0']) {
                        cx.error(
                            lit.span(),
                            "an event id cannot hold a line break or NUL",
                            &[],
                        );
                    }
                    o.id = Some(lit.clone());
                }
            }
            // retry = 500 (milliseconds)
            "retry" => o.retry = integer(cx, arg),
            _ => unknown_key(cx, arg, &key),
        }
    }
    cross_checks(cx, &o, merge_lit, view_transition_key);
    o
}

fn cross_checks(cx: &Ctxt, o: &Options, merge: Option<&LitStr>, vts_key: Option<Span>) {
    let needs_selector = match o.merge {
        Merge::Patch(mode) => mode.needs_selector(),
        Merge::Remove => true,
    };
    if needs_selector && o.selector.is_none() {
        let (span, name) = merge.map_or((Span::call_site(), String::new()), |l| {
            (l.span(), l.value())
        });
        cx.error(
            span,
            format_args!("`merge = \"{name}\"` needs a `selector`"),
            &[
                "note: only `outer` and `replace` can find their targets by `id`; the Datastar 1.0 client throws for any other mode without a selector".into(),
                "help: add a selector, such as `selector = \"#list\"`".into(),
            ],
        );
    }
    if let Some(span) = vts_key {
        if !o.view_transition {
            cx.error(
                span,
                "`view_transition_selector` needs `view_transition = true`",
                &["help: add `view_transition = true`".into()],
            );
        }
        if o.merge == Merge::Remove {
            cx.error(
                span,
                "`view_transition_selector` cannot be used with `merge = \"remove\"`",
                &[],
            );
        }
    }
    if o.merge == Merge::Remove && o.namespace != Namespace::Html {
        let span = merge.map_or(Span::call_site(), LitStr::span);
        cx.error(
            span,
            "`namespace` has no meaning with `merge = \"remove\"`, which creates no elements",
            &[],
        );
    }
}

fn check_selector(cx: &Ctxt, lit: &LitStr) {
    if let Err(e) = selector::validate(&lit.value()) {
        let at = if e.offset() > 0 {
            format!(" (at byte {})", e.offset())
        } else {
            String::new()
        };
        cx.error(
            lit.span(),
            format_args!("invalid CSS selector: {}{at}", e.message()),
            &["note: the browser's `document.querySelector` would throw a `SyntaxError`".into()],
        );
    }
}

fn merge_mode(cx: &Ctxt, lit: &LitStr) -> Option<Merge> {
    let name = lit.value();
    if let Some((_, merge)) = MERGES.iter().find(|(n, _)| *n == name) {
        return Some(*merge);
    }
    if let Some((_, help)) = OLD_MERGES.iter().find(|(n, _)| *n == name) {
        cx.error(
            lit.span(),
            format_args!("merge mode `{name}` was removed in Datastar 1.0"),
            &[format!("help: {help}")],
        );
        return None;
    }
    let names: Vec<&str> = MERGES.iter().map(|(n, _)| *n).collect();
    let mut help = vec![format!("note: expected one of {}", list(&names))];
    if let Some(close) = did_you_mean(&name, &names) {
        help.insert(0, format!("help: did you mean `{close}`?"));
    }
    cx.error(
        lit.span(),
        format_args!("unknown merge mode `{name}`"),
        &help,
    );
    None
}

fn namespace(cx: &Ctxt, lit: &LitStr) -> Namespace {
    let name = lit.value();
    Namespace::from_name(&name).unwrap_or_else(|| {
        let names: Vec<&str> = Namespace::ALL.iter().map(|n| n.as_str()).collect();
        let mut help = vec![format!("note: expected one of {}", list(&names))];
        if let Some(close) = did_you_mean(&name, &names) {
            help.insert(0, format!("help: did you mean `{close}`?"));
        }
        cx.error(
            lit.span(),
            format_args!("unknown namespace `{name}`"),
            &help,
        );
        Namespace::Html
    })
}

fn unknown_key(cx: &Ctxt, arg: &Arg, key: &str) {
    if let Some((_, message, help)) = OLD_KEYS.iter().find(|(k, _, _)| *k == key) {
        cx.error(arg.key.span(), message, &[format!("help: {help}")]);
        return;
    }
    let mut help = vec![format!("note: expected one of {}", list(&KEYS))];
    if let Some(close) = did_you_mean(key, &KEYS) {
        help.insert(0, format!("help: did you mean `{close}`?"));
    }
    cx.error(arg.key.span(), format_args!("unknown key `{key}`"), &help);
}

/// What kind of literal a value is, for "found …" messages.
fn found(value: &Expr) -> &'static str {
    match value {
        Expr::Lit(lit) => match lit.lit {
            Lit::Str(_) => "a string",
            Lit::Bool(_) => "a boolean",
            Lit::Int(_) => "an integer",
            Lit::Float(_) => "a float",
            _ => "a literal",
        },
        _ => "an expression",
    }
}

fn string<'a>(cx: &Ctxt, arg: &'a Arg, example: &str) -> Option<&'a LitStr> {
    if let Some(Lit::Str(lit)) = arg.lit() {
        return Some(lit);
    }
    let help = match arg.lit() {
        None => {
            format!("help: values are checked at compile time, so write a literal: `{example}`")
        }
        Some(_) => format!("help: write `{example}`"),
    };
    cx.error(
        arg.value.span(),
        format_args!("expected a string literal, found {}", found(&arg.value)),
        &[help],
    );
    None
}

fn boolean(cx: &Ctxt, arg: &Arg) -> Option<bool> {
    if let Some(Lit::Bool(lit)) = arg.lit() {
        return Some(lit.value);
    }
    cx.error(
        arg.value.span(),
        format_args!("expected `true` or `false`, found {}", found(&arg.value)),
        &[],
    );
    None
}

fn integer(cx: &Ctxt, arg: &Arg) -> Option<u64> {
    if let Some(Lit::Int(lit)) = arg.lit() {
        match lit.base10_parse::<u64>() {
            Ok(ms) if lit.suffix().is_empty() => return Some(ms),
            _ => {}
        }
    }
    let what = match arg.lit() {
        Some(Lit::Int(_)) => "an integer with a suffix or out of range",
        _ => found(&arg.value),
    };
    cx.error(
        arg.value.span(),
        format_args!("expected milliseconds as an integer literal, found {what}"),
        &["help: write `retry = 5000` for five seconds".into()],
    );
    None
}

/// `` `a`, `b` or `c` ``.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// The closest name, if it is a small typo away.
fn did_you_mean<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase().replace('-', "_");
    names
        .iter()
        .map(|n| (distance(&lower, n), *n))
        .filter(|(d, n)| *d <= 2 && *d < n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Checks the handler's signature.
pub(crate) fn handler(cx: &Ctxt, f: &ItemFn, options: &Options) {
    let sig = &f.sig;
    if sig.asyncness.is_none() {
        cx.error(
            sig.fn_token.span,
            "a `#[fragment]` handler must be `async`",
            &["help: write `async fn`".into()],
        );
    }
    if let Some(FnArg::Receiver(receiver)) = sig.inputs.first() {
        cx.error(
            receiver.span(),
            "`#[fragment]` cannot be used on a method",
            &["help: write a free `async fn` and take what you need with extractors such as `State`".into()],
        );
    }
    if options.merge != Merge::Remove && matches!(sig.output, ReturnType::Default) {
        cx.error(
            sig.ident.span(),
            "a `#[fragment]` handler must return the HTML to send",
            &["help: add a return type, such as `-> Markup`".into()],
        );
    }
}

/// Checks `patch!`'s HTML argument against the mode.
pub(crate) fn patch_html(cx: &Ctxt, options: &Options, html: Option<&Expr>) {
    match (options.merge, html) {
        (Merge::Remove, Some(html)) => cx.error(
            html.span(),
            "`merge = \"remove\"` takes no HTML",
            &["help: remove this argument".into()],
        ),
        (Merge::Patch(_), None) => cx.error(
            Span::call_site(),
            "missing the HTML to patch",
            &["help: add it as the last argument: `patch!(selector = \"#feed\", merge = \"prepend\", html! { … })`".into()],
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_the_closest_name() {
        let names: Vec<&str> = MERGES.iter().map(|(n, _)| *n).collect();
        assert_eq!(did_you_mean("apend", &names), Some("append"));
        assert_eq!(did_you_mean("Outer", &names), Some("outer"));
        assert_eq!(did_you_mean("morf", &names), Some("morph"));
        assert_eq!(did_you_mean("sideways", &names), None);
        assert_eq!(did_you_mean("selecter", &KEYS), Some("selector"));
    }
}
