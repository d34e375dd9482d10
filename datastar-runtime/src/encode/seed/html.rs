//! Fragment HTML that the 0.19 client reads back as it was sent.
//!
//! The client's `datastar-fragment` reader (`onmessage` in `dist/datastar.js` of
//! `@sudodevnull/datastar@0.19.9`) splits the event's data at `\n` and, for every line after
//! the `fragment` line, takes the text up to the first space as a possible key: `selector`,
//! `merge`, `settle` or `vt` switch to that key and the line leaves the HTML. It skips empty
//! lines, and the SSE reader before it drops a U+FEFF that starts a value and splits at `\r`;
//! the data is `trim()`med at both ends. A line that would be misread is joined to the line
//! before it, by writing the line break so that the HTML parser reads the same tokens:
//!
//! - where the break is text (data, `<textarea>`/`<title>` text, a quoted attribute value), as
//!   `&#10;`, a line feed by reference;
//! - where it is inside a tag (between the name and attributes, around `=`), as a space.
//!
//! Inside raw text (`<script>`, `<style>`, `<xmp>`, `<iframe>`, `<noembed>`, `<noframes>`,
//! `<noscript>`, `<plaintext>`), comments and doctypes every character counts, so no such
//! line can be sent. Nor once the tokenizer state depends on the tree, which is not built
//! here: after an element whose contents may be foreign content or ignore tags (`<svg>`,
//! `<math>`, `<select>`, `<template>`, `<col>`...), a comment (in foreign content `<![CDATA[`
//! is raw) or a raw-text start tag (which may not switch the tokenizer there) leaves the
//! state unknown. Without those, tags, attributes and text tokenize alike everywhere.

use std::borrow::Cow;

/// The keys that a continuation line must not start with (`fragment` is safe: the client only
/// switches to a key it is not already reading).
const KEYS: [&str; 4] = ["selector", "merge", "settle", "vt"];

/// Start tags after which the tokenizer state depends on the tree: their contents may be
/// foreign content, or tags the tree builder ignores instead of switching the tokenizer.
const UNCERTAIN: [&str; 8] = [
    "svg", "math", "select", "template", "noscript", "col", "colgroup", "frameset",
];
const RCDATA: [&str; 2] = ["textarea", "title"];
const RAWTEXT: [&str; 6] = ["style", "xmp", "iframe", "noembed", "noframes", "noscript"];

const RAW_LINE: &str = "a fragment line inside raw text (`<script>`, `<style>`, a comment...) \
                        that is empty or starts with `selector`, `merge`, `settle`, `vt` or U+FEFF";
const UNCERTAIN_LINE: &str = "a fragment line that is empty or starts with `selector`, `merge`, \
                              `settle`, `vt` or U+FEFF, after an `<svg>`, `<math>`, `<select>`, \
                              `<template>`, `<noscript>`, `<col>`, `<colgroup>` or `<frameset>` \
                              and then a comment or a raw-text element";
const RAW_END: &str = "a fragment that ends in white space inside raw text or a comment";

/// What JavaScript's `String.prototype.trim` removes: white space and line terminators.
pub(crate) fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Whether the client would not read `line`, a continuation line, as HTML.
pub(crate) fn misread(line: &str) -> bool {
    line.is_empty()
        || line.starts_with('\u{feff}')
        || KEYS.contains(&line.split(' ').next().unwrap_or(line))
}

/// Whether the client would misread the last line of `html`, a continuation line, once the end
/// of the event is trimmed: `selector\u{3000}` is HTML, but trimmed it is the key `selector`.
fn misread_last(html: &str) -> bool {
    let Some(at) = html.rfind(['\n', '\r']) else {
        return false;
    };
    misread(html[at + 1..].trim_end_matches(js_space))
}

/// `html`, changed where needed so that the client parses the same HTML; as it is when nothing
/// needs to change, which one pass over it finds out.
pub(crate) fn safe(html: &str) -> Result<Cow<'_, str>, &'static str> {
    let mut lines = super::Lines::new(html);
    lines.next();
    if !lines.any(misread) && !misread_last(html) && !html.ends_with(js_space) {
        return Ok(Cow::Borrowed(html));
    }
    rewrite(html).map(Cow::Owned)
}

/// How a line break or a trailing space must be written, by where the tokenizer is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// Text: a character reference reads the same.
    Text,
    /// Inside a tag: any white space reads the same.
    Tag,
    /// Every character counts.
    Raw,
}

