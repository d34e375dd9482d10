//! Pseudo-classes and pseudo-elements, with their arguments.

use super::names::{
    FUNCTIONAL_CLASSES, FUNCTIONAL_ELEMENTS, LEGACY_ELEMENTS, PSEUDO_CLASSES, PSEUDO_ELEMENTS,
    SCROLL_BUTTONS,
};
use super::parse::{Cx, Parser, Result, Simple};
use super::token::Kind;

impl Parser<'_> {
    /// After a `:`; `element` is the pseudo-element the compound has so far.
    pub(super) fn pseudo(&mut self, cx: Cx, element: Option<&str>) -> Result<Simple> {
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
                    let msg = format!("unknown pseudo-class `:{name}`");
                    return self.unknown(at, msg, ":", &name, PSEUDO_CLASSES);
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
                    let msg = format!("unknown pseudo-class `:{name}()`");
                    return self.unknown(at, msg, ":", &name, FUNCTIONAL_CLASSES);
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
                    let msg = format!("unknown pseudo-element `::{name}`");
                    return self.unknown(at, msg, "::", &name, PSEUDO_ELEMENTS);
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
                    let msg = format!("unknown pseudo-element `::{name}()`");
                    return self.unknown(at, msg, "::", &name, FUNCTIONAL_ELEMENTS);
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
