//! Validated model to tokens. Never fails: on error the caller passes no model and gets the
//! function in its final shape, so the user sees our errors and not a cascade.
//!
//! Expansions name the runtime only through `::datastar_runtime::__private`.

use datastar_syntax::{Mode, Namespace};
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, GenericParam, ItemFn, LitStr, ReturnType, Type};

use crate::valid::{Merge, Options, SelectorArg};
use datastar_syntax::selector::template::Piece;
use proc_macro2::Ident;

fn private() -> TokenStream {
    quote!(::datastar_runtime::__private)
}

/// `static __DATASTAR_FRAGMENT: Fragment = …;`, built at compile time.
fn fragment_static(o: &Options, name: &str) -> TokenStream {
    let p = private();
    let vt = o.view_transition;
    let id = opt_str(o.id.as_ref());
    let retry = match o.retry {
        Some(ms) => quote!(::core::option::Option::Some(#ms)),
        None => quote!(::core::option::Option::None),
    };
    let selector = match &o.selector {
        None => quote!(#p::Sel::ById),
        Some(SelectorArg::Static(lit)) => quote!(#p::Sel::Static(#lit)),
        Some(SelectorArg::Template { .. }) => quote!(#p::Sel::Template),
    };
    let init = match o.merge {
        Merge::Remove => quote!(#p::Fragment::remove(#name, #selector, #vt, #id, #retry)),
        Merge::Patch(mode) => {
            let mode = format_ident!("{}", mode_variant(mode));
            let namespace = format_ident!("{}", namespace_variant(o.namespace));
            let vts = opt_str(o.view_transition_selector.as_ref());
            quote! {
                #p::Fragment::patch(#name, #selector, #p::Mode::#mode, #vt, #vts, #p::Namespace::#namespace, #id, #retry)
            }
        }
    };
    quote! {
        #[doc(hidden)]
        static __DATASTAR_FRAGMENT: #p::Fragment = #init;
    }
}

/// `Some(selector(&[Part::Text("#card-"), Part::Value(&id)]))` for a template, `None` otherwise.
/// Each value is named with the literal's span, so an unknown name is reported there.
fn selector_expr(o: &Options) -> TokenStream {
    let p = private();
    let Some(SelectorArg::Template { lit, pieces }) = &o.selector else {
        return quote!(::core::option::Option::None);
    };
    let parts = pieces.iter().map(|piece| match piece {
        Piece::Text(text) => quote!(#p::Part::Text(#text)),
        Piece::Value { name, .. } => {
            let ident = match name.strip_prefix("r#") {
                Some(raw) => Ident::new_raw(raw, lit.span()),
                None => Ident::new(name, lit.span()),
            };
            quote!(#p::Part::Value(&#ident))
        }
    });
    quote!(::core::option::Option::Some(#p::selector(&[#(#parts),*])))
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
        // No macro key gives it (`valid.rs` refuses the name): kept for exhaustiveness.
        Mode::UpsertAttributes => "UpsertAttributes",
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
    // A binding used only by the selector template is used: no unused-variable warning.
    let used_by_selector = match options.and_then(|o| o.selector.as_ref()) {
        Some(selector) => {
            let names = selector.names();
            crate::valid::bindings(f)
                .into_iter()
                .filter(|(_, name)| {
                    names.contains(&syn::ext::IdentExt::unraw(name).to_string().as_str())
                })
                .map(|(_, name)| quote!(let _ = &#name;))
                .collect()
        }
        None => Vec::new(),
    };
    let stmts = &block.stmts;
    let inner_name = &inner.ident;
    let turbofish = turbofish(params.iter());
    let body = match options {
        Some(o) => {
            let fragment = fragment_static(o, &name.to_string());
            let selector = templated_selector(f, o);
            let respond = respond(&sig.output, sig.paren_token.span.close(), o.merge);
            quote! {
                #fragment
                let __datastar_selector = #selector;
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
            #inner { #(#used_by_selector)* #(#stmts)* }
            #body
        }
    }
}

/// The selector of this request, for a template: computed from the argument patterns before
/// the handler takes the arguments, by binding each pattern by reference.
fn templated_selector(f: &ItemFn, o: &Options) -> TokenStream {
    let Some(selector @ SelectorArg::Template { .. }) = &o.selector else {
        return quote!(::core::option::Option::None);
    };
    let names = selector.names();
    let needed = crate::valid::bindings(f);
    let mut lets = Vec::new();
    for (i, input) in f.sig.inputs.iter().enumerate() {
        let FnArg::Typed(arg) = input else { continue };
        let used = needed.iter().any(|(at, name)| {
            *at == i && names.contains(&syn::ext::IdentExt::unraw(name).to_string().as_str())
        });
        if !used {
            continue;
        }
        let mut pat = (*arg.pat).clone();
        syn::visit_mut::VisitMut::visit_pat_mut(&mut ByReference, &mut pat);
        let arg_name = format_ident!("__datastar_arg{}", i);
        lets.push(quote! {
            #[allow(unused_variables, clippy::toplevel_ref_arg)]
            let #pat = &#arg_name;
        });
    }
    let expr = selector_expr(o);
    quote!({ #(#lets)* #expr })
}

/// Strips `mut` and `ref` from bindings, which cannot be written under a reference.
struct ByReference;

impl syn::visit_mut::VisitMut for ByReference {
    fn visit_pat_ident_mut(&mut self, pat: &mut syn::PatIdent) {
        pat.by_ref = None;
        pat.mutability = None;
        syn::visit_mut::visit_pat_ident_mut(self, pat);
    }
}

/// The shape of a return type, as far as the signature shows it.
struct Shape<'a> {
    /// `Result<T, E>`: the error type, when written (`io::Result<T>` names none).
    result: Option<Option<&'a Type>>,
    /// The first tuple item (or the whole value), and the items after it.
    head: Option<&'a Type>,
    then: Vec<&'a Type>,
}

fn shape(ty: Option<&Type>) -> Shape<'_> {
    let mut ty = ty.map(peel);
    let mut result = None;
    if let Some(Type::Path(path)) = ty
        && path.qself.is_none()
        && let Some(last) = path.path.segments.last()
        && last.ident == "Result"
        && let syn::PathArguments::AngleBracketed(args) = &last.arguments
    {
        let mut types = args.args.iter().filter_map(|arg| match arg {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        });
        if let Some(ok) = types.next() {
            result = Some(types.next());
            ty = Some(peel(ok));
        }
    }
    match ty {
        Some(Type::Tuple(tuple)) if !tuple.elems.is_empty() => Shape {
            result,
            head: tuple.elems.first(),
            then: tuple.elems.iter().skip(1).collect(),
        },
        _ => Shape {
            result,
            head: ty,
            then: Vec::new(),
        },
    }
}

fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Paren(inner) => peel(&inner.elem),
        Type::Group(inner) => peel(&inner.elem),
        ty => ty,
    }
}

/// From `__datastar_output` to the response. What the signature shows is taken apart here,
/// so that each part that is not what it must be is reported on its own type: the error of a
/// `Result`, the HTML, each further event of a tuple.
fn respond(output: &ReturnType, close_paren: proc_macro2::Span, merge: Merge) -> TokenStream {
    let ty = match output {
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    };
    let whole_span = ty.map_or(close_paren, Spanned::span);
    let shape = shape(ty);
    let mut out = TokenStream::new();
    if let Some(error) = shape.result {
        let span = error.map_or(whole_span, Spanned::span);
        let err = quote_spanned!(span=> ::datastar_runtime::__private::IntoResponse::into_response(__datastar_error));
        out.extend(quote! {
            let __datastar_output = match __datastar_output {
                ::core::result::Result::Ok(output) => output,
                ::core::result::Result::Err(__datastar_error) => return #err,
            };
        });
    }
    // Each item is named with the span of its type, where an error about it is reported.
    let then: Vec<Ident> = shape
        .then
        .iter()
        .enumerate()
        .map(|(i, ty)| format_ident!("__datastar_then{}", i, span = ty.span()))
        .collect();
    if !then.is_empty() {
        out.extend(quote! {
            let (__datastar_output, #(#then),*) = __datastar_output;
        });
    }
    let events = then.iter().zip(&shape.then).map(|(name, ty)| {
        quote_spanned!(ty.span()=> ::datastar_runtime::__private::IntoEvent::into_event(#name))
    });
    let head_span = shape.head.map_or(whole_span, Spanned::span);
    let respond = match merge {
        Merge::Remove => format_ident!("RemoveResponse", span = head_span),
        Merge::Patch(_) => format_ident!("FragmentResponse", span = head_span),
    };
    out.extend(quote! {
        let __datastar_at = __DATASTAR_FRAGMENT.at(__datastar_selector);
        let __datastar_then = ::std::vec![#(#events),*];
    });
    // Every token on the type, so the whole call is reported there.
    out.extend(quote_spanned! {head_span=>
        ::datastar_runtime::__private::#respond::respond(__datastar_output, __datastar_at, __datastar_then)
    });
    out
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
    let fragment = fragment_static(o, "patch!");
    let at = {
        let selector = selector_expr(o);
        quote!(__DATASTAR_FRAGMENT.at(#selector))
    };
    let event = match html {
        Some(html) => {
            let html = quote_spanned!(html.span()=> ::datastar_runtime::__private::PatchHtml::into_html(#html));
            quote!(#p::patch_event(#at, #html))
        }
        None => quote!(#p::remove_event(#at)),
    };
    quote!({ #fragment #event })
}
