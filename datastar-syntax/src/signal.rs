//! Signal names as the Datastar 1.0.1 client reads them from attribute keys and expressions.

/// The signal an attribute key names, as the client turns it into one: camelCase
/// (`first-name` is `firstName`) unless a `__case.kebab`, `.snake` or `.pascal` modifier says
/// otherwise. `modifiers` are those of [`Attribute`](crate::attribute::Attribute).
pub fn signal_name(key: &str, modifiers: &[(&str, Vec<&str>)]) -> String {
    let case = modifiers
        .iter()
        .find(|(name, _)| *name == "case")
        .and_then(|(_, args)| args.first().copied())
        .unwrap_or("camel");
    let camel = |key: &str| -> String {
        let mut out = String::new();
        let mut upper = false;
        for c in key.chars() {
            match c {
                '-' => upper = true,
                c if upper && c.is_ascii_lowercase() => {
                    out.push(c.to_ascii_uppercase());
                    upper = false;
                }
                c => {
                    if upper {
                        out.push('-');
                    }
                    out.push(c);
                    upper = false;
                }
            }
        }
        out
    };
    match case {
        "kebab" => key.to_owned(),
        "snake" => key.replace('-', "_"),
        "pascal" => {
            let camel = camel(key);
            let mut chars = camel.chars();
            chars
                .next()
                .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
        }
        _ => camel(key),
    }
}

/// The `$signal.path`s of an expression, outside its string literals, read as the client reads
/// them (`$name` then `.name` or `-name` segments).
pub fn signal_paths(expression: &str) -> Vec<String> {
    let chars: Vec<char> = expression.chars().collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut paths = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            quote @ ('\'' | '"' | '`') => {
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            }
            '$' if chars.get(i + 1).is_some_and(|c| word(*c)) => {
                let start = i + 1;
                i = start;
                // A word character, or a `.` or `-` that another one follows.
                while i < chars.len()
                    && (word(chars[i])
                        || (matches!(chars[i], '.' | '-')
                            && chars.get(i + 1).is_some_and(|c| word(*c))))
                {
                    i += 1;
                }
                paths.push(chars[start..i].iter().collect());
            }
            _ => i += 1,
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_paths_skip_strings() {
        assert_eq!(
            signal_paths("$a.b + '$x' + $c-d; `$y` $e"),
            ["a.b", "c-d", "e"]
        );
        assert_eq!(
            signal_paths("evt.key === 'Enter' && @post('/x')"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn keys_become_camel_case() {
        assert_eq!(signal_name("first-name", &[]), "firstName");
        assert_eq!(
            signal_name("first-name", &[("case", vec!["kebab"])]),
            "first-name"
        );
        assert_eq!(
            signal_name("first-name", &[("case", vec!["snake"])]),
            "first_name"
        );
        assert_eq!(
            signal_name("first-name", &[("case", vec!["pascal"])]),
            "FirstName"
        );
    }
}
