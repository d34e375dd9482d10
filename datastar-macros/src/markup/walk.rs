//! Reads maud's `html!` syntax (the grammar of maud_macros 0.27's `ast.rs`) just far enough to
//! find every named attribute and its value, and copies the tokens through unchanged, except
//! that splices into expression attributes are wrapped in a type check and `#[unchecked]`
//! markers are dropped.
//!
//! Anything it does not recognize stops the walk: the caller then hands the tokens to maud as
//! they were, and maud reports what is wrong with them.

use proc_macro2::{Delimiter, Group, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote_spanned};

/// The walk met tokens that are not maud markup.
pub(crate) struct NotMarkup;

type Walk<T = ()> = Result<T, NotMarkup>;

/// One named attribute, as written.
pub(crate) struct Attr {
    /// Its name as maud writes it into the HTML.
    pub name: String,
    /// Its name's tokens, for error spans.
    pub tokens: TokenStream,
    /// `#[unchecked]` stood before it.
    pub unchecked: bool,
    /// `None` for an attribute without a value (`data-ignore`, `data-show[cond]`).
    pub value: Option<Vec<Part>>,
}

/// A piece of an attribute value.
pub(crate) enum Part {
    /// A string literal and its token.
    Lit(String, Span),
    /// A splice `(expr)`, or a value only known at run time (`@if` inside it, `=[option]`).
    Dynamic,
}

/// A top-level element, whose id `#[fragment]` may need to know.
pub(crate) struct Root {
    /// Its id, as far as the macro can see it.
    pub id: RootId,
    /// Its first token.
    pub span: Span,
    /// `#[unchecked]` stood before it.
    pub unchecked: bool,
}

/// The id of a [`Root`].
pub(crate) enum RootId {
    /// It has none.
    None,
    /// It is written out.
    Literal(String),
    /// It is computed (`id=(expr)`, `#(expr)`).
    Dynamic,
}

/// Reads markup and rewrites splices: see the module docs.
pub(crate) struct Walker<F> {
    /// Every named attribute, in order.
    pub attrs: Vec<Attr>,
    /// Every top-level element, in order (those in top-level `@if`, `@for`... included).
    pub roots: Vec<Root>,
    /// How many elements enclose the markup being read.
    pub depth: usize,
    /// Whether a splice into the attribute with this name must be checked.
    pub is_expression: F,
}

/// What a markup may hold where it stands.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    /// Elements, text, splices and control flow.
    Body,
    /// An attribute value (or a class or id made of markup): no elements.
    Value { expression: bool },
}

struct Cursor {
    tokens: Vec<TokenTree>,
    pos: usize,
}

impl Cursor {
    fn new(stream: TokenStream) -> Self {
        Cursor {
            tokens: stream.into_iter().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<&TokenTree> {
        self.tokens.get(self.pos)
    }

    fn peek2(&self) -> Option<&TokenTree> {
        self.tokens.get(self.pos + 1)
    }

    fn next(&mut self) -> Option<TokenTree> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        token
    }

    fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }
}

fn is_punct(token: Option<&TokenTree>, c: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == c)
}

fn is_ident(token: Option<&TokenTree>, name: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(i)) if i == name)
}

fn is_group(token: Option<&TokenTree>, delimiter: Delimiter) -> bool {
    matches!(token, Some(TokenTree::Group(g)) if g.delimiter() == delimiter)
}

impl<F: Fn(&str) -> bool> Walker<F> {
    /// The markup of a whole `html!` call, rewritten.
    pub(crate) fn markups(&mut self, stream: TokenStream) -> Walk<TokenStream> {
        self.block(stream, Ctx::Body)
    }

    fn block(&mut self, stream: TokenStream, ctx: Ctx) -> Walk<TokenStream> {
        let mut c = Cursor::new(stream);
        let mut out = TokenStream::new();
        while !c.at_end() {
            self.markup(&mut c, &mut out, ctx)?;
        }
        Ok(out)
    }