fn rewrite(html: &str) -> Result<String, &'static str> {
    let bytes = html.as_bytes();
    let mut out = String::with_capacity(html.len() + 16);
    let mut tokenizer = Tokenizer::default();
    // The line breaks kept, by where they are in `out` and how they would be joined, for the
    // end: trimming the event may make the last line a key, and then so may the one before.
    let mut kept: Vec<(usize, usize, Result<&'static str, &'static str>)> = Vec::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if b != b'\n' && b != b'\r' {
            at = tokenizer.step(html, at);
            continue;
        }
        let end = if bytes[at..].starts_with(b"\r\n") {
            at + 2
        } else {
            at + 1
        };
        let line_end =
            memchr::memchr2(b'\n', b'\r', &bytes[end..]).map_or(bytes.len(), |n| end + n);
        out.push_str(&html[copied..at]);
        copied = at;
        let join = tokenizer.join();
        if misread(&html[end..line_end]) {
            out.push_str(join?);
            copied = end;
        } else {
            kept.push((out.len(), end - at, join));
        }
        // A line break is white space to the tokenizer in every state.
        tokenizer.step(html, at);
        at = end;
    }
    out.push_str(&html[copied..]);
    if let Some(last) = out.chars().next_back().filter(|&c| js_space(c)) {
        match tokenizer.class() {
            _ if tokenizer.ambiguous => return Err(UNCERTAIN_LINE),
            Class::Text => {
                out.truncate(out.len() - last.len_utf8());
                out.push_str(&format!("&#{};", u32::from(last)));
            }
            // The tokenizer drops a tag cut off by the end, with or without the space; the
            // client's trim may still make the last line a key, which the joins below undo.
            Class::Tag => {}
            Class::Raw => return Err(RAW_END),
        }
    }
    // The first line follows `fragment `, so joining ends there at the latest.
    while misread_last(&out) {
        let Some((at, len, join)) = kept.pop() else {
            break;
        };
        out.replace_range(at..at + len, join?);
    }
    Ok(out)
}

/// Just enough of the HTML tokenizer (WHATWG HTML, 13.2.5) to know, at each byte, whether it
/// is text, inside a tag, or raw; the tree builder's switches to RCDATA, RAWTEXT, script data
/// and PLAINTEXT are made on the start tags that make them in the body.
#[derive(Default)]
struct Tokenizer {
    state: State,
    /// The lowercased name of the tag being read, and whether it is an end tag.
    name: String,
    end_tag: bool,
    /// The element whose end tag ends the RCDATA, RAWTEXT or script data being read.
    special: &'static str,
    /// Set by an [`UNCERTAIN`] start tag.
    uncertain: bool,
    /// Set once `uncertain` is, by what the tree may tokenize otherwise: `<!` or a start tag
    /// that switches the tokenizer in the body. From there the state is not known.
    ambiguous: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
enum State {
    #[default]
    Data,
    Rcdata,
    RawText,
    Script(Script),
    Plaintext,
    TagOpen,
    EndTagOpen,
    TagName,
    BeforeAttrName,
    AttrName,
    AfterAttrName,
    BeforeAttrValue,
    ValueDouble,
    ValueSingle,
    ValueUnquoted,
    AfterValueQuoted,
    SelfClosing,
    /// A comment, a bogus comment or a doctype: raw until the byte where it ends
    /// (`usize::MAX`: it is not ended).
    Until(usize),
}

/// Script data and its escapes (`<!--` inside a script), with the dashes just seen.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Script {
    Normal,
    Escaped(u8),
    DoubleEscaped(u8),
}

impl Tokenizer {
    /// How a line break here is written so that it joins two lines and the HTML parser reads
    /// the same tokens, or why it cannot be.
    fn join(&self) -> Result<&'static str, &'static str> {
        match self.class() {
            _ if self.ambiguous => Err(UNCERTAIN_LINE),
            Class::Text => Ok("&#10;"),
            Class::Tag => Ok(" "),
            Class::Raw => Err(RAW_LINE),
        }
    }

    fn class(&self) -> Class {
        match self.state {
            State::Data
            | State::Rcdata
            | State::TagOpen
            | State::ValueDouble
            | State::ValueSingle => Class::Text,
            State::TagName
            | State::BeforeAttrName
            | State::AttrName
            | State::AfterAttrName
            | State::BeforeAttrValue
            | State::ValueUnquoted
            | State::AfterValueQuoted
            | State::SelfClosing => Class::Tag,
            State::RawText
            | State::Script(_)
            | State::Plaintext
            | State::EndTagOpen
            | State::Until(_) => Class::Raw,
        }
    }

