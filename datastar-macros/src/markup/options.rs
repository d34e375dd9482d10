//! What `html!` is told about its markup by a leading `#![signals = Contact]`, written by hand
//! or put there by `#[fragment(signals = Contact)]` and `patch!(signals = Contact, ..)` in
//! every `html!` they hold.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, quote};

use crate::ctxt::Ctxt;
use crate::parse::Arg;

/// The options of one `html!` call.
#[derive(Default)]
pub(crate) struct Options {
    /// The `#[derive(Signals)]` type whose signals the markup may read.
    pub signals: Option<TokenStream>,
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
        match syn::parse2::<syn::MetaNameValue>(g.stream()) {
            Ok(meta) if meta.path.is_ident("signals") => {
                options.signals = Some(meta.value.to_token_stream())
            }
            Ok(meta) => cx.error(
                meta.path.get_ident().map_or_else(|| g.span(), |i| i.span()),
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
pub(crate) fn take_signals(args: &mut Vec<Arg>) -> Option<syn::Expr> {
    let at = args.iter().position(|a| a.key == "signals")?;
    Some(args.remove(at).value)
}

/// Puts `#![signals = Type]` at the start of every `html!` in `tokens` (but not `maud::html!`).
pub(crate) fn annotate(tokens: TokenStream, signals: &syn::Expr) -> TokenStream {
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
