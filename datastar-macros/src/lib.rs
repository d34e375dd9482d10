//! The macros of `datastar-runtime`. Use them through `datastar_runtime`, which re-exports
//! them with their documentation and examples.

mod ctxt;
mod expand;
mod markup;
mod parse;
mod signals;
mod valid;

use proc_macro::TokenStream;

use crate::ctxt::Ctxt;
use crate::parse::{AttrArgs, PatchArgs};

/// Turns an `async fn` that returns HTML into an axum handler that answers with Datastar events.
#[proc_macro_attribute]
pub fn fragment(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = syn::parse_macro_input!(item as syn::ItemFn);
    let cx = Ctxt::new();
    let options = match syn::parse::<AttrArgs>(args) {
        Ok(mut args) => {
            markup::signals_in_fn(&mut args.args, &mut item);
            Some(valid::options(&cx, &args.args))
        }
        Err(e) => {
            cx.push(e);
            None
        }
    };
    if let Some(options) = &options {
        valid::handler(&cx, &item, options);
    }
    let errors = cx.check().err();
    let options = options.filter(|_| errors.is_none());
    markup::roots_in_fn(&mut item, options.as_ref());
    let method = matches!(item.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    // A method cannot be wrapped in a nested function: leave it as written.
    let mut out = if method {
        quote::ToTokens::into_token_stream(&item)
    } else {
        expand::handler(&item, options.as_ref())
    };
    out.extend(errors.map(|e| e.to_compile_error()));
    out.into()
}

/// Builds one Datastar event, checked at compile time, with the keys of `#[fragment]`.
#[proc_macro]
pub fn patch(input: TokenStream) -> TokenStream {
    let mut args = syn::parse_macro_input!(input as PatchArgs);
    markup::signals_in_patch(&mut args);
    let cx = Ctxt::new();
    let options = valid::options(&cx, &args.args);
    valid::patch_html(&cx, &options, args.html.as_ref());
    match cx.check() {
        Ok(()) => {
            markup::roots_in_patch(&mut args.html, &options);
            expand::patch(Some(&options), args.html.as_ref())
        }
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(expand::patch(None, args.html.as_ref()));
            quote::quote!({ #out })
        }
    }
    .into()
}

/// maud's `html!`, with its Datastar attributes checked at compile time.
#[proc_macro]
pub fn html(input: TokenStream) -> TokenStream {
    markup::html(input.into(), markup::Dialect::V1).into()
}

/// `html!` for apps that serve the Beta dialect: only splices into expressions are checked.
#[proc_macro]
pub fn html_beta(input: TokenStream) -> TokenStream {
    markup::html(input.into(), markup::Dialect::Beta).into()
}

/// Records a struct's signals, by the names serde reads them with, for `signals = Type`.
#[proc_macro_derive(Signals, attributes(serde))]
pub fn derive_signals(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    signals::derive(&input).into()
}
