//! The `An+B` microsyntax of `:nth-child()` and its kin.

use super::parse::{Parser, Result};
use super::token::{Kind, Num};

impl Parser<'_> {
    /// The `An+B` microsyntax (CSS Syntax §6), as Chromium's `ConsumeANPlusB` reads it.
    pub(super) fn an_plus_b(&mut self) -> Result<()> {
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
