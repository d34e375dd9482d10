//! Selector templates, `#card-{id}`: a selector whose placeholders are filled at run time with
//! values escaped as `CSS.escape` escapes an identifier, so that no value can change the
//! selector's structure or break the line it is sent on.

use std::fmt::{self, Display, Write};

use super::{SelectorError, validate};

/// One piece of a parsed selector template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Selector text, with `{{` and `}}` already turned into `{` and `}`.
    Text(String),
    /// `{name}`: the name of the value that fills it, and the byte range of the placeholder,
    /// braces included, in the template.
    Value {
        /// The name between the braces.
        name: String,
        /// Where the placeholder is in the template.
        at: std::ops::Range<usize>,
    },
}

/// A template that cannot be read, or whose static parts do not make a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    at: std::ops::Range<usize>,
    message: String,
    help: Option<&'static str>,
}

impl TemplateError {
    fn new(at: std::ops::Range<usize>, message: String, help: Option<&'static str>) -> Self {
        TemplateError { at, message, help }
    }

    /// The byte range in the template where the problem is.
    pub fn at(&self) -> std::ops::Range<usize> {
        self.at.clone()
    }

    /// What is wrong, as a lowercase sentence fragment without a final period.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to write instead, when there is a simple answer.
    pub fn help(&self) -> Option<&'static str> {
        self.help
    }
}

impl Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.at.start)
    }
}

impl std::error::Error for TemplateError {}

/// Whether `template` has placeholders or escaped braces, that is, whether it is a template
/// at all rather than a plain selector.
pub fn is_template(template: &str) -> bool {
    template.contains(['{', '}'])
}

/// Splits `template` into text and `{name}` placeholders (`{{` and `}}` stand for braces), and
/// checks the result: with each placeholder standing for an identifier, it must be a valid
/// selector.
///
/// ```
/// use datastar_syntax::selector::template::{Piece, parse};
///
/// let pieces = parse("#card-{id} > .title").unwrap();
/// assert_eq!(pieces.len(), 3);
/// assert!(matches!(&pieces[1], Piece::Value { name, .. } if name == "id"));
///
/// assert_eq!(parse("#card-{id").unwrap_err().message(), "unclosed `{` in the selector template");
/// assert!(parse("#a {id}").is_ok());
/// assert!(parse("#a > {id} >").is_err());
/// ```
pub fn parse(template: &str) -> Result<Vec<Piece>, TemplateError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '}' => {
                return Err(TemplateError::new(
                    i..i + 1,
                    "unmatched `}` in the selector template".into(),
                    Some("write `}}` for a literal `}`"),
                ));
            }
            '{' => {
                let Some(len) = template[i + 1..].find('}') else {
                    return Err(TemplateError::new(
                        i..template.len(),
                        "unclosed `{` in the selector template".into(),
                        Some(
                            "close the placeholder, as in `{id}`, or write `{{` for a literal `{`",
                        ),
                    ));
                };
                let name = &template[i + 1..i + 1 + len];
                let at = i..i + len + 2;
                check_name(name, at.clone())?;
                while chars.peek().is_some_and(|&(j, _)| j < at.end) {
                    chars.next();
                }
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Value {
                    name: name.to_owned(),
                    at,
                });
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    check_structure(template, &pieces)?;
    Ok(pieces)
}

