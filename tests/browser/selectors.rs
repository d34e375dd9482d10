//! Our CSS selector validator and Chromium's `document.querySelector` must agree on every
//! selector of the corpus `datastar-syntax/tests/selectors.txt` (`valid<TAB>sel` / `invalid<TAB>sel`).

use datastar_syntax::selector::validate;
use serde_json::Value;

use crate::harness::with_browser;

const CORPUS: &str = include_str!("../../datastar-syntax/tests/selectors.txt");

/// Each case: (line number, expected verdict, selector). The selector is everything after the
/// first tab, verbatim: leading and trailing spaces matter.
fn corpus() -> Vec<(usize, bool, &'static str)> {
    CORPUS
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let (verdict, selector) = line.split_once('\t').expect("`verdict<TAB>selector`");
            let valid = match verdict {
                "valid" => true,
                "invalid" => false,
                other => panic!("line {}: unknown verdict `{other}`", i + 1),
            };
            (i + 1, valid, selector)
        })
        .collect()
}

#[tokio::test]
async fn validator_agrees_with_chromium_on_every_corpus_selector() {
    let cases = corpus();
    assert!(
        cases.len() >= 200,
        "the corpus has only {} selectors",
        cases.len()
    );
    with_browser(move |tab| async move {
        tab.goto("about:blank").await?;
        let selectors: Vec<Value> = cases.iter().map(|(_, _, s)| Value::from(*s)).collect();
        // true: accepted; false: threw a SyntaxError; a string: anything else went wrong.
        let script = "return arguments[0].map(s => { \
            try { document.querySelector(s); return true; } \
            catch (e) { return e.name === 'SyntaxError' ? false : String(e); } })";
        let verdicts = tab.0.execute(script, vec![Value::Array(selectors)]).await?;
        let verdicts = verdicts.as_array().ok_or("querySelector verdicts: not an array")?;
        assert_eq!(verdicts.len(), cases.len());

        let mut disagreements = Vec::new();
        for ((line, expected, selector), chromium) in cases.iter().zip(verdicts) {
            let ours = validate(selector);
            if *chromium != Value::Bool(*expected) || ours.is_ok() != *expected {
                disagreements.push(format!(
                    "line {line}: {selector:?}: corpus says {}, Chromium {chromium}, validator {ours:?}",
                    if *expected { "valid" } else { "invalid" },
                ));
            }
        }
        assert!(
            disagreements.is_empty(),
            "{} of {} selectors disagree:\n{}",
            disagreements.len(),
            cases.len(),
            disagreements.join("\n"),
        );
        Ok(())
    })
    .await;
}
