//! The selector grammar of Selectors Level 4 over CSS tokens, with Chromium's choices where
//! the browser differs from the specification (its pseudo names, what may follow a
//! pseudo-element, `:has()` not nesting, pseudo-elements inside `:nth-child(… of S)`).

use super::SelectorError;
use super::names::allowed_after;
use super::token::{Kind, Token, tokenize};

pub(super) type Result<T> = std::result::Result<T, SelectorError>;

/// Where a selector is being parsed.
#[derive(Clone, Copy, Default)]
pub(super) struct Cx {
    /// Inside this functional pseudo, which forbids pseudo-elements.
    pub(super) no_elements: Option<&'static str>,
    /// Inside `:has()`, which cannot nest.
    pub(super) in_has: bool,
    /// Inside `:not()` after this pseudo-element: every simple selector must be allowed after it.
    pub(super) after: Option<&'static str>,
}

/// A simple selector, as far as the pseudo-element rules care.
pub(super) enum Simple {
    Other,
    Class(String),
    Element(String),
}

pub(crate) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) toks: Vec<Token>,
    /// For each `(`, `[`, `{` or function token: the index of its closing token, or the
    /// number of tokens when the end of input closes it (CSS Syntax §5.4.8).
    close: Vec<usize>,
    pub(super) pos: usize,
    pub(super) end: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        let toks = tokenize(src);
        let mut close = vec![toks.len(); toks.len()];
        let mut open: Vec<(usize, char)> = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            match t.kind {
                Kind::Open('(') | Kind::Function(_) => open.push((i, ')')),
                Kind::Open('[') => open.push((i, ']')),
                Kind::Open(_) => open.push((i, '}')),
                Kind::Close(c) if open.last().is_some_and(|&(_, want)| want == c) => {
                    close[open.pop().expect("checked").0] = i;
                }
                _ => {}
            }
        }
        let end = toks.len();
        Parser {
            src,
            toks,
            close,
            pos: 0,
            end,
        }
    }

    /// `<selector-list>`: the whole input.
    pub(crate) fn selector_list(&mut self) -> Result<()> {
        self.complex_list(Cx::default(), false)
    }

    // ---- cursor ------------------------------------------------------------------------

    pub(super) fn peek_at(&self, n: usize) -> Option<&Kind> {
        let i = self.pos + n;
        (i < self.end).then(|| &self.toks[i].kind)
    }
    pub(super) fn peek(&self) -> Option<&Kind> {
        self.peek_at(0)
    }
    pub(super) fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.src.len(), |t| t.at)
    }
    pub(super) fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek() == Some(&Kind::Ws) {
            self.pos += 1;
        }
        self.pos > start
    }
    pub(super) fn err<T>(&self, at: usize, msg: impl Into<String>) -> Result<T> {
        Err(SelectorError::new(at, msg.into()))
    }
    /// An error for an unknown `name`, suggesting the closest of `known` written as
    /// `{prefix}{name}`.
    pub(super) fn unknown<T>(
        &self,
        at: usize,
        msg: String,
        prefix: &str,
        name: &str,
        known: &[&'static str],
    ) -> Result<T> {
        let close = crate::did_you_mean(name, known).map(|close| format!("{prefix}{close}"));
        Err(SelectorError::new(at, msg).suggest(close))
    }
    /// The current token as written, for messages.
    pub(super) fn found(&self) -> String {
        if self.pos >= self.end {
            // The end of a block: the `)` or `]` that closes it.
            return match self.toks.get(self.end).map(|t| &t.kind) {
                Some(Kind::Close(c)) => format!("`{c}`"),
                _ => "the end of the selector".into(),
            };
        }
        let t = &self.toks[self.pos];
        let next = self.toks.get(self.pos + 1).map_or(self.src.len(), |n| n.at);
        match t.kind {
            Kind::Ws => "whitespace".into(),
            _ => format!("`{}`", &self.src[t.at..next]),
        }
    }

    /// Runs `f` inside the block opened by the current token and checks it consumed it all.
    pub(super) fn block<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let (open, close, outer) = (self.pos, self.close[self.pos], self.end);
        self.pos = open + 1;
        self.end = close;
        let value = f(self)?;
        self.skip_ws();
        if self.pos < self.end {
            return self.err(self.offset(), format!("unexpected {}", self.found()));
        }
        self.end = outer;
        self.pos = (close + 1).min(self.toks.len());
        Ok(value)
    }

    // ---- selectors ---------------------------------------------------------------------

    pub(super) fn complex_list(&mut self, cx: Cx, relative: bool) -> Result<()> {
        let mut after_comma = false;
        loop {
            self.skip_ws();
            if self.peek().is_none() {
                let what = if after_comma { " after `,`" } else { "" };
                return self.err(self.offset(), format!("expected a selector{what}"));
            }
            self.complex(cx, relative)?;
            self.skip_ws();
            match self.peek() {
                None => return Ok(()),
                Some(Kind::Comma) => {
                    self.pos += 1;
                    after_comma = true;
                }
                Some(_) => return self.err(self.offset(), format!("unexpected {}", self.found())),
            }
        }
    }

    fn complex(&mut self, cx: Cx, relative: bool) -> Result<()> {
        if relative && matches!(self.peek(), Some(Kind::Delim('>' | '+' | '~'))) {
            self.pos += 1;
            self.skip_ws();
        }
        let mut element = self.compound(cx)?;
        loop {
            let ws = self.skip_ws();
            let at = self.offset();
            let combinator = match self.peek() {
                Some(&Kind::Delim(c @ ('>' | '+' | '~'))) => {
                    self.pos += 1;
                    self.skip_ws();
                    if !self.starts_compound() {
                        return self.err(
                            self.offset(),
                            format!("expected a selector after `{c}`, found {}", self.found()),
                        );
                    }
                    format!("`{c}`")
                }
                _ if ws && self.starts_compound() => "a descendant selector".into(),
                _ => return Ok(()),
            };
            if let Some(pe) = element {
                return self.err(
                    at,
                    format!("{combinator} cannot follow the pseudo-element `::{pe}`: a pseudo-element must come last"),
                );
            }
            if cx.after.is_some() {
                return self.err(at, "combinators are not allowed here");
            }
            element = self.compound(cx)?;
        }
    }

    pub(super) fn starts_compound(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Kind::Ident(_)
                    | Kind::Delim('*' | '|' | '.')
                    | Kind::Hash { .. }
                    | Kind::Open('[')
                    | Kind::Colon
            )
        )
    }

    /// A compound selector; returns its last pseudo-element, if any.
    pub(super) fn compound(&mut self, cx: Cx) -> Result<Option<String>> {
        let start = self.pos;
        let mut element: Option<String> = cx.after.map(str::to_owned);
        if self.type_selector()? && element.is_some() {
            return self.err(self.toks[start].at, "a type selector is not allowed here");
        }
        loop {
            let at = self.offset();
            let simple = match self.peek() {
                Some(Kind::Hash { value, id }) => {
                    if !id {
                        return self.err(at, bad_id(value));
                    }
                    self.pos += 1;
                    Simple::Other
                }
                Some(Kind::Delim('.')) => {
                    self.pos += 1;
                    if !matches!(self.peek(), Some(Kind::Ident(_))) {
                        return self.err(
                            self.offset(),
                            format!("expected a class name after `.`, found {}", self.found()),
                        );
                    }
                    self.pos += 1;
                    Simple::Other
                }
                Some(Kind::Open('[')) => {
                    self.block(Self::attribute)?;
                    Simple::Other
                }
                Some(Kind::Colon) => self.pseudo(cx, element.as_deref())?,
                _ => break,
            };
            if let Some(pe) = &element {
                let ok = match &simple {
                    Simple::Other => false,
                    Simple::Class(name) => allowed_after(pe, name, false),
                    Simple::Element(name) => allowed_after(pe, name, true),
                };
                if !ok {
                    let what = &self.src[at..self.offset()];
                    return self.err(
                        at,
                        format!("`{what}` cannot follow the pseudo-element `::{pe}`"),
                    );
                }
            }
            if let Simple::Element(name) = simple {
                element = Some(name);
            }
        }
        if self.pos == start {
            return self.err(
                self.offset(),
                format!("expected a selector, found {}", self.found()),
            );
        }
        Ok(element.filter(|_| cx.after.is_none()))
    }

    /// `[ns|]name` or `[ns|]*`; returns whether there was one.
    fn type_selector(&mut self) -> Result<bool> {
        let at = self.offset();
        let name = |k: Option<&Kind>| matches!(k, Some(Kind::Ident(_) | Kind::Delim('*')));
        let bar = |k: Option<&Kind>| k == Some(&Kind::Delim('|'));
        if name(self.peek()) && bar(self.peek_at(1)) {
            if let Some(Kind::Ident(prefix)) = self.peek() {
                return self.err(at, undeclared(prefix));
            }
            self.pos += 2;
        } else if bar(self.peek()) {
            self.pos += 1;
        } else if name(self.peek()) {
            self.pos += 1;
            return Ok(true);
        } else {
            return Ok(false);
        }
        if !name(self.peek()) {
            return self.err(
                self.offset(),
                format!(
                    "expected an element name or `*` after `|`, found {}",
                    self.found()
                ),
            );
        }
        self.pos += 1;
        Ok(true)
    }

    /// The inside of `[...]`.
    fn attribute(&mut self) -> Result<()> {
        self.skip_ws();
        let at = self.offset();
        let bar = |k: Option<&Kind>| k == Some(&Kind::Delim('|'));
        let ident = |k: Option<&Kind>| matches!(k, Some(Kind::Ident(_)));
        match self.peek() {
            Some(Kind::Ident(prefix)) if bar(self.peek_at(1)) => {
                return self.err(at, undeclared(prefix));
            }
            Some(Kind::Delim('*')) if bar(self.peek_at(1)) && ident(self.peek_at(2)) => {
                self.pos += 3
            }
            Some(Kind::Delim('|')) if ident(self.peek_at(1)) => self.pos += 2,
            Some(Kind::Ident(_)) => self.pos += 1,
            _ => {
                return self.err(
                    at,
                    format!("expected an attribute name, found {}", self.found()),
                );
            }
        }
        self.skip_ws();
        match self.peek() {
            None => return Ok(()),
            Some(Kind::Delim('=') | Kind::Match(_)) => self.pos += 1,
            _ => {
                return self.err(
                    self.offset(),
                    format!(
                        "expected one of `=`, `~=`, `|=`, `^=`, `$=`, `*=` or `]`, found {}",
                        self.found()
                    ),
                );
            }
        }
        self.skip_ws();
        match self.peek() {
            Some(Kind::Ident(_) | Kind::Str) => self.pos += 1,
            Some(Kind::BadStr) => {
                return self.err(self.offset(), "a line break cannot be in a string");
            }
            _ => {
                return self.err(
                    self.offset(),
                    format!(
                        "expected an attribute value (an identifier or a quoted string), found {}",
                        self.found()
                    ),
                );
            }
        }
        self.skip_ws();
        if let Some(Kind::Ident(flag)) = self.peek() {
            if !flag.eq_ignore_ascii_case("i") {
                let why = if flag.eq_ignore_ascii_case("s") {
                    "Chromium does not support the `s` flag; only `i` (case-insensitive) is accepted".to_owned()
                } else {
                    format!("unknown attribute flag `{flag}`: expected `i` or `]`")
                };
                return self.err(self.offset(), why);
            }
            self.pos += 1;
        }
        Ok(())
    }
}

fn bad_id(value: &str) -> String {
    let why = if value.starts_with(|c: char| c.is_ascii_digit()) {
        "an id selector cannot start with a digit (escape it: `#\\31 a` for `1a`)"
    } else {
        "an id selector cannot start with `-` followed by a digit"
    };
    format!("`#{value}` is not a valid id selector: {why}")
}

fn undeclared(prefix: &str) -> String {
    format!(
        "undeclared namespace prefix `{prefix}`: `querySelector` has no namespaces, use `*|` or `|`"
    )
}