fn check_name(name: &str, at: std::ops::Range<usize>) -> Result<(), TemplateError> {
    let help = Some("a placeholder names one variable, as in `{id}`");
    if name.is_empty() {
        return Err(TemplateError::new(
            at,
            "empty placeholder `{}` in the selector template".into(),
            help,
        ));
    }
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut chars = name.chars();
    let first = chars.next().unwrap_or('0');
    let ident = (first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && name != "_";
    if !ident {
        return Err(TemplateError::new(
            at,
            format!("`{{{name}}}` is not a placeholder: expected the name of a variable"),
            if name.contains([':', '.', '(', '[']) {
                Some(
                    "placeholders take no format spec, field or call: bind the value to a variable first and write `{name}`",
                )
            } else {
                help
            },
        ));
    }
    Ok(())
}

/// The stand-in each placeholder takes while the static parts are checked: an identifier that
/// may start, continue or end any identifier.
const STAND_IN: &str = "x";

fn check_structure(template: &str, pieces: &[Piece]) -> Result<(), TemplateError> {
    let mut probe = String::new();
    // For each byte of the probe, the byte of the template it came from.
    let mut origin = Vec::new();
    let mut at = 0;
    for piece in pieces {
        match piece {
            Piece::Text(text) => {
                for c in text.chars() {
                    probe.push(c);
                    origin.extend(std::iter::repeat_n(at, c.len_utf8()));
                    // `{{` and `}}` are two bytes of the template for one of the probe.
                    at += if c == '{' || c == '}' {
                        2
                    } else {
                        c.len_utf8()
                    };
                }
            }
            Piece::Value { at: range, .. } => {
                probe.push_str(STAND_IN);
                origin.extend(std::iter::repeat_n(range.start, STAND_IN.len()));
                at = range.end;
            }
        }
    }
    validate(&probe).map_err(|e: SelectorError| {
        let start = origin.get(e.offset()).copied().unwrap_or(template.len());
        TemplateError::new(start..template.len(), e.message().to_owned(), None)
    })
}

/// Where a value lands in the identifier being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// No identifier code point before it: the value starts an identifier.
    Start,
    /// Only a `-` before it.
    AfterHyphen,
    /// Inside an identifier.
    Inside,
}

fn is_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii()
}

/// Where the writer is in the selector: in an identifier (and where in it), or in a string.
#[derive(Debug, Clone, Copy)]
struct State {
    at: Position,
    /// The quote of the string being written, if any.
    quote: Option<char>,
    /// The previous character was a backslash.
    escaped: bool,
}

impl State {
    fn after_text(mut self, text: &str) -> State {
        for c in text.chars() {
            if self.escaped {
                self.escaped = false;
                self.at = Position::Inside;
                continue;
            }
            if let Some(quote) = self.quote {
                match c {
                    '\\' => self.escaped = true,
                    c if c == quote => {
                        self.quote = None;
                        self.at = Position::Start;
                    }
                    _ => {}
                }
                continue;
            }
            self.at = match (self.at, c) {
                (_, '"' | '\'') => {
                    self.quote = Some(c);
                    Position::Start
                }
                (_, '\\') => {
                    self.escaped = true;
                    Position::Inside
                }
                (Position::Start, '-') => Position::AfterHyphen,
                (_, c) if is_name(c) => Position::Inside,
                _ => Position::Start,
            };
        }
        self
    }
}

/// One part of a template being filled: text of the selector, or a value for a placeholder.
#[derive(Clone, Copy)]
pub enum Part<'a> {
    /// Selector text, written as it is (already checked, with stand-ins, by [`parse`]).
    Text(&'a str),
    /// A value, written as `CSS.escape` writes an identifier.
    Value(&'a dyn Display),
}

impl fmt::Debug for Part<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Text(text) => f.debug_tuple("Text").field(text).finish(),
            Part::Value(value) => f.debug_tuple("Value").field(&value.to_string()).finish(),
        }
    }
}

