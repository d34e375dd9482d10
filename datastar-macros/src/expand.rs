//! Validated model to tokens. Never fails: on error the caller passes no model and gets the
//! function in its final shape, so the user sees our errors and not a cascade.
//!
//! Expansions name the runtime only through `::datastar_runtime::__private`.

use datastar_syntax::{Mode, Namespace};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericParam, ItemFn, LitStr, ReturnType};

use crate::valid::{Merge, Options};

fn private() -> TokenStream {
    quote!(::datastar_runtime::__private)
}

/// `static __DATASTAR_FRAGMENT: Fragment = …;`, built at compile time.
fn fragment_static(o: &Options) -> TokenStream {
    let p = private();
    let vt = o.view_transition;
    let id = opt_str(o.id.as_ref());
    let retry = match o.retry {
        Some(ms) => quote!(::core::option::Option::Some(#ms)),
        None => quote!(::core::option::Option::None),
    };
    let init = match (o.merge, &o.selector) {
        (Merge::Remove, Some(selector)) => {
            quote!(#p::Fragment::remove(#selector, #vt, #id, #retry))
        }
        (merge, selector) => {
            let mode = match merge {
                Merge::Patch(mode) => mode,
                Merge::Remove => Mode::Outer,
            };
            let mode = format_ident!("{}", mode_variant(mode));
            let namespace = format_ident!("{}", namespace_variant(o.namespace));
            let selector = opt_str(selector.as_ref());
            let vts = opt_str(o.view_transition_selector.as_ref());
            quote! {
                #p::Fragment::patch(#selector, #p::Mode::#mode, #vt, #vts, #p::Namespace::#namespace, #id, #retry)
            }
        }
    };
    quote! {
        #[doc(hidden)]
        static __DATASTAR_FRAGMENT: #p::Fragment = #init;
    }
}

fn opt_str(lit: Option<&LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

fn mode_variant(mode: Mode) -> &'static str {
    match mode {
        Mode::Outer => "Outer",
        Mode::Inner => "Inner",
        Mode::Replace => "Replace",
        Mode::Prepend => "Prepend",
        Mode::Append => "Append",
        Mode::Before => "Before",
        Mode::After => "After",
    }
}

fn namespace_variant(namespace: Namespace) -> &'static str {
    match namespace {
        Namespace::Html => "Html",
        Namespace::Svg => "Svg",
        Namespace::MathMl => "MathMl",
    }
}

/// The handler: an `async fn` with the user's extractors that returns a response. The user's
/// function is kept whole inside it (patterns, return type, body), so its code and errors stay
/// where they were written.
pub(crate) fn handler(f: &ItemFn, options: Option<&Options>) -> TokenStream {
    let p = private();
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = f;
    let name = &sig.ident;
    let params = &sig.generics.params;
    let where_clause = &sig.generics.where_clause;
    let mut outer_args = Vec::new();
    let mut arg_names = Vec::new();
    for (i, input) in sig.inputs.iter().enumerate() {
        if let FnArg::Typed(pat) = input {
            let arg = format_ident!("__datastar_arg{}", i);
            let ty = &pat.ty;
            outer_args.push(quote!(#arg: #ty));
            arg_names.push(arg);
        }
    }
    let mut inner = sig.clone();
    inner.ident = format_ident!("__datastar_handler");
    let inner_name = &inner.ident;
    let turbofish = turbofish(params.iter());
    let body = match options {
        Some(o) => {
            let fragment = fragment_static(o);
            let span = match &sig.output {
                ReturnType::Type(_, ty) => ty.span(),
                ReturnType::Default => sig.paren_token.span.close(),
            };
            // Spanned on the return type: a type that is none of the shapes is reported there.
            let respond = match o.merge {
                Merge::Remove => format_ident!("RespondRemoved", span = span),
                Merge::Patch(_) => format_ident!("Respond", span = span),
            };
            // Every token on the return type, so the whole call is reported there.
            let respond = quote_spanned! {span=>
                ::datastar_runtime::__private::#respond::respond(__datastar_output, &__DATASTAR_FRAGMENT)
            };
            quote! {
                #fragment
                let __datastar_output = #inner_name #turbofish (#(#arg_names),*).await;
                #respond
            }
        }
        None => {
            if matches!(inner.output, ReturnType::Default) {
                // Any body type-checks, so a missing return type causes no second error.
                inner.output = syn::parse_quote!(-> impl ::core::marker::Sized);
            }
            quote!(::core::unreachable!())
        }
    };
    quote! {
        #(#attrs)*
        #vis async fn #name <#params> (#(#outer_args),*) -> #p::Response #where_clause {
            #[allow(dead_code, clippy::unused_async)]
            #inner #block
            #body
        }
    }
}

/// `::<T, N>` for the type and const parameters, which the inner call passes on.
fn turbofish<'a>(params: impl Iterator<Item = &'a GenericParam>) -> TokenStream {
    let args: Vec<_> = params
        .filter_map(|param| match param {
            GenericParam::Type(t) => Some(t.ident.clone()),
            GenericParam::Const(c) => Some(c.ident.clone()),
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    if args.is_empty() {
        TokenStream::new()
    } else {
        quote!(::<#(#args),*>)
    }
}

/// `patch!`: an expression of type `Event`.
pub(crate) fn patch(options: Option<&Options>, html: Option<&Expr>) -> TokenStream {
    let p = private();
    let Some(o) = options else {
        let html = html.map(|html| quote!(let _ = #html;));
        return quote!({ #html #p::rejected() });
    };
    let fragment = fragment_static(o);
    let event = match html {
        Some(html) => {
            let span = html.span();
            quote_spanned!(span=> #p::patch_event(&__DATASTAR_FRAGMENT, #html))
        }
        None => quote!(#p::remove_event(&__DATASTAR_FRAGMENT)),
    };
    quote!({ #fragment #event })
}