    /// Consumes the byte at `at` (and, where a whole construct is recognised at once, the bytes
    /// after it); returns where the next byte is.
    fn step(&mut self, html: &str, at: usize) -> usize {
        let bytes = html.as_bytes();
        let b = bytes[at];
        let space = matches!(b, b'\t' | b'\n' | b'\r' | b'\x0c' | b' ');
        let next = at + 1;
        match self.state {
            State::Data => {
                if b == b'<' {
                    self.state = State::TagOpen;
                }
            }
            State::Rcdata | State::RawText | State::Script(_) => {
                return self.special_text(html, at);
            }
            State::Plaintext => {}
            State::TagOpen => match b {
                b'!' => return self.markup_declaration(html, next),
                b'/' => self.state = State::EndTagOpen,
                b'?' => self.state = State::Until(end_at_gt(bytes, next)),
                _ if b.is_ascii_alphabetic() => self.tag(false, b),
                // `<` was text: the byte is read again as data.
                _ => {
                    self.state = State::Data;
                    return self.step(html, at);
                }
            },
            State::EndTagOpen => match b {
                b'>' => self.state = State::Data,
                _ if b.is_ascii_alphabetic() => self.tag(true, b),
                _ => self.state = State::Until(end_at_gt(bytes, at)),
            },
            State::TagName => match b {
                _ if space => self.state = State::BeforeAttrName,
                b'/' => self.state = State::SelfClosing,
                b'>' => self.emit(),
                _ => self.name.push(b.to_ascii_lowercase() as char),
            },
            State::BeforeAttrName => match b {
                _ if space => {}
                b'/' => self.state = State::SelfClosing,
                b'>' => self.emit(),
                _ => self.state = State::AttrName,
            },
            State::AttrName => match b {
                _ if space => self.state = State::AfterAttrName,
                b'/' => self.state = State::SelfClosing,
                b'=' => self.state = State::BeforeAttrValue,
                b'>' => self.emit(),
                _ => {}
            },
            State::AfterAttrName => match b {
                _ if space => {}
                b'/' => self.state = State::SelfClosing,
                b'=' => self.state = State::BeforeAttrValue,
                b'>' => self.emit(),
                _ => self.state = State::AttrName,
            },
            State::BeforeAttrValue => match b {
                _ if space => {}
                b'"' => self.state = State::ValueDouble,
                b'\'' => self.state = State::ValueSingle,
                b'>' => self.emit(),
                _ => self.state = State::ValueUnquoted,
            },
            State::ValueDouble if b == b'"' => self.state = State::AfterValueQuoted,
            State::ValueSingle if b == b'\'' => self.state = State::AfterValueQuoted,
            State::ValueDouble | State::ValueSingle => {}
            State::ValueUnquoted => match b {
                _ if space => self.state = State::BeforeAttrName,
                b'>' => self.emit(),
                _ => {}
            },
            State::AfterValueQuoted => match b {
                _ if space => self.state = State::BeforeAttrName,
                b'/' => self.state = State::SelfClosing,
                b'>' => self.emit(),
                _ => {
                    self.state = State::BeforeAttrName;
                    return self.step(html, at);
                }
            },
            State::SelfClosing => match b {
                b'>' => self.emit(),
                _ => {
                    self.state = State::BeforeAttrName;
                    return self.step(html, at);
                }
            },
            State::Until(end) => {
                if next >= end {
                    self.state = State::Data;
                }
            }
        }
        next
    }

    fn tag(&mut self, end_tag: bool, first: u8) {
        self.state = State::TagName;
        self.end_tag = end_tag;
        self.name.clear();
        self.name.push(first.to_ascii_lowercase() as char);
    }

