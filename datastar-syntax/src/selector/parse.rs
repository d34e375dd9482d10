//! The selector grammar of Selectors Level 4 over CSS tokens, with Chromium's choices where
//! the browser differs from the specification (its pseudo names, what may follow a
//! pseudo-element, `:has()` not nesting, pseudo-elements inside `:nth-child(… of S)`).

use super::SelectorError;
use super::names::{
    FUNCTIONAL_CLASSES, FUNCTIONAL_ELEMENTS, LEGACY_ELEMENTS, PSEUDO_CLASSES, PSEUDO_ELEMENTS,
    SCROLL_BUTTONS, allowed_after,
};
use super::token::{Kind, Num, Token, tokenize};

type Result<T> = std::result::Result<T, SelectorError>;

/// Where a selector is being parsed.
#[derive(Clone, Copy, Default)]
struct Cx {
    /// Inside this functional pseudo, which forbids pseudo-elements.
    no_elements: Option<&'static str>,
    /// Inside `:has()`, which cannot nest.
    in_has: bool,
    /// Inside `:not()` after this pseudo-element: every simple selector must be allowed after it.
    after: Option<&'static str>,
}

/// A simple selector, as far as the pseudo-element rules care.
enum Simple {
    Other,
    Class(String),
    Element(String),
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    /// For each `(`, `[`, `{` or function token: the index of its closing token, or the
    /// number of tokens when the end of input closes it (CSS Syntax §5.4.8).
    close: Vec<usize>,
    pos: usize,
    end: usize,
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

