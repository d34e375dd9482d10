use super::validate;

/// The corpus shared with the browser test: `valid<TAB>selector` or `invalid<TAB>selector`.
const CORPUS: &str = include_str!("../../tests/selectors.txt");

#[test]
fn every_corpus_verdict_matches() {
    let mut wrong = Vec::new();
    let mut count = 0;
    for line in CORPUS
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (verdict, selector) = line.split_once('\t').expect("verdict<TAB>selector");
        let expected = match verdict {
            "valid" => true,
            "invalid" => false,
            other => panic!("unknown verdict {other:?}"),
        };
        let got = validate(selector);
        if got.is_ok() != expected {
            wrong.push(format!("{verdict}\t{selector}\t{got:?}"));
        }
        count += 1;
    }
    assert!(count >= 200, "the corpus has only {count} selectors");
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn errors_point_at_the_problem() {
    let cases = [
        (
            "#1a",
            0,
            "`#1a` is not a valid id selector: an id selector cannot start with a digit (escape it: `#\\31 a` for `1a`)",
        ),
        (
            "div >",
            5,
            "expected a selector after `>`, found the end of the selector",
        ),
        (
            "[x=",
            3,
            "expected an attribute value (an identifier or a quoted string), found the end of the selector",
        ),
        ("a:foo", 1, "unknown pseudo-class `:foo`"),
        (
            "::",
            2,
            "expected a pseudo-element name after `::`, found the end of the selector",
        ),
        (
            "ns|a",
            0,
            "undeclared namespace prefix `ns`: `querySelector` has no namespaces, use `*|` or `|`",
        ),
        (
            "a::before b",
            10,
            "a descendant selector cannot follow the pseudo-element `::before`: a pseudo-element must come last",
        ),
        ("", 0, "a selector cannot be empty"),
        ("a,", 2, "expected a selector after `,`"),
    ];
    for (selector, offset, message) in cases {
        let err = validate(selector).expect_err(selector);
        assert_eq!(
            (err.offset(), err.message()),
            (offset, message),
            "{selector}"
        );
    }
}
