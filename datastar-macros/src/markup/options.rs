//! What `html!` is told about its markup by a leading `#![signals = Contact]`, written by hand
//! or put there by `#[fragment(signals = Contact)]` and `patch!(signals = Contact, ..)` in
//! every `html!` they hold.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, quote};

use crate::ctxt::Ctxt;
use crate::parse::{Arg, PatchArgs};
use crate::valid::{Merge, Options as Options_, SelectorArg};
use datastar_syntax::Mode;

/// The options of one `html!` call.
#[derive(Default)]
pub(crate) struct Options {
    /// The `#[derive(Signals)]` type whose signals the markup may read.
    pub signals: Option<TokenStream>,
    /// What the ids of the top-level elements must be (`#![root_ids]`, `#![root_id = "x"]`).
    pub roots: Option<Roots>,
}

/// The ids a fragment's top-level elements need.
pub(crate) enum Roots {
    /// Each has an id: the fragment is matched by id.
    Each,
    /// Each has this id: the fragment morphs or replaces `#id`.
    Is(String),
}

/// Splits the leading `#![..]`s off `input`.
pub(crate) fn split(cx: &Ctxt, input: TokenStream) -> (Options, TokenStream) {
    let mut tokens: Vec<TokenTree> = input.into_iter().collect();
    let mut options = Options::default();
    let mut start = 0;
    while let [
        TokenTree::Punct(pound),
        TokenTree::Punct(bang),
        TokenTree::Group(g),
        ..,
    ] = &tokens[start..]
        && pound.as_char() == '#'
        && bang.as_char() == '!'
        && g.delimiter() == Delimiter::Bracket
    {
        match syn::parse2::<syn::Meta>(g.stream()) {
            Ok(syn::Meta::NameValue(meta)) if meta.path.is_ident("signals") => {
                options.signals = Some(meta.value.to_token_stream())
            }
            // Put there by `#[fragment]` and `patch!`.
            Ok(syn::Meta::Path(path)) if path.is_ident("root_ids") => {
                options.roots = Some(Roots::Each)
            }
            Ok(syn::Meta::NameValue(syn::MetaNameValue {
                path,
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(id),
                        ..
                    }),
                ..
            })) if path.is_ident("root_id") => options.roots = Some(Roots::Is(id.value())),
            Ok(meta) => cx.error(
                meta.path()
                    .get_ident()
                    .map_or_else(|| g.span(), |i| i.span()),
                "unknown `html!` option",
                &["note: expected `#![signals = Type]`".into()],
            ),
            Err(e) => cx.push(e),
        }
        start += 3;
    }
    (options, tokens.drain(start..).collect())
}

/// Takes `signals = Type` out of `#[fragment]` or `patch!` arguments.
fn take_signals(args: &mut Vec<Arg>) -> Option<syn::Expr> {
    let at = args.iter().position(|a| a.key == "signals")?;
    Some(args.remove(at).value)
}

/// `#[fragment(signals = Type)]`: the key out of `args`, the marker into every `html!` of `item`.
pub(crate) fn signals_in_fn(args: &mut Vec<Arg>, item: &mut syn::ItemFn) {
    if let Some(signals) = take_signals(args) {
        let block = annotate(item.block.to_token_stream(), &signals);
        item.block = syn::parse_quote!(#block);
    }
}

/// `patch!(signals = Type, ..)`: the key out of its arguments, the marker into its HTML.
pub(crate) fn signals_in_patch(args: &mut PatchArgs) {
    if let Some(signals) = take_signals(&mut args.args) {
        args.html = args.html.take().map(|html| {
            let html = annotate(html.to_token_stream(), &signals);
            syn::parse_quote!(#html)
        });
    }
}

/// The root-id marker into the `html!` that ends a valid `#[fragment]`'s body.
pub(crate) fn roots_in_fn(item: &mut syn::ItemFn, options: Option<&Options_>) {
    if let (Some(options), Some(tail)) = (options, item.block.stmts.last_mut()) {
        mark_roots(tail, options);
    }
}

/// The root-id marker into the `html!` a valid `patch!` sends.
pub(crate) fn roots_in_patch(html: &mut Option<syn::Expr>, options: &Options_) {
    if let Some(expr) = html.take() {
        let mut tail = syn::Stmt::Expr(expr, None);
        mark_roots(&mut tail, options);
        if let syn::Stmt::Expr(expr, None) = tail {
            *html = Some(expr);
        }
    }
}

/// Puts `#![signals = Type]` at the start of every `html!` in `tokens` (but not `maud::html!`).
fn annotate(tokens: TokenStream, signals: &syn::Expr) -> TokenStream {
    let mut out: Vec<TokenTree> = Vec::new();
    for token in tokens {
        let token = match token {
            TokenTree::Group(g) => {
                let is_html = matches!(&out[..], [.., TokenTree::Ident(i), TokenTree::Punct(b)]
                    if i == "html" && b.as_char() == '!')
                    && !after_maud(&out[..out.len() - 2]);
                let mut inner = annotate(g.stream(), signals);
                if is_html {
                    let marker = quote!(#![signals = #signals]);
                    inner = marker.into_iter().chain(inner).collect();
                }
                let mut group = Group::new(g.delimiter(), inner);
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            other => other,
        };
        out.push(token);
    }
    out.into_iter().collect()
}

/// Whether the path before `html` is `maud::`.
fn after_maud(before: &[TokenTree]) -> bool {
    matches!(before, [.., TokenTree::Ident(m), TokenTree::Punct(a), TokenTree::Punct(b)]
        if m == "maud" && a.as_char() == ':' && b.as_char() == ':')
}

/// Tells the `html!` that ends a `#[fragment]`'s body (or that `patch!` sends) what ids its top-level
/// elements need: each one an id without a selector, the selector's id with `selector = "#x"`
/// and a mode that swaps the target out (`outer`, `replace`).
fn mark_roots(html: &mut syn::Stmt, options: &Options_) {
    let marker = match (&options.selector, options.merge) {
        (None, _) => quote!(#![root_ids]),
        // A templated selector's id is known only at run time: nothing to check here.
        (Some(SelectorArg::Static(selector)), Merge::Patch(Mode::Outer | Mode::Replace)) => {
            let value = selector.value();
            let Some(id) = value.strip_prefix('#').filter(|id| {
                !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
            }) else {
                return;
            };
            quote!(#![root_id = #id])
        }
        _ => return,
    };
    let mac = match html {
        syn::Stmt::Expr(syn::Expr::Macro(m), None) => &mut m.mac,
        syn::Stmt::Macro(m) if m.semi_token.is_none() => &mut m.mac,
        _ => return,
    };
    if mac.path.segments.last().is_some_and(|s| s.ident == "html")
        && !mac.path.segments.iter().any(|s| s.ident == "maud")
    {
        let tokens = std::mem::take(&mut mac.tokens);
        mac.tokens = marker.into_iter().chain(tokens).collect();
    }
}