/// Writes a template whose text parts [`parse`] accepted, filling each placeholder with its
/// value escaped as an identifier (see [`escape_ident`]). The result is a valid selector in
/// which each value stands for exactly itself.
///
/// An empty value where the identifier would then be missing or only `-` (`#{id}` or
/// `#-{id}` with an empty `id`) is written as U+FFFD, which is what `CSS.escape` writes for
/// NUL: the selector stays valid (no selector can name an empty id) and matches no element
/// but one whose id holds that character.
///
/// ```
/// use datastar_syntax::selector::template::{Part, fill};
///
/// let id = "a b";
/// assert_eq!(fill(&[Part::Text("#card-"), Part::Value(&id)]), r"#card-a\ b");
/// assert_eq!(fill(&[Part::Text("#"), Part::Value(&7)]), r"#\37 ");
/// assert_eq!(fill(&[Part::Text("#card-"), Part::Value(&7)]), "#card-7");
/// ```
pub fn fill(parts: &[Part<'_>]) -> String {
    let mut out = String::new();
    let mut state = State {
        at: Position::Start,
        quote: None,
        escaped: false,
    };
    let mut value = String::new();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Part::Text(text) => {
                out.push_str(text);
                state = state.after_text(text);
            }
            Part::Value(v) => {
                value.clear();
                // A `Display` that fails leaves what it wrote; it cannot break the selector.
                let _ = write!(value, "{v}");
                if state.quote.is_some() {
                    // In a string, escapes work as in an identifier and any text may stand.
                    escape_at(&mut out, &value, Position::Inside);
                } else if value.is_empty()
                    && state.at != Position::Inside
                    && !continues(state.at, parts.get(i + 1))
                {
                    out.push('\u{FFFD}');
                    state.at = Position::Inside;
                } else {
                    state.at = escape_at(&mut out, &value, state.at);
                }
            }
        }
    }
    out
}

/// Whether what follows an empty value, written at `at`, still makes an identifier there.
/// A value that follows is written knowing where it lands, so it always does.
fn continues(at: Position, next: Option<&Part<'_>>) -> bool {
    let name_start = |c: Option<char>| {
        c.is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '\\' || !c.is_ascii())
    };
    let text = match next {
        Some(Part::Value(_)) => return true,
        Some(Part::Text(text)) => text,
        None => return false,
    };
    let mut chars = text.chars();
    let (a, b) = (chars.next(), chars.next());
    match at {
        Position::Inside => true,
        Position::Start if a == Some('-') => name_start(b) || b == Some('-'),
        Position::Start => name_start(a),
        Position::AfterHyphen => name_start(a) || a == Some('-'),
    }
}

/// Writes `value` as `CSS.escape(value)` does: an identifier that stands for exactly `value`,
/// whatever it holds. Line breaks and other control characters become hex escapes, so the
/// result is always one line.
///
/// ```
/// use datastar_syntax::selector::template::escape_ident;
///
/// let mut out = String::from("#");
/// escape_ident(&mut out, "x\"],*");
/// assert_eq!(out, r#"#x\"\]\,\*"#);
/// ```
pub fn escape_ident(out: &mut String, value: &str) {
    escape_at(out, value, Position::Start);
}

fn escape_at(out: &mut String, value: &str, mut at: Position) -> Position {
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '\u{1}'..='\u{1f}' | '\u{7f}' => hex(out, c),
            '0'..='9' if at != Position::Inside => hex(out, c),
            '-' if at == Position::Start && chars.peek().is_none() => out.push_str("\\-"),
            c if is_name(c) => out.push(c),
            c => {
                out.push('\\');
                out.push(c);
            }
        }
        at = match (at, c) {
            (Position::Start, '-') => Position::AfterHyphen,
            _ => Position::Inside,
        };
    }
    at
}

