//! Syntax only: `key = value` arguments, kept with their tokens and spans, and the trailing
//! HTML expression of `patch!`. What the keys mean is checked in `valid.rs`.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Lit, Token};

/// One `key = value` argument.
pub(crate) struct Arg {
    pub key: Ident,
    pub value: Expr,
}

impl Arg {
    /// The value when it is a literal.
    pub(crate) fn lit(&self) -> Option<&Lit> {
        match &self.value {
            Expr::Lit(lit) if lit.attrs.is_empty() => Some(&lit.lit),
            _ => None,
        }
    }
}

/// The arguments of `#[fragment(...)]`.
pub(crate) struct AttrArgs {
    pub args: Vec<Arg>,
}

/// The arguments of `patch!(...)`: keys, then the HTML (absent when removing).
pub(crate) struct PatchArgs {
    pub args: Vec<Arg>,
    pub html: Option<Expr>,
}

fn arg(input: ParseStream<'_>) -> syn::Result<Arg> {
    let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
    input.parse::<Token![=]>()?;
    let value = input.parse()?;
    Ok(Arg { key, value })
}

fn is_key(input: ParseStream<'_>) -> bool {
    input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==])
}

impl Parse for AttrArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        while !input.is_empty() {
            args.push(arg(input)?);
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(AttrArgs { args })
    }
}

impl Parse for PatchArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Vec::new();
        let mut html = None;
        while !input.is_empty() {
            if is_key(input) {
                args.push(arg(input)?);
            } else {
                html = Some(input.parse()?);
                input.parse::<Option<Token![,]>>()?;
                if !input.is_empty() {
                    return Err(input.error("the HTML must be the last argument of `patch!`"));
                }
                break;
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(PatchArgs { args, html })
    }
}
