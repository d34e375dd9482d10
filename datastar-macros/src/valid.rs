//! Meaning: the raw arguments and the function signature become a validated model.
//!
//! Every check pushes its error to the [`Ctxt`] and goes on, so one build shows every mistake.

use datastar_syntax::selector;
use datastar_syntax::selector::template::{self, Piece};
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

/// A selector as written: a plain one, or a template with `{name}` placeholders.
pub(crate) enum SelectorArg {
    Static(LitStr),
    Template { lit: LitStr, pieces: Vec<Piece> },
}

impl SelectorArg {
    pub(crate) fn lit(&self) -> &LitStr {
        match self {
            SelectorArg::Static(lit) | SelectorArg::Template { lit, .. } => lit,
        }
    }

    /// The names of the placeholders, in order, each once.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        if let SelectorArg::Template { pieces, .. } = self {
            for piece in pieces {
                if let Piece::Value { name, .. } = piece
                    && !names.contains(&name.as_str())
                {
                    names.push(name);
                }
            }
        }
        names
    }
}

/// Validated options, shared by `#[fragment]` and `patch!`.
pub(crate) struct Options {
    pub selector: Option<SelectorArg>,
    /// A `selector` was given, even one that was rejected: no second error for its absence.
    pub selector_given: bool,
    pub merge: Merge,
    pub view_transition: bool,
    pub view_transition_selector: Option<LitStr>,
    pub namespace: Namespace,
    pub id: Option<LitStr>,
    pub retry: Option<u64>,
}

/// The keys, in the order the docs list them.
const KEYS: [&str; 8] = [
    "selector",
    "mode",
    "merge",
    "view_transition",
    "view_transition_selector",
    "namespace",
    "id",
    "retry",
];

/// Every mode name: Datastar 1.0's modes, and the essay's `morph`, which is 1.0's `outer`.
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
        "`outer` morphs the element, attributes included: write `mode = \"outer\"`",
    ),
    (
        "upsertAttributes",
        "`outer` morphs the element, attributes included: write `mode = \"outer\"`",
    ),
    ("morph_element", "write `mode = \"outer\"`, which morphs"),
];

