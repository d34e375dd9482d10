//! The checking `html!`: maud's `html!` with every `data-*` attribute checked against the
//! Datastar 1.0 grammar (`datastar_syntax::attribute`), and every splice into an expression
//! attribute required to be `js(..)` or `raw_expr(..)`.
//!
//! The markup goes to `::maud::html!` as written, so the output is maud's, byte for byte.

mod options;
mod roots;
mod signals;
mod walk;

pub(crate) use options::{roots_in_fn, roots_in_patch, signals_in_fn, signals_in_patch};

use datastar_syntax::attribute::{self, ACTIONS, MistakeKind};
use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ctxt::Ctxt;
use walk::{Attr, Part, Walker};

/// The attribute grammar the markup is checked against.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Dialect {
    /// Datastar 1.0: names, keys, modifiers and actions.
    V1,
    /// The Beta clients: only splices into expression attributes are checked.
    Beta,
}

/// `html! { .. }`: checks, then expands to maud's `html!` on the same markup.
pub(crate) fn html(input: TokenStream, dialect: Dialect) -> TokenStream {
    let cx = Ctxt::new();
    let (options, input) = options::split(&cx, input);
    let mut walker = Walker {
        attrs: Vec::new(),
        roots: Vec::new(),
        depth: 0,
        is_expression: |name: &str| attribute::is_expression(name, dialect == Dialect::Beta),
    };
    let Ok(markup) = walker.markups(input.clone()) else {
        // Not markup maud accepts: let maud say what is wrong with it.
        let errors = cx.check().err().map(|e| e.to_compile_error());
        return quote!({ #errors ::maud::html! { #input } });
    };
    if dialect == Dialect::V1 {
        for attr in walker.attrs.iter().filter(|a| !a.unchecked) {
            check(&cx, attr);
        }
    }
    if let Some(rule) = &options.roots {
        roots::check(&cx, rule, &walker.roots);
    }
    let assertions = options
        .signals
        .map(|ty| signals::assertions(&ty, &signals::references(&walker.attrs)));
    // A name that ends in `-` or `:` is one maud cannot parse: once it has been reported
    // here, maud's own error on the same attribute would only repeat it.
    let unparsable = walker
        .attrs
        .iter()
        .any(|a| !a.unchecked && a.name.starts_with("data-") && a.name.ends_with(['-', ':']));
    match cx.check() {
        Err(errors) if unparsable && dialect == Dialect::V1 => {
            let errors = errors.to_compile_error();
            quote!({ #errors #assertions ::maud::PreEscaped(::std::string::String::new()) })
        }
        checked => {
            let errors = checked.err().map(|e| e.to_compile_error());
            quote!({ #errors #assertions ::maud::html! { #markup } })
        }
    }
}

fn check(cx: &Ctxt, attr: &Attr) {
    let name = attr.name.to_ascii_lowercase();
    let presence = match &attr.value {
        None => Some(false),
        Some(parts) => parts.iter().try_fold(false, |present, part| match part {
            Part::Lit(text, _) => Some(present || !text.is_empty()),
            Part::Dynamic => None,
        }),
    };
    match attribute::check(&name, presence) {
        Err(mistake) => {
            let mut message = mistake.message;
            if let Some(help) = mistake.help {
                message.push_str("\n= help: ");
                message.push_str(&help);
            }
            match mistake.kind {
                MistakeKind::Beta => message.push_str(
                    "\n= note: an app that serves the Beta dialect checks its markup with \
                     `datastar_runtime::beta::html!`",
                ),
                MistakeKind::NearMiss => message.push_str(
                    "\n= note: to keep a plain data attribute of this name, put `#[unchecked]` before it",
                ),
                MistakeKind::Malformed => {}
            }
            cx.push(syn::Error::new_spanned(&attr.tokens, message));
        }
        Ok(Some(parsed)) if parsed.plugin.expression => {
            for part in attr.value.iter().flatten() {
                if let Part::Lit(text, span) = part {
                    actions(cx, text, *span);
                }
            }
        }
        Ok(_) => {}
    }
}

/// Unknown `@action(` calls in a literal value.
fn actions(cx: &Ctxt, text: &str, span: Span) {
    for (_, name, close) in attribute::unknown_actions(text) {
        let mut help = Vec::new();
        if let Some(close) = close {
            help.push(format!("help: did you mean `@{close}`?"));
        }
        let known: Vec<String> = ACTIONS.iter().map(|a| format!("`@{a}`")).collect();
        help.push(format!("note: the actions are {}", known.join(", ")));
        cx.error(span, format!("unknown action `@{name}`"), &help);
    }
}