    fn markup(&mut self, c: &mut Cursor, out: &mut TokenStream, ctx: Ctx) -> Walk {
        match c.peek() {
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                let g = g.clone();
                c.next();
                let inner = self.block(g.stream(), ctx)?;
                out.extend([regroup(&g, inner)]);
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                let g = g.clone();
                c.next();
                match ctx {
                    Ctx::Value { expression: true } => out.extend([checked_splice(&g)]),
                    _ => out.extend([TokenTree::Group(g)]),
                }
            }
            Some(TokenTree::Literal(_)) => out.extend(c.next()),
            Some(TokenTree::Punct(p)) if p.as_char() == ';' => out.extend(c.next()),
            Some(TokenTree::Punct(p)) if p.as_char() == '@' => self.control(c, out, ctx)?,
            Some(TokenTree::Ident(_)) if ctx == Ctx::Body => self.element(c, out)?,
            Some(TokenTree::Punct(p)) if ctx == Ctx::Body && matches!(p.as_char(), '.' | '#') => {
                self.element(c, out)?
            }
            _ => return Err(NotMarkup),
        }
        Ok(())
    }

    /// `@if`, `@else`, `@for`, `@while`, `@match` and `@let`; the Rust between the keyword and
    /// the body is copied as it is.
    fn control(&mut self, c: &mut Cursor, out: &mut TokenStream, ctx: Ctx) -> Walk {
        out.extend(c.next()); // `@`
        let Some(TokenTree::Ident(keyword)) = c.peek().cloned() else {
            return Err(NotMarkup);
        };
        out.extend(c.next());
        match keyword.to_string().as_str() {
            "let" => {
                while !is_punct(c.peek(), ';') {
                    out.extend([c.next().ok_or(NotMarkup)?]);
                }
                out.extend(c.next());
            }
            "if" => self.if_chain(c, out, ctx)?,
            "while" => {
                self.condition(c, out)?;
                self.body(c, out, ctx)?;
            }
            "for" => {
                while !is_ident(c.peek(), "in") {
                    out.extend([c.next().ok_or(NotMarkup)?]);
                }
                self.rust_until_brace(c, out)?;
                self.body(c, out, ctx)?;
            }
            "match" => {
                self.rust_until_brace(c, out)?;
                let Some(TokenTree::Group(arms)) = c.next() else {
                    return Err(NotMarkup);
                };
                let mut inner = Cursor::new(arms.stream());
                let mut rewritten = TokenStream::new();
                while !inner.at_end() {
                    // `PATTERN (if GUARD)? =>`
                    while !(is_punct(inner.peek(), '=') && is_punct(inner.peek2(), '>')) {
                        rewritten.extend([inner.next().ok_or(NotMarkup)?]);
                    }
                    rewritten.extend(inner.next());
                    rewritten.extend(inner.next());
                    self.markup(&mut inner, &mut rewritten, ctx)?;
                    if is_punct(inner.peek(), ',') {
                        rewritten.extend(inner.next());
                    }
                }
                out.extend([regroup(&arms, rewritten)]);
            }
            _ => return Err(NotMarkup),
        }
        Ok(())
    }

    /// `CONDITION { .. } (@else if CONDITION { .. })* (@else { .. })?`
    fn if_chain(&mut self, c: &mut Cursor, out: &mut TokenStream, ctx: Ctx) -> Walk {
        self.condition(c, out)?;
        self.body(c, out, ctx)?;
        if is_punct(c.peek(), '@') && is_ident(c.peek2(), "else") {
            out.extend(c.next());
            out.extend(c.next());
            if is_ident(c.peek(), "if") {
                out.extend(c.next());
                return self.if_chain(c, out, ctx);
            }
            self.body(c, out, ctx)?;
        }
        Ok(())
    }

    /// An `if`/`while` condition: `let PATTERN =` (the pattern may hold braces), then Rust.
    fn condition(&mut self, c: &mut Cursor, out: &mut TokenStream) -> Walk {
        if is_ident(c.peek(), "let") {
            let mut joint = false;
            loop {
                let token = c.next().ok_or(NotMarkup)?;
                let done = matches!(&token, TokenTree::Punct(p)
                    if p.as_char() == '=' && p.spacing() == Spacing::Alone && !joint);
                joint = matches!(&token, TokenTree::Punct(p) if p.spacing() == Spacing::Joint);
                out.extend([token]);
                if done {
                    break;
                }
            }
        }
        self.rust_until_brace(c, out)
    }

    fn rust_until_brace(&mut self, c: &mut Cursor, out: &mut TokenStream) -> Walk {
        while !is_group(c.peek(), Delimiter::Brace) {
            out.extend([c.next().ok_or(NotMarkup)?]);
        }
        Ok(())
    }

    fn body(&mut self, c: &mut Cursor, out: &mut TokenStream, ctx: Ctx) -> Walk {
        let Some(TokenTree::Group(g)) = c.next() else {
            return Err(NotMarkup);
        };
        let inner = self.block(g.stream(), ctx)?;
        out.extend([regroup(&g, inner)]);
        Ok(())
    }

    /// `name? (.class | #id | attr)* (; | { .. })`
    fn element(&mut self, c: &mut Cursor, out: &mut TokenStream) -> Walk {
        let root = self.depth == 0;
        let span = c.peek().map_or_else(Span::call_site, TokenTree::span);
        // `#[unchecked] div ..`: the element itself is opted out (of the root id check).
        let element_unchecked = is_punct(c.peek(), '#')
            && is_unchecked_marker(c.peek2())
            && matches!(c.tokens.get(c.pos + 2), Some(TokenTree::Ident(_)));
        if element_unchecked {
            c.pos += 2;
        }
        if let Some(TokenTree::Ident(_)) = c.peek() {
            html_name(c, out)?;
        }
        let attrs_before = self.attrs.len();
        let mut id = RootId::None;
        let mut unchecked = false;
        loop {
            match c.peek() {
                Some(TokenTree::Punct(p)) if p.as_char() == '.' => {
                    out.extend(c.next());
                    self.name_or_markup(c, out)?;
                    if is_group(c.peek(), Delimiter::Bracket) {
                        out.extend(c.next());
                    }
                }
                Some(TokenTree::Punct(p)) if p.as_char() == '#' => {
                    if is_unchecked_marker(c.peek2()) {
                        c.pos += 2;
                        unchecked = true;
                        continue;
                    }
                    out.extend(c.next());
                    id = match c.peek() {
                        Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => {
                            RootId::Literal(html_name(c, out)?)
                        }
                        _ => {
                            self.markup(c, out, Ctx::Value { expression: false })?;
                            RootId::Dynamic
                        }
                    };
                }
                Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => {
                    self.named(c, out, unchecked)?;
                    unchecked = false;
                }
                _ => break,
            }
        }
        if let Some(attr) = self.attrs[attrs_before..].iter().find(|a| a.name == "id") {
            id = match attr.value.as_deref() {
                Some(parts) if parts.iter().all(|p| matches!(p, Part::Lit(..))) => RootId::Literal(
                    parts
                        .iter()
                        .map(|p| match p {
                            Part::Lit(text, _) => text.as_str(),
                            Part::Dynamic => "",
                        })
                        .collect(),
                ),
                _ => RootId::Dynamic,
            };
        }
        if root {
            self.roots.push(Root {
                id,
                span,
                unchecked: element_unchecked,
            });
        }
        self.depth += 1;
        let body = match c.peek() {
            Some(TokenTree::Punct(p)) if matches!(p.as_char(), ';' | '/') => {
                out.extend(c.next());
                Ok(())
            }
            Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                self.body(c, out, Ctx::Body)
            }
            _ => Err(NotMarkup),
        };
        self.depth -= 1;
        body
    }

    fn name_or_markup(&mut self, c: &mut Cursor, out: &mut TokenStream) -> Walk {
        match c.peek() {
            Some(TokenTree::Ident(_) | TokenTree::Literal(_)) => html_name(c, out).map(drop),
            _ => self.markup(c, out, Ctx::Value { expression: false }),
        }
    }

    /// `name ?? (= value | = [option] | [toggle])?`
    fn named(&mut self, c: &mut Cursor, out: &mut TokenStream, unchecked: bool) -> Walk {
        let mut tokens = TokenStream::new();
        let name = html_name(c, &mut tokens)?;
        out.extend(tokens.clone());
        if is_punct(c.peek(), '?') {
            out.extend(c.next());
        }
        let expression = (self.is_expression)(&name);
        let value = if is_punct(c.peek(), '=') {
            out.extend(c.next());
            if let Some(TokenTree::Group(option)) = c.peek().cloned()
                && option.delimiter() == Delimiter::Bracket
            {
                // `=[option]`: checked like a splice, `Option<Js<..>>` being the safe type.
                c.next();
                out.extend([if expression {
                    checked_splice(&option)
                } else {
                    TokenTree::Group(option)
                }]);
                Some(vec![Part::Dynamic])
            } else {
                self.attrs.push(Attr {
                    name,
                    tokens,
                    unchecked,
                    value: Some(Vec::new()),
                });
                let at = self.attrs.len() - 1;
                self.value(c, out, expression, at)?;
                return Ok(());
            }
        } else {
            if is_group(c.peek(), Delimiter::Bracket) {
                out.extend(c.next());
            }
            None
        };
        self.attrs.push(Attr {
            name,
            tokens,
            unchecked,
            value,
        });
        Ok(())
    }

    fn value(
        &mut self,
        c: &mut Cursor,
        out: &mut TokenStream,
        expression: bool,
        at: usize,
    ) -> Walk {
        let before = c.pos;
        self.markup(c, out, Ctx::Value { expression })?;
        // Record the literals and splices of the value, now that the tokens are known.
        let mut parts = Vec::new();
        collect_parts(&c.tokens[before..c.pos], &mut parts);
        if let Some(value) = &mut self.attrs[at].value {
            value.extend(parts);
        }
        Ok(())
    }
}

