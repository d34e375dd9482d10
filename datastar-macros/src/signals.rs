//! `#[derive(Signals)]`: records a struct's signals by the names serde reads them with, as a
//! `SignalShape` impl that `#[fragment(signals = T)]` checks the markup against.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::ctxt::Ctxt;

/// serde's `rename_all` rules, by the names serde gives them.
const RULES: [&str; 8] = [
    "lowercase",
    "UPPERCASE",
    "PascalCase",
    "camelCase",
    "snake_case",
    "SCREAMING_SNAKE_CASE",
    "kebab-case",
    "SCREAMING-KEBAB-CASE",
];

/// The `impl SignalShape` of the struct, or its errors.
pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let fields = shape_fields(&cx, input);
    if let Err(e) = cx.check() {
        return e.to_compile_error();
    }
    let p = quote!(::datastar_runtime::__private);
    let name = &input.ident;
    let entries = fields.iter().map(|(names, ty)| {
        let shape = quote_spanned!(ty.span()=> &<#ty as #p::SignalShape>::SHAPE);
        quote!(#((#names, #shape),)*)
    });
    quote! {
        impl #p::SignalShape for #name {
            const SHAPE: #p::Shape = #p::Shape::Fields(&[#(#entries)*]);
        }
    }
}

/// Each field that serde deserializes, by all the names it accepts (`""` when flattened).
fn shape_fields<'a>(cx: &Ctxt, input: &'a DeriveInput) -> Vec<(Vec<String>, &'a syn::Type)> {
    if !input.generics.params.is_empty() {
        cx.error(
            input.generics.span(),
            "`#[derive(Signals)]` does not support generic structs",
            &[],
        );
    }
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => &named.named,
            _ => return not_named(cx, input),
        },
        _ => return not_named(cx, input),
    };
    let rule = serde_container_rule(cx, &input.attrs);
    let mut out = Vec::new();
    for field in fields {
        let serde = serde_field(cx, &field.attrs);
        if serde.skip {
            continue;
        }
        let ident = field
            .ident
            .as_ref()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let ident = ident.strip_prefix("r#").unwrap_or(&ident).to_owned();
        let mut names = if serde.flatten {
            vec![String::new()]
        } else {
            vec![
                serde
                    .rename
                    .unwrap_or_else(|| apply_rule(rule.as_deref(), &ident)),
            ]
        };
        names.extend(serde.aliases);
        out.push((names, &field.ty));
    }
    out
}

fn not_named<'a>(cx: &Ctxt, input: &DeriveInput) -> Vec<(Vec<String>, &'a syn::Type)> {
    cx.error(
        input.ident.span(),
        "`#[derive(Signals)]` needs a struct with named fields",
        &["note: Datastar signals are the fields of a JSON object".into()],
    );
    Vec::new()
}

#[derive(Default)]
struct SerdeField {
    rename: Option<String>,
    aliases: Vec<String>,
    skip: bool,
    flatten: bool,
}

/// `#[serde(rename_all = "..")]` or `#[serde(rename_all(deserialize = ".."))]`.
fn serde_container_rule(cx: &Ctxt, attrs: &[syn::Attribute]) -> Option<String> {
    let mut rule = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename_all") {
                if let Some(lit) = deserialize_name(&meta)? {
                    if RULES.contains(&lit.value().as_str()) {
                        rule = Some(lit.value());
                    } else {
                        cx.error(
                            lit.span(),
                            format!("unknown rename rule `{}`", lit.value()),
                            &[],
                        );
                    }
                }
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
    }
    rule
}

fn serde_field(cx: &Ctxt, attrs: &[syn::Attribute]) -> SerdeField {
    let mut field = SerdeField::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let parsed = attr.parse_nested_meta(|meta| {
            let path = &meta.path;
            if path.is_ident("rename") {
                field.rename = deserialize_name(&meta)?
                    .map(|l| l.value())
                    .or(field.rename.take());
            } else if path.is_ident("alias") {
                field.aliases.push(meta.value()?.parse::<LitStr>()?.value());
            } else if path.is_ident("skip") || path.is_ident("skip_deserializing") {
                field.skip = true;
            } else if path.is_ident("flatten") {
                field.flatten = true;
            } else {
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = parsed {
            cx.push(e);
        }
    }
    field
}

/// The name in `key = ".."`, or in `key(deserialize = "..")`; `None` for `key(serialize = "..")`.
fn deserialize_name(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<LitStr>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse()?));
    }
    let mut name = None;
    meta.parse_nested_meta(|inner| {
        let lit: LitStr = inner.value()?.parse()?;
        if inner.path.is_ident("deserialize") {
            name = Some(lit);
        }
        Ok(())
    })?;
    Ok(name)
}

/// Skips `= value` or `(..)` after a serde key this derive does not need.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}

/// serde's `RenameRule::apply_to_field`, for a snake_case field name.
fn apply_rule(rule: Option<&str>, field: &str) -> String {
    let pascal = || -> String {
        field
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
            })
            .collect()
    };
    match rule {
        Some("UPPERCASE" | "SCREAMING_SNAKE_CASE") => field.to_ascii_uppercase(),
        Some("PascalCase") => pascal(),
        Some("camelCase") => {
            let pascal = pascal();
            let mut chars = pascal.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
        }
        Some("kebab-case") => field.replace('_', "-"),
        Some("SCREAMING-KEBAB-CASE") => field.to_ascii_uppercase().replace('_', "-"),
        _ => field.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::apply_rule;

    #[test]
    fn rename_rules_follow_serde() {
        assert_eq!(apply_rule(Some("camelCase"), "first_name"), "firstName");
        assert_eq!(apply_rule(Some("PascalCase"), "first_name"), "FirstName");
        assert_eq!(apply_rule(Some("kebab-case"), "first_name"), "first-name");
        assert_eq!(
            apply_rule(Some("SCREAMING-KEBAB-CASE"), "first_name"),
            "FIRST-NAME"
        );
        assert_eq!(
            apply_rule(Some("SCREAMING_SNAKE_CASE"), "first_name"),
            "FIRST_NAME"
        );
        assert_eq!(apply_rule(None, "first_name"), "first_name");
    }
}
