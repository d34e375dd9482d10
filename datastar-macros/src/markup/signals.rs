//! The signals a markup reads (`data-bind:first-name`, `data-bind="email"`, `$address.city`),
//! checked against a `#[derive(Signals)]` type by const assertions, one per signal, spanned on
//! the attribute or literal that names it.

use datastar_syntax::attribute;
use datastar_syntax::signal::{signal_name, signal_paths};
use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use super::walk::{Attr, Part};

/// One signal named by the markup, and where.
pub(crate) struct Reference {
    path: String,
    span: Span,
}

/// Every signal the markup reads from the server's type, leaving out the ones it defines for
/// the page itself (`data-indicator`, `data-ref`, `data-computed`, `data-signals:key`) and local
/// ones (`$_open`, which Datastar never sends).
pub(crate) fn references(attrs: &[Attr]) -> Vec<Reference> {
    let mut local = Vec::new();
    let mut found = Vec::new();
    for attr in attrs.iter().filter(|a| !a.unchecked) {
        let name = attr.name.to_ascii_lowercase();
        let Ok(Some(parsed)) = attribute::check(&name, None) else {
            continue;
        };
        let key = parsed.key.map(|k| signal_name(k, &parsed.modifiers));
        let literal = literal(attr);
        match parsed.plugin.name {
            "bind" => match (&key, &literal) {
                (Some(key), _) => found.push(reference(key, name_span(attr))),
                (None, Some((path, span))) => found.push(reference(path, *span)),
                _ => {}
            },
            "indicator" | "ref" | "computed" | "signals" => {
                local.extend(key.clone());
                if parsed.plugin.name != "signals" && parsed.plugin.name != "computed" {
                    local.extend(literal.clone().map(|(path, _)| path));
                }
            }
            _ => {}
        }
        if parsed.plugin.expression {
            for part in attr.value.iter().flatten() {
                if let Part::Lit(text, span) = part {
                    found.extend(signal_paths(text).into_iter().map(|p| reference(&p, *span)));
                }
            }
        }
    }
    found.retain(|r| {
        let first = r.path.split('.').next().unwrap_or_default();
        !first.starts_with('_') && !local.iter().any(|l| l.split('.').next() == Some(first))
    });
    found
}

/// `const _: () = assert!(T has the signal)`, one per reference.
pub(crate) fn assertions(ty: &TokenStream, references: &[Reference]) -> TokenStream {
    let type_name: String = ty.to_string().split_whitespace().collect();
    references
        .iter()
        .map(|r| {
            let path = &r.path;
            let message =
                format!("the signal `{path}` is not a field of `{type_name}` (a `#[derive(Signals)]` type)");
            quote_spanned! {r.span=>
                const _: () = if !<#ty as ::datastar_runtime::__private::SignalShape>::SHAPE.has(#path) {
                    ::core::panic!(#message)
                };
            }
        })
        .collect()
}

fn reference(path: &str, span: Span) -> Reference {
    Reference {
        path: path.to_owned(),
        span,
    }
}

/// The key's first token (`frist` in `data-bind:frist-name`), or the whole name when it is one
/// string literal.
fn name_span(attr: &Attr) -> Span {
    let tokens: Vec<_> = attr.tokens.clone().into_iter().collect();
    let after_colon = tokens
        .iter()
        .position(|t| matches!(t, proc_macro2::TokenTree::Punct(p) if p.as_char() == ':'))
        .and_then(|at| tokens.get(at + 1));
    after_colon
        .or(tokens.first())
        .map_or_else(Span::call_site, |t| t.span())
}

/// The value when it is one literal.
fn literal(attr: &Attr) -> Option<(String, Span)> {
    match attr.value.as_deref() {
        Some([Part::Lit(text, span)]) => Some((text.clone(), *span)),
        _ => None,
    }
}