/// The literals and splices of a value, in order; control flow makes it dynamic.
fn collect_parts(tokens: &[TokenTree], parts: &mut Vec<Part>) {
    for token in tokens {
        match token {
            TokenTree::Literal(lit) => match syn::Lit::new(lit.clone()) {
                syn::Lit::Str(s) => parts.push(Part::Lit(s.value(), lit.span())),
                _ => parts.push(Part::Dynamic),
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                collect_parts(&inner, parts);
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                parts.push(Part::Dynamic)
            }
            TokenTree::Punct(p) if p.as_char() == '@' => {
                // Control flow: what follows is Rust, then bodies known only at run time.
                parts.push(Part::Dynamic);
                return;
            }
            _ => {}
        }
    }
}

/// `#[unchecked]`
fn is_unchecked_marker(token: Option<&TokenTree>) -> bool {
    match token {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            matches!(&inner[..], [TokenTree::Ident(i)] if i == "unchecked")
        }
        _ => false,
    }
}

/// An HTML name: identifiers, integers and string literals joined by `-` and `:`. Copies its
/// tokens to `out` and returns the name as maud writes it.
fn html_name(c: &mut Cursor, out: &mut TokenStream) -> Walk<String> {
    let mut name = String::new();
    loop {
        match c.peek() {
            Some(TokenTree::Ident(i)) => {
                let i = i.to_string();
                name.push_str(i.strip_prefix("r#").unwrap_or(&i));
                out.extend(c.next());
            }
            Some(TokenTree::Literal(lit)) => {
                match syn::Lit::new(lit.clone()) {
                    syn::Lit::Str(s) => name.push_str(&s.value()),
                    syn::Lit::Int(i) => name.push_str(&i.to_string()),
                    _ => return Err(NotMarkup),
                }
                out.extend(c.next());
            }
            _ => {}
        }
        match c.peek() {
            Some(TokenTree::Punct(p)) if matches!(p.as_char(), '-' | ':') => {
                name.push(p.as_char());
                out.extend(c.next());
            }
            _ => return Ok(name),
        }
    }
}

fn regroup(original: &Group, stream: TokenStream) -> TokenTree {
    let mut group = Group::new(original.delimiter(), stream);
    group.set_span(original.span());
    TokenTree::Group(group)
}

/// `(expr)` becomes `(::datastar_runtime::__private::ExprValue::__datastar_expr(&(expr)))`: the same value,
/// rendered the same way, that only compiles for `js(..)` and `raw_expr(..)` (and `[option]` of
/// them). The span is the user's, so the error points at the splice.
fn checked_splice(splice: &Group) -> TokenTree {
    let expr = splice.stream();
    let span = splice.span();
    let call =
        quote_spanned!(span=> ::datastar_runtime::__private::ExprValue::__datastar_expr(&(#expr)));
    regroup(splice, call.into_token_stream())
}