    fn peek_at(&self, n: usize) -> Option<&Kind> {
        let i = self.pos + n;
        (i < self.end).then(|| &self.toks[i].kind)
    }
    fn peek(&self) -> Option<&Kind> {
        self.peek_at(0)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.src.len(), |t| t.at)
    }
    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek() == Some(&Kind::Ws) {
            self.pos += 1;
        }
        self.pos > start
    }
    fn err<T>(&self, at: usize, msg: impl Into<String>) -> Result<T> {
        Err(SelectorError::new(at, msg.into()))
    }
    /// The current token as written, for messages.
    fn found(&self) -> String {
        if self.pos >= self.end {
            return if self.end < self.toks.len() {
                "`)`".into()
            } else {
                "the end of the selector".into()
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
    fn block<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
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

    fn complex_list(&mut self, cx: Cx, relative: bool) -> Result<()> {
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

    fn starts_compound(&self) -> bool {
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
    fn compound(&mut self, cx: Cx) -> Result<Option<String>> {
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

    /// After a `:`; `element` is the pseudo-element the compound has so far.
    fn pseudo(&mut self, cx: Cx, element: Option<&str>) -> Result<Simple> {
        let at = self.offset();
        self.pos += 1;
        if self.peek() == Some(&Kind::Colon) {
            self.pos += 1;
            return self.pseudo_element(cx, at);
        }
        let kind = self.peek().cloned();
        match kind {
            Some(Kind::Ident(name)) => {
                let name = name.to_ascii_lowercase();
                if LEGACY_ELEMENTS.contains(&name.as_str()) {
                    self.no_elements(cx, at)?;
                    self.pos += 1;
                    return Ok(Simple::Element(name));
                }
                if !PSEUDO_CLASSES.contains(&name.as_str()) {
                    if FUNCTIONAL_CLASSES.contains(&name.as_str()) {
                        return self.err(at, format!("`:{name}` needs arguments: `:{name}(…)`"));
                    }
                    return self.err(at, format!("unknown pseudo-class `:{name}`"));
                }
                self.pos += 1;
                Ok(Simple::Class(name))
            }
            Some(Kind::Function(name)) => {
                let name = name.to_ascii_lowercase();
                let Some(&known) = FUNCTIONAL_CLASSES.iter().find(|n| **n == name) else {
                    if PSEUDO_CLASSES.contains(&name.as_str()) {
                        return self.err(at, format!("`:{name}` takes no arguments"));
                    }
                    return self.err(at, format!("unknown pseudo-class `:{name}()`"));
                };
                // After a pseudo-element, `:not()` may only hold what may follow it.
                let inner = Cx {
                    after: element.and_then(static_name).or(cx.after),
                    ..cx
                };
                self.block(|p| p.pseudo_class_args(known, inner, at))?;
                Ok(Simple::Class(name))
            }
            _ => self.err(
                self.offset(),
                format!(
                    "expected a pseudo-class name after `:`, found {}",
                    self.found()
                ),
            ),
        }
    }

    fn no_elements(&self, cx: Cx, at: usize) -> Result<()> {
        match cx.no_elements {
            Some(inside) => self.err(
                at,
                format!("a pseudo-element is not allowed inside `:{inside}()`"),
            ),
            None => Ok(()),
        }
    }

    fn pseudo_class_args(&mut self, name: &'static str, cx: Cx, at: usize) -> Result<()> {
        let nested = Cx {
            no_elements: Some(name),
            ..cx
        };
        match name {
            // Forgiving: invalid arguments are dropped, so anything parses.
            "is" | "where" => {
                self.pos = self.end;
                Ok(())
            }
            "not" => self.complex_list(nested, false),
            "has" if cx.in_has => self.err(at, "`:has()` cannot be nested inside `:has()`"),
            "has" if cx.after.is_some() => self.err(at, "`:has()` cannot follow a pseudo-element"),
            "has" => self.complex_list(
                Cx {
                    in_has: true,
                    after: None,
                    ..nested
                },
                true,
            ),
            "nth-child" | "nth-last-child" => {
                self.an_plus_b()?;
                self.skip_ws();
                match self.peek() {
                    Some(Kind::Ident(of)) if of.eq_ignore_ascii_case("of") => {
                        self.pos += 1;
                        // Chromium allows pseudo-elements here.
                        self.complex_list(Cx { after: None, ..cx }, false)
                    }
                    None => Ok(()),
                    Some(_) => self.err(
                        self.offset(),
                        format!("expected `of` or `)`, found {}", self.found()),
                    ),
                }
            }
            "nth-of-type" | "nth-last-of-type" => self.an_plus_b(),
            "lang" | "dir" | "state" => self.ident_arg(name),
            "host" | "host-context" => {
                self.skip_ws();
                self.compound(Cx {
                    after: None,
                    ..nested
                })
                .map(drop)
            }
            "-webkit-any" => self.compound_list(nested),
            _ => self.ident_list(name),
        }
    }

    fn ident_arg(&mut self, name: &str) -> Result<()> {
        self.skip_ws();
        match self.peek() {
            Some(Kind::Ident(_)) => {
                self.pos += 1;
                Ok(())
            }
            _ => self.err(
                self.offset(),
                format!("`:{name}()` takes one identifier, found {}", self.found()),
            ),
        }
    }

    fn ident_list(&mut self, name: &str) -> Result<()> {
        loop {
            self.ident_arg(name)?;
            self.skip_ws();
            if self.peek() != Some(&Kind::Comma) {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    fn compound_list(&mut self, cx: Cx) -> Result<()> {
        loop {
            self.skip_ws();
            self.compound(Cx { after: None, ..cx })?;
            self.skip_ws();
            if self.peek() != Some(&Kind::Comma) {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    /// After `::`.
    fn pseudo_element(&mut self, cx: Cx, at: usize) -> Result<Simple> {
        let kind = self.peek().cloned();
        let name = match kind {
            Some(Kind::Ident(name)) => {
                let name = name.to_ascii_lowercase();
                if !PSEUDO_ELEMENTS.contains(&name.as_str()) && !name.starts_with("-webkit-") {
                    if FUNCTIONAL_ELEMENTS.contains(&name.as_str()) {
                        return self.err(at, format!("`::{name}` needs arguments: `::{name}(…)`"));
                    }
                    return self.err(at, format!("unknown pseudo-element `::{name}`"));
                }
                self.no_elements(cx, at)?;
                self.pos += 1;
                name
            }
            Some(Kind::Function(name)) => {
                let name = name.to_ascii_lowercase();
                let Some(&known) = FUNCTIONAL_ELEMENTS.iter().find(|n| **n == name) else {
                    if PSEUDO_ELEMENTS.contains(&name.as_str()) {
                        return self.err(at, format!("`::{name}` takes no arguments"));
                    }
                    return self.err(at, format!("unknown pseudo-element `::{name}()`"));
                };
                self.no_elements(cx, at)?;
                let nested = Cx {
                    no_elements: Some(known),
                    in_has: cx.in_has,
                    after: None,
                };
                self.block(|p| p.pseudo_element_args(known, nested))?;
                name
            }
            _ => {
                return self.err(
                    self.offset(),
                    format!(
                        "expected a pseudo-element name after `::`, found {}",
                        self.found()
                    ),
                );
            }
        };
        Ok(Simple::Element(name))
    }

    fn pseudo_element_args(&mut self, name: &'static str, cx: Cx) -> Result<()> {
        self.skip_ws();
        match name {
            "slotted" => self.compound(cx).map(drop),
            "cue" => self.compound_list(cx),
            "highlight" => self.ident_arg(name),
            "part" => {
                self.ident_arg(name)?;
                while self.skip_ws() && matches!(self.peek(), Some(Kind::Ident(_))) {
                    self.pos += 1;
                }
                Ok(())
            }
            "picker" => match self.peek() {
                Some(Kind::Ident(s)) if s.eq_ignore_ascii_case("select") => {
                    self.pos += 1;
                    Ok(())
                }
                _ => self.err(
                    self.offset(),
                    format!("`::picker()` takes `select`, found {}", self.found()),
                ),
            },
            "scroll-button" => match self.peek() {
                Some(Kind::Delim('*')) => {
                    self.pos += 1;
                    Ok(())
                }
                Some(Kind::Ident(s))
                    if SCROLL_BUTTONS.contains(&s.to_ascii_lowercase().as_str()) =>
                {
                    self.pos += 1;
                    Ok(())
                }
                _ => self.err(
                    self.offset(),
                    format!(
                        "expected `*` or a direction such as `up` or `inline-end`, found {}",
                        self.found()
                    ),
                ),
            },
            // The view-transition pseudo-elements take `*`, a name, and `.class`es.
            _ => {
                let mut any = false;
                if matches!(self.peek(), Some(Kind::Ident(_) | Kind::Delim('*'))) {
                    self.pos += 1;
                    any = true;
                }
                while self.peek() == Some(&Kind::Delim('.'))
                    && matches!(self.peek_at(1), Some(Kind::Ident(_)))
                {
                    self.pos += 2;
                    any = true;
                }
                if !any {
                    return self.err(
                        self.offset(),
                        format!(
                            "expected `*` or a view transition name, found {}",
                            self.found()
                        ),
                    );
                }
                Ok(())
            }
        }
    }

    /// The `An+B` microsyntax (CSS Syntax §6), as Chromium's `ConsumeANPlusB` reads it.
    fn an_plus_b(&mut self) -> Result<()> {
        self.skip_ws();
        let at = self.offset();
        let bad = |p: &Self| {
            p.err(
                at,
                "expected an `An+B` expression such as `odd`, `even`, `3`, `2n+1` or `-n+3`",
            )
        };
        let n: String = match self.peek().cloned() {
            Some(Kind::Number(Num { integer: true, .. })) => {
                self.pos += 1;
                return Ok(());
            }
            Some(Kind::Ident(s))
                if s.eq_ignore_ascii_case("odd") || s.eq_ignore_ascii_case("even") =>
            {
                self.pos += 1;
                return Ok(());
            }
            Some(Kind::Delim('+')) => match self.peek_at(1).cloned() {
                Some(Kind::Ident(s)) => {
                    self.pos += 2;
                    s
                }
                _ => return bad(self),
            },
            Some(Kind::Dimension(Num { integer: true, .. }, unit)) => {
                self.pos += 1;
                unit
            }
            Some(Kind::Ident(s)) => {
                self.pos += 1;
                s.strip_prefix('-').map_or(s.clone(), str::to_owned)
            }
            _ => return bad(self),
        };
        self.skip_ws();
        let mut chars = n.chars();
        if !matches!(chars.next(), Some('n' | 'N')) {
            return bad(self);
        }
        let rest = chars.as_str();
        if !rest.is_empty() && !rest.starts_with('-') {
            return bad(self);
        }
        if rest.len() > 1 {
            // `n-3`: Chromium reads `-3` as a 32-bit integer.
            return match rest.parse::<i32>() {
                Ok(_) => Ok(()),
                Err(_) => bad(self),
            };
        }
        let mut sign = !rest.is_empty();
        if !sign {
            if let Some(&Kind::Delim(c)) = self.peek() {
                if c != '+' && c != '-' {
                    return bad(self);
                }
                self.pos += 1;
                self.skip_ws();
                sign = true;
            } else if !matches!(self.peek(), Some(Kind::Number(_))) {
                return Ok(());
            }
        }
        match self.peek() {
            Some(Kind::Number(Num {
                integer: true,
                signed,
            })) if *signed != sign => {
                self.pos += 1;
                Ok(())
            }
            _ => bad(self),
        }
    }
}

/// The `&'static str` of a known pseudo-element name, for `Cx::after`.
fn static_name(name: &str) -> Option<&'static str> {
    PSEUDO_ELEMENTS
        .iter()
        .chain(FUNCTIONAL_ELEMENTS)
        .find(|n| **n == name)
        .copied()
        .or(name
            .starts_with("-webkit-scrollbar")
            .then_some("-webkit-scrollbar"))
        .or(name.starts_with("-webkit-").then_some("-webkit-"))
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