    /// The `>` of a tag: a start tag may switch the tokenizer, as the tree builder does.
    fn emit(&mut self) {
        self.state = State::Data;
        if self.end_tag {
            return;
        }
        let name = self.name.as_str();
        if UNCERTAIN.contains(&name) {
            self.uncertain = true;
        }
        let switches = RCDATA.contains(&name)
            || RAWTEXT.contains(&name)
            || matches!(name, "script" | "plaintext");
        self.ambiguous |= self.uncertain && switches;
        let switch = |list: &[&'static str]| list.iter().copied().find(|n| *n == name);
        if let Some(special) = switch(&RCDATA) {
            (self.state, self.special) = (State::Rcdata, special);
        } else if let Some(special) = switch(&RAWTEXT) {
            (self.state, self.special) = (State::RawText, special);
        } else if name == "script" {
            (self.state, self.special) = (State::Script(Script::Normal), "script");
        } else if name == "plaintext" {
            self.state = State::Plaintext;
        }
    }

    /// After `<!`: a comment, or a doctype or bogus comment, which end at the first `>`.
    fn markup_declaration(&mut self, html: &str, at: usize) -> usize {
        self.ambiguous |= self.uncertain;
        let bytes = html.as_bytes();
        let Some(rest) = bytes[at..].strip_prefix(b"--") else {
            self.state = State::Until(end_at_gt(bytes, at));
            return at;
        };
        let body = at + 2;
        // `<!-->` and `<!--->` end at once; otherwise at `-->` or `--!>`.
        let end = if rest.starts_with(b">") {
            body + 1
        } else if rest.starts_with(b"->") {
            body + 2
        } else {
            let close = memchr::memmem::find(rest, b"-->").map(|n| n + 3);
            let bang = memchr::memmem::find(rest, b"--!>").map(|n| n + 4);
            close
                .into_iter()
                .chain(bang)
                .min_by_key(|&n| n)
                .map_or(usize::MAX, |n| body + n)
        };
        self.state = State::Until(end);
        if body >= end {
            self.state = State::Data;
        }
        body
    }

    /// A byte of RCDATA, RAWTEXT or script data: only `</name` (and, in scripts, `<!--`,
    /// `<script` and `-->`) changes anything.
    fn special_text(&mut self, html: &str, at: usize) -> usize {
        let bytes = html.as_bytes();
        let b = bytes[at];
        let tag_at = |prefix: &[u8]| -> Option<usize> {
            let name = self.special.as_bytes();
            let after = at + prefix.len() + name.len();
            let matches = bytes[at..].starts_with(prefix)
                && bytes.len() > at + prefix.len()
                && bytes[at + prefix.len()..]
                    .iter()
                    .take(name.len())
                    .map(u8::to_ascii_lowercase)
                    .eq(name.iter().copied())
                && matches!(
                    bytes.get(after),
                    Some(b'\t' | b'\n' | b'\r' | b'\x0c' | b' ' | b'/' | b'>')
                );
            matches.then_some(after)
        };
        let State::Script(script) = self.state else {
            if let Some(after) = tag_at(b"</") {
                self.end_tag = true;
                self.name = self.special.to_owned();
                self.state = State::TagName;
                return after;
            }
            return at + 1;
        };
        let dashes = |d: u8| if b == b'-' { d.saturating_add(1) } else { 0 };
        self.state = State::Script(match script {
            Script::Normal if bytes[at..].starts_with(b"<!--") => {
                // `<!--` leaves the tokenizer in "script data escaped dash dash".
                self.state = State::Script(Script::Escaped(2));
                return at + 4;
            }
            Script::Normal | Script::Escaped(_) if tag_at(b"</").is_some() => {
                let after = tag_at(b"</").unwrap_or(at + 1);
                self.end_tag = true;
                self.name = "script".to_owned();
                self.state = State::TagName;
                return after;
            }
            Script::Normal => Script::Normal,
            Script::Escaped(d) | Script::DoubleEscaped(d) if b == b'>' && d >= 2 => Script::Normal,
            Script::Escaped(_) if tag_at(b"<").is_some() => {
                let after = tag_at(b"<").unwrap_or(at + 1);
                self.state = State::Script(Script::DoubleEscaped(0));
                return after;
            }
            Script::Escaped(d) => Script::Escaped(dashes(d)),
            Script::DoubleEscaped(_) if tag_at(b"</").is_some() => {
                let after = tag_at(b"</").unwrap_or(at + 1);
                self.state = State::Script(Script::Escaped(0));
                return after;
            }
            Script::DoubleEscaped(d) => Script::DoubleEscaped(dashes(d)),
        });
        at + 1
    }
}

/// Where a construct that ends at the first `>` from `from` ends (past the `>`), or
/// `usize::MAX` when nothing ends it.
fn end_at_gt(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'>', &bytes[from..]).map_or(usize::MAX, |n| from + n + 1)
}
