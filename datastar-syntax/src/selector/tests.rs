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

#[test]
fn unknown_pseudo_names_suggest_the_closest_known_one() {
    for (selector, close) in [
        ("a:hovr", Some(":hover")),
        ("li:frist-child", Some(":first-child")),
        ("p:nth-chlid(2)", Some(":nth-child")),
        ("p::befor", Some("::before")),
        ("p::hightlight(x)", Some("::highlight")),
        ("a:foo", None),
    ] {
        let err = validate(selector).expect_err(selector);
        assert_eq!(err.suggestion(), close, "{selector}");
    }
    assert_eq!(
        validate("a:hovr").unwrap_err().to_string(),
        "unknown pseudo-class `:hovr` (at byte 1); did you mean `:hover`?"
    );
}

#[test]
fn the_end_of_a_block_is_named_by_its_bracket() {
    assert_eq!(
        validate("[]").unwrap_err().message(),
        "expected an attribute name, found `]`"
    );
    assert_eq!(
        validate("p:not(.)").unwrap_err().message(),
        "expected a class name after `.`, found `)`"
    );
}
