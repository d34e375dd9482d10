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

/// Values that try to break out of a templated selector. Each one, put in by `Selector::id`
/// and by a `#[fragment]`-style template, must match exactly the element whose id (or
/// attribute) is the raw value, among decoys that a broken escape would match.
const HOSTILE: [&str; 16] = [
    "a b", "x\"],*", "7", "-", "-7", "--", "a\nb", "\r\n", "😀", "\\", "#x", ".x", "x,#y",
    "a:hover", "')", "",
];

#[tokio::test]
async fn escaped_values_match_exactly_their_own_element_in_chromium() {
    use datastar_syntax::selector::template::{Part, fill};
    with_browser(move |tab| async move {
        tab.goto("about:blank").await?;
        let mut cases = Vec::new();
        for raw in HOSTILE {
            // The element a selector must find: by id, by a templated id, by an attribute.
            let by_id = datastar_runtime::Selector::id(raw).as_str().to_owned();
            let templated = fill(&[Part::Text("#card-"), Part::Value(&raw), Part::Text(".c")]);
            let attribute = fill(&[Part::Text("[data-x=\""), Part::Value(&raw), Part::Text("\"]")]);
            cases.push(serde_json::json!({
                "raw": raw, "byId": by_id, "templated": templated, "attribute": attribute,
            }));
        }
        // Every raw value gets its elements, and the decoys (`x`, `y`, `a`, `b`, …) exist too.
        let script = r#"
            const cases = arguments[0];
            const make = (f) => { const el = document.createElement('div'); f(el); document.body.append(el); return el; };
            for (const id of ['x', 'y', 'a', 'b', 'card-x', 'card-a', 'card-', 'card-7', '-7']) {
                make(el => { el.id = id; el.className = 'c'; el.setAttribute('data-x', id); });
            }
            return cases.map(c => {
                const id = make(el => { el.id = c.raw; });
                const card = make(el => { el.id = 'card-' + c.raw; el.className = 'c'; });
                const attr = make(el => { el.setAttribute('data-x', c.raw); });
                // It finds `want`, and nothing but elements equal to it in what the selector names.
                const only = (sel, want, same) => {
                    try {
                        const found = [...document.querySelectorAll(sel)];
                        const ok = found.includes(want) && found.every(e => same(e));
                        return ok ? 'ok' : `matched ${found.length}: ${found.map(e => JSON.stringify(e.outerHTML)).join(' ')}`;
                    } catch (e) { return String(e); }
                };
                const out = {
                    // No selector can name an empty id: `Selector::id("")` must match nothing.
                    byId: c.raw === ''
                        ? (document.querySelectorAll(c.byId).length === 0 ? 'ok' : 'matched an element')
                        : only(c.byId, id, e => e.id === c.raw),
                    templated: only(c.templated, card, e => e.id === 'card-' + c.raw && e.classList.contains('c')),
                    attribute: only(c.attribute, attr, e => e.getAttribute('data-x') === c.raw),
                };
                id.remove(); card.remove(); attr.remove();
                return out;
            });
        "#;
        let verdicts = tab.0.execute(script, vec![serde_json::Value::Array(cases.clone())]).await?;
        let verdicts = verdicts.as_array().ok_or("not an array")?;
        let mut wrong = Vec::new();
        for (case, verdict) in cases.iter().zip(verdicts) {
            for key in ["byId", "templated", "attribute"] {
                if verdict[key] != "ok" {
                    wrong.push(format!("{:?} as {key} {}: {}", case["raw"], case[key], verdict[key]));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        Ok(())
    })
    .await;
}