/// Keys from older Datastar versions, with what to write instead.
const OLD_KEYS: [(&str, &str, &str); 4] = [
    (
        "settle",
        "`settle` was removed in Datastar 1.0",
        "the 1.0 client has no settle phase; animate the change with a view transition: `view_transition = true`",
    ),
    (
        "merge_mode",
        "unknown key `merge_mode`",
        "write `mode = \"…\"`",
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
        selector_given: false,
        merge: Merge::Patch(Mode::Outer),
        view_transition: false,
        view_transition_selector: None,
        namespace: Namespace::Html,
        id: None,
        retry: None,
    };
    let mut merge_lit: Option<(&str, &LitStr)> = None;
    let mut mode_key: Option<&syn::Ident> = None;
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
            // selector = "#css", or a template: "#card-{id}"
            "selector" => {
                o.selector_given = true;
                o.selector = selector_arg(cx, arg);
            }
            // mode = "outer" | "inner" | "replace" | … | "remove" | "morph", also spelled `merge`
            "mode" | "merge" => {
                if let Some(first) = mode_key {
                    let first_name = first.to_string();
                    cx.error(
                        arg.key.span(),
                        format_args!("`{key}` and `{first_name}` are the same key"),
                        &[
                            "note: `mode` is Datastar 1.0's name, and `merge` the name this crate started with; give one of them".into(),
                        ],
                    );
                    continue;
                }
                mode_key = Some(&arg.key);
                let key: &'static str = if key == "mode" { "mode" } else { "merge" };
                let example = format!("{key} = \"inner\"");
                if let Some(lit) = string(cx, arg, &example)
                    && let Some(merge) = merge_mode(cx, lit)
                {
                    o.merge = merge;
                    merge_lit = Some((key, lit));
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

fn cross_checks(cx: &Ctxt, o: &Options, merge: Option<(&str, &LitStr)>, vts_key: Option<Span>) {
    let needs_selector = match o.merge {
        Merge::Patch(mode) => mode.needs_selector(),
        Merge::Remove => true,
    };
    let key = merge.map_or("mode", |(key, _)| key);
    let merge = merge.map(|(_, lit)| lit);
    if needs_selector && !o.selector_given {
        let (span, name) = merge.map_or((Span::call_site(), String::new()), |l| {
            (l.span(), l.value())
        });
        cx.error(
            span,
            format_args!("`{key} = \"{name}\"` needs a `selector`"),
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
                format_args!("`view_transition_selector` cannot be used with `{key} = \"remove\"`"),
                &[],
            );
        }
    }
    if o.merge == Merge::Remove && o.namespace != Namespace::Html {
        let span = merge.map_or(Span::call_site(), LitStr::span);
        cx.error(
            span,
            format_args!(
                "`namespace` has no meaning with `{key} = \"remove\"`, which creates no elements"
            ),
            &[],
        );
    }
}

/// `selector = "…"`: a literal, checked as a selector or as a template.
fn selector_arg(cx: &Ctxt, arg: &Arg) -> Option<SelectorArg> {
    let Some(Lit::Str(lit)) = arg.lit() else {
        cx.error(
            arg.value.span(),
            format_args!(
                "expected a string literal, found {}",
                found(&arg.value)
            ),
            &[
                "note: selectors are checked at compile time, so they are written as literals".into(),
                "help: put run-time values in a template: `selector = \"#row-{id}\"` fills `{id}` from a variable, escaped".into(),
                "help: for a selector chosen at run time, build the event: `PatchElements::new(html).selector(Selector::new(css)?)`".into(),
            ],
        );
        return None;
    };
    let value = lit.value();
    if !template::is_template(&value) {
        check_selector(cx, lit);
        return Some(SelectorArg::Static(lit.clone()));
    }
    match template::parse(&value) {
        Ok(pieces) => Some(SelectorArg::Template {
            lit: lit.clone(),
            pieces,
        }),
        Err(e) => {
            let mut help = vec![
                "note: in a selector template, `{name}` is filled from a variable and stands for an identifier, and `{{` and `}}` are literal braces".into(),
            ];
            if let Some(h) = e.help() {
                help.insert(0, format!("help: {h}"));
            }
            let at = if e.at().start > 0 {
                format!(" (at byte {})", e.at().start)
            } else {
                String::new()
            };
            cx.error(
                lit.span(),
                format_args!("invalid selector template: {}{at}", e.message()),
                &help,
            );
            None
        }
    }
}

fn check_selector(cx: &Ctxt, lit: &LitStr) {
    if let Err(e) = selector::validate(&lit.value()) {
        let at = if e.offset() > 0 {
            format!(" (at byte {})", e.offset())
        } else {
            String::new()
        };
        let mut notes = Vec::new();
        if let Some(close) = e.suggestion() {
            notes.push(format!("help: did you mean `{close}`?"));
        }
        notes.push(
            "note: the browser's `document.querySelector` would throw a `SyntaxError`".into(),
        );
        cx.error(
            lit.span(),
            format_args!("invalid CSS selector: {}{at}", e.message()),
            &notes,
        );
    }
}

fn merge_mode(cx: &Ctxt, lit: &LitStr) -> Option<Merge> {
    let name = lit.value();
    if let Some((_, merge)) = MERGES.iter().find(|(n, _)| *n == name) {
        return Some(*merge);
    }
    if let Some((_, help)) = OLD_MERGES.iter().find(|(n, _)| *n == name) {
        let mut notes = vec![format!("help: {help}")];
        if name.starts_with("upsert") {
            // The runtime still speaks it to the pre-1.0 clients, which the macro cannot see.
            notes.push(
                "note: for a `Dialect::Beta` or `Dialect::Seed` router, return a `PatchElements` built with `.mode(Mode::UpsertAttributes)`"
                    .into(),
            );
        }
        cx.error(
            lit.span(),
            format_args!("mode `{name}` was removed in Datastar 1.0"),
            &notes,
        );
        return None;
    }
    let names: Vec<&str> = MERGES.iter().map(|(n, _)| *n).collect();
    let mut help = vec![format!("note: expected one of {}", list(&names))];
    if let Some(close) = did_you_mean(&name, &names) {
        help.insert(0, format!("help: did you mean `{close}`?"));
    }
    cx.error(lit.span(), format_args!("unknown mode `{name}`"), &help);
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

/// The closest name, if it is a small typo away (a transposed pair counts as one edit).
fn did_you_mean<'a>(name: &str, names: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase().replace('-', "_");
    names
        .iter()
        .map(|n| (strsim::osa_distance(&lower, n), *n))
        .filter(|(d, n)| *d <= 2 && *d < n.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The names the argument patterns of `f` bind, in order.
pub(crate) fn bindings(f: &ItemFn) -> Vec<(usize, syn::Ident)> {
    struct Names<'a>(&'a mut Vec<syn::Ident>);
    impl<'ast> syn::visit::Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, pat: &'ast syn::PatIdent) {
            self.0.push(pat.ident.clone());
            syn::visit::visit_pat_ident(self, pat);
        }
    }
    let mut out = Vec::new();
    for (i, input) in f.sig.inputs.iter().enumerate() {
        if let FnArg::Typed(arg) = input {
            let mut names = Vec::new();
            syn::visit::Visit::visit_pat(&mut Names(&mut names), &arg.pat);
            out.extend(names.into_iter().map(|name| (i, name)));
        }
    }
    out
}

/// Checks the handler's signature.
pub(crate) fn handler(cx: &Ctxt, f: &ItemFn, options: &Options) {
    let sig = &f.sig;
    if let Some(selector) = &options.selector {
        let bound = bindings(f);
        let names: Vec<String> = bound
            .iter()
            .map(|(_, name)| syn::ext::IdentExt::unraw(name).to_string())
            .collect();
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        for name in selector.names() {
            let bare = name.strip_prefix("r#").unwrap_or(name);
            if known.contains(&bare) {
                continue;
            }
            let mut help = Vec::new();
            if let Some(close) = did_you_mean(bare, &known) {
                help.push(format!("help: did you mean `{{{close}}}`?"));
            }
            help.push(if known.is_empty() {
                "note: the handler's arguments bind no names; a placeholder names a binding of an argument pattern, such as `id` in `Path(id): Path<u32>`".into()
            } else {
                format!(
                    "note: a placeholder names a binding of the handler's argument patterns: {}",
                    list(&known)
                )
            });
            cx.error(
                selector.lit().span(),
                format_args!(
                    "the selector template names `{{{name}}}`, which no argument of `{}` binds",
                    sig.ident
                ),
                &help,
            );
        }
    }
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
            &[
                "help: add a return type, such as `-> Markup`".into(),
                "note: to send other events after the HTML, return a tuple: `-> (Markup, PatchSignals)`".into(),
            ],
        );
    }
}

/// Checks `patch!`'s HTML argument against the mode.
pub(crate) fn patch_html(cx: &Ctxt, options: &Options, html: Option<&Expr>) {
    match (options.merge, html) {
        (Merge::Remove, Some(html)) => cx.error(
            html.span(),
            "`mode = \"remove\"` takes no HTML",
            &["help: remove this argument".into()],
        ),
        (Merge::Patch(_), None) => cx.error(
            Span::call_site(),
            "missing the HTML to patch",
            &["help: add it as the last argument: `patch!(selector = \"#feed\", mode = \"prepend\", html! { … })`".into()],
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
