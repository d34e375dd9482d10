//! The CSS tokenizer of CSS Syntax Level 3 (§4), as Chromium runs it on a selector string,
//! including the CSS 2.1 match tokens (`~=`, `|=`, `^=`, `$=`, `*=`, `||`) Chromium still emits.

/// One token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub at: usize,
}

/// Token kinds; names and values are unescaped.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Ident(String),
    Function(String),
    AtKeyword,
    Hash { value: String, id: bool },
    Str,
    BadStr,
    Url,
    BadUrl,
    Delim(char),
    Number(Num),
    Percentage,
    Dimension(Num, String),
    Ws,
    Cdo,
    Cdc,
    Colon,
    Semicolon,
    Comma,
    Open(char),
    Close(char),
    Match(char),
    Column,
}

/// What the selector grammar needs to know about a number: `An+B` takes only integers, and
/// cares whether a sign was written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Num {
    pub integer: bool,
    pub signed: bool,
}

pub(crate) fn tokenize(src: &str) -> Vec<Token> {
    let mut t = Tokenizer {
        s: src.as_bytes(),
        src,
        i: 0,
        out: Vec::new(),
    };
    t.run();
    t.out
}

struct Tokenizer<'a> {
    s: &'a [u8],
    src: &'a str,
    i: usize,
    out: Vec<Token>,
}

fn is_ws(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t' | '\n' | '\r' | '\x0c'))
}
fn is_newline(c: Option<char>) -> bool {
    matches!(c, Some('\n' | '\r' | '\x0c'))
}
fn is_name_start(c: Option<char>) -> bool {
    // NUL is replaced by U+FFFD, which is a name code point.
    matches!(c, Some(c) if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii() || c == '\0')
}
fn is_name(c: Option<char>) -> bool {
    is_name_start(c) || matches!(c, Some(c) if c.is_ascii_digit() || c == '-')
}
fn is_digit(c: Option<char>) -> bool {
    matches!(c, Some(c) if c.is_ascii_digit())
}
fn valid_escape(a: Option<char>, b: Option<char>) -> bool {
    a == Some('\\') && !is_newline(b)
}
fn starts_ident(a: Option<char>, b: Option<char>, c: Option<char>) -> bool {
    match a {
        Some('-') => is_name_start(b) || b == Some('-') || valid_escape(b, c),
        Some('\\') => valid_escape(a, b),
        _ => is_name_start(a),
    }
}
fn starts_number(a: Option<char>, b: Option<char>, c: Option<char>) -> bool {
    match a {
        Some('+' | '-') => is_digit(b) || (b == Some('.') && is_digit(c)),
        Some('.') => is_digit(b),
        _ => is_digit(a),
    }
}