fn hex(out: &mut String, c: char) {
    let _ = write!(out, "\\{:x} ", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::super::token::{Kind, tokenize};
    use super::*;

    fn id_of(selector: &str) -> String {
        match &tokenize(selector)[0].kind {
            Kind::Hash { value, id: true } => value.clone(),
            other => panic!("not an id selector: {other:?} in {selector:?}"),
        }
    }

    #[test]
    fn values_stand_for_themselves() {
        for raw in [
            "a b", "x\"],*", "7", "-", "-7", "--", "a\nb", "\r", "😀", "\\", "\0", "#", ".x",
        ] {
            let filled = fill(&[Part::Text("#"), Part::Value(&raw)]);
            validate(&filled).unwrap_or_else(|e| panic!("{raw:?} gave {filled:?}: {e}"));
            assert!(!filled.contains(['\n', '\r']));
            let expected = raw.replace('\0', "\u{FFFD}");
            assert_eq!(id_of(&filled), expected, "{raw:?} gave {filled:?}");
        }
    }

    proptest::proptest! {
        /// Whatever a value holds, and wherever it lands in an identifier, the filled template
        /// is a valid selector on one line, the value reads back as exactly itself, and the
        /// text around it is untouched.
        #[test]
        fn any_value_stands_for_exactly_itself(
            raw in "\\PC*|[\\x00-\\x7f]{0,12}|[-0-9 \\\\\"'\\],*#.:\\n\\r]{0,8}",
            prefix in "(|card-|-|c)",
        ) {
            let prefix_owned = format!("#{prefix}");
            let filled = fill(&[Part::Text(&prefix_owned), Part::Value(&raw), Part::Text(" > li")]);
            proptest::prop_assert!(validate(&filled).is_ok(), "{raw:?} gave {filled:?}");
            proptest::prop_assert!(!filled.contains(['\n', '\r', '\0']));
            let tokens = tokenize(&filled);
            // Only an empty value is written as U+FFFD, and only where the identifier would
            // be missing or only `-` without it; a value `-` is written `\-` and reads `-`.
            let expected = match format!("{prefix}{raw}").replace('\0', "\u{FFFD}") {
                ident if raw.is_empty() && (ident.is_empty() || ident == "-") => {
                    format!("{ident}\u{FFFD}")
                }
                value => value,
            };
            proptest::prop_assert_eq!(
                &tokens[0].kind,
                &Kind::Hash { value: expected, id: true },
                "{:?} gave {:?}", raw, filled
            );
            proptest::prop_assert!(filled.ends_with(" > li"));
        }

        /// Whatever follows the value in the template, the result stays a valid selector.
        #[test]
        fn any_value_keeps_any_template_valid(
            raw in "\\PC{0,3}|[-0-9 \\\\\"]{0,3}",
            second in "\\PC{0,2}|[-0-9]{0,2}",
            template in proptest::sample::select(vec![
                "#{a}", "#-{a}", "#{a}-", "#{a}7", "#-{a}7", "#{a}-7", "#{a}--", "#x{a}",
                ".{a}{b}", "#{a}{b}7", "[data-x=\"{a}\"]", "[data-{a}]", "#a > .{a}-{b}",
                "{a}", "{a}{b}", "li:nth-child(2).{a}",
            ]),
        ) {
            let pieces = parse(template).expect("a valid template");
            let parts: Vec<Part<'_>> = pieces
                .iter()
                .map(|piece| match piece {
                    Piece::Text(text) => Part::Text(text),
                    Piece::Value { name, .. } if name == "a" => Part::Value(&raw),
                    Piece::Value { .. } => Part::Value(&second),
                })
                .collect();
            let filled = fill(&parts);
            proptest::prop_assert!(validate(&filled).is_ok(), "{:?} with {:?}, {:?} gave {:?}", template, raw, second, filled);
        }
    }

    #[test]
    fn empty_values_keep_the_selector_valid() {
        let empty = "";
        assert_eq!(fill(&[Part::Text("#"), Part::Value(&empty)]), "#\u{FFFD}");
        assert_eq!(fill(&[Part::Text("#a-"), Part::Value(&empty)]), "#a-");
        let two = fill(&[Part::Text("#"), Part::Value(&empty), Part::Value(&empty)]);
        validate(&two).unwrap();
    }

    #[test]
    fn templates_parse() {
        let pieces = parse("#row-{n} [data-x=\"{{}}\"]").unwrap();
        assert_eq!(
            pieces,
            vec![
                Piece::Text("#row-".into()),
                Piece::Value {
                    name: "n".into(),
                    at: 5..8
                },
                Piece::Text(" [data-x=\"{}\"]".into()),
            ]
        );
        assert_eq!(parse("#a}").unwrap_err().at(), 2..3);
        assert!(parse("#a-{}").is_err());
        assert!(
            parse("#a-{x:?}")
                .unwrap_err()
                .help()
                .unwrap()
                .contains("format spec")
        );
        assert!(parse("#a-{0}").is_err());
        // The static parts are checked with a stand-in for each value.
        let err = parse("#{id} >> .x").unwrap_err();
        assert_eq!(err.at().start, 7);
    }
}