impl Tokenizer<'_> {
    /// The `n`th code point from the cursor.
    fn peek(&self, n: usize) -> Option<char> {
        self.src[self.i..].chars().nth(n)
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += c.len_utf8();
        Some(c)
    }
    fn push(&mut self, kind: Kind, at: usize) {
        self.out.push(Token { kind, at });
    }

    fn run(&mut self) {
        while self.i < self.s.len() {
            let at = self.i;
            if self.src[at..].starts_with("/*") {
                self.i = self.src[at + 2..]
                    .find("*/")
                    .map_or(self.s.len(), |e| at + 4 + e);
                continue;
            }
            let kind = self.next_token();
            self.push(kind, at);
        }
    }

    fn next_token(&mut self) -> Kind {
        let (a, b, c) = (self.peek(0), self.peek(1), self.peek(2));
        let c0 = a.expect("not at the end");
        match c0 {
            _ if is_ws(a) => {
                while is_ws(self.peek(0)) {
                    self.bump();
                }
                Kind::Ws
            }
            '"' | '\'' => self.string(c0),
            '#' if is_name(b) || valid_escape(b, c) => {
                self.bump();
                let id = starts_ident(self.peek(0), self.peek(1), self.peek(2));
                Kind::Hash {
                    value: self.name(),
                    id,
                }
            }
            '(' | '[' | '{' => {
                self.bump();
                Kind::Open(c0)
            }
            ')' | ']' | '}' => {
                self.bump();
                Kind::Close(c0)
            }
            ',' => self.one(Kind::Comma),
            ':' => self.one(Kind::Colon),
            ';' => self.one(Kind::Semicolon),
            '~' | '|' | '^' | '$' | '*' if b == Some('=') => {
                self.i += 2;
                Kind::Match(c0)
            }
            '|' if b == Some('|') => {
                self.i += 2;
                Kind::Column
            }
            '+' | '.' if starts_number(a, b, c) => self.numeric(),
            '-' if starts_number(a, b, c) => self.numeric(),
            '-' if b == Some('-') && c == Some('>') => {
                self.i += 3;
                Kind::Cdc
            }
            '-' if starts_ident(a, b, c) => self.ident_like(),
            '<' if self.src[self.i..].starts_with("<!--") => {
                self.i += 4;
                Kind::Cdo
            }
            '@' if starts_ident(b, c, self.peek(3)) => {
                self.bump();
                self.name();
                Kind::AtKeyword
            }
            '\\' if valid_escape(a, b) => self.ident_like(),
            _ if is_digit(a) => self.numeric(),
            _ if is_name_start(a) => self.ident_like(),
            _ => self.one(Kind::Delim(c0)),
        }
    }

    fn one(&mut self, kind: Kind) -> Kind {
        self.bump();
        kind
    }

    fn string(&mut self, quote: char) -> Kind {
        self.bump();
        loop {
            match self.peek(0) {
                None => return Kind::Str,
                Some(c) if c == quote => {
                    self.bump();
                    return Kind::Str;
                }
                c if is_newline(c) => return Kind::BadStr,
                Some('\\') => {
                    self.bump();
                    match self.peek(0) {
                        None => {}
                        c if is_newline(c) => {
                            self.newline();
                        }
                        _ => {
                            self.escape();
                        }
                    }
                }
                Some(_) => {
                    self.bump();
                }
            }
        }
    }

    /// Consumes one newline, `\r\n` counting as one.
    fn newline(&mut self) {
        if self.bump() == Some('\r') && self.peek(0) == Some('\n') {
            self.bump();
        }
    }

    /// Consumes an escape after its backslash and returns the code point it stands for.
    fn escape(&mut self) -> char {
        let Some(c) = self.bump() else {
            return '\u{FFFD}';
        };
        if !c.is_ascii_hexdigit() {
            return c;
        }
        let mut value = c.to_digit(16).expect("hex digit");
        for _ in 0..5 {
            match self.peek(0).and_then(|c| c.to_digit(16)) {
                Some(d) => {
                    value = value * 16 + d;
                    self.bump();
                }
                None => break,
            }
        }
        if self.peek(0) == Some('\r') && self.peek(1) == Some('\n') {
            self.i += 2;
        } else if is_ws(self.peek(0)) {
            self.bump();
        }
        match char::from_u32(value) {
            Some(c) if value != 0 => c,
            _ => '\u{FFFD}',
        }
    }

    /// Consumes a name (§4.3.12), unescaped.
    fn name(&mut self) -> String {
        let mut name = String::new();
        loop {
            let c = self.peek(0);
            if is_name(c) {
                self.bump();
                name.push(c.expect("a name code point"));
            } else if valid_escape(c, self.peek(1)) {
                self.bump();
                name.push(self.escape());
            } else {
                return name;
            }
        }
    }

    fn ident_like(&mut self) -> Kind {
        let name = self.name();
        if self.peek(0) != Some('(') {
            return Kind::Ident(name);
        }
        self.bump();
        if !name.eq_ignore_ascii_case("url") {
            return Kind::Function(name);
        }
        while is_ws(self.peek(0)) && is_ws(self.peek(1)) {
            self.bump();
        }
        let (a, b) = (self.peek(0), self.peek(1));
        if matches!(a, Some('"' | '\'')) || (is_ws(a) && matches!(b, Some('"' | '\''))) {
            return Kind::Function(name);
        }
        self.url()
    }

    fn url(&mut self) -> Kind {
        while is_ws(self.peek(0)) {
            self.bump();
        }
        loop {
            match self.bump() {
                None | Some(')') => return Kind::Url,
                c if is_ws(c) => {
                    while is_ws(self.peek(0)) {
                        self.bump();
                    }
                    return match self.bump() {
                        None | Some(')') => Kind::Url,
                        _ => self.bad_url(),
                    };
                }
                Some('"' | '\'' | '(') => return self.bad_url(),
                Some(c) if c.is_control() && !is_ws(Some(c)) && c != '\u{80}' => {
                    return self.bad_url();
                }
                Some('\\') if valid_escape(Some('\\'), self.peek(0)) => {
                    self.escape();
                }
                Some('\\') => return self.bad_url(),
                Some(_) => {}
            }
        }
    }

    fn bad_url(&mut self) -> Kind {
        loop {
            match self.bump() {
                None | Some(')') => return Kind::BadUrl,
                Some('\\') if !is_newline(self.peek(0)) => {
                    self.escape();
                }
                Some(_) => {}
            }
        }
    }

    fn numeric(&mut self) -> Kind {
        let mut num = Num {
            integer: true,
            signed: false,
        };
        if matches!(self.peek(0), Some('+' | '-')) {
            num.signed = true;
            self.bump();
        }
        self.digits();
        if self.peek(0) == Some('.') && is_digit(self.peek(1)) {
            num.integer = false;
            self.bump();
            self.digits();
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            let (b, c) = (self.peek(1), self.peek(2));
            if is_digit(b) || (matches!(b, Some('+' | '-')) && is_digit(c)) {
                num.integer = false;
                self.i += if is_digit(b) { 1 } else { 2 };
                self.digits();
            }
        }
        if starts_ident(self.peek(0), self.peek(1), self.peek(2)) {
            Kind::Dimension(num, self.name())
        } else if self.peek(0) == Some('%') {
            self.bump();
            Kind::Percentage
        } else {
            Kind::Number(num)
        }
    }

    fn digits(&mut self) {
        while is_digit(self.peek(0)) {
            self.bump();
        }
    }
}
