//! The attribute checker of the prelude's `html!` (`datastar_syntax::attribute::check`) and the
//! Datastar 1.0.1 client must agree: every attribute of the corpus that the checker accepts
//! takes effect in Chromium, and every one it rejects for its spelling does nothing there.

use axum::Router;
use axum::routing::get;
use datastar_syntax::attribute::{MistakeKind, check};
use maud::PreEscaped;

use crate::harness::{Datastar, Result, TIMEOUT, Tab, js_str, page, serve, with_browser};

/// One attribute, the element that carries it (id `c<N>`, assigned in order), what the test
/// does to it, and a JavaScript probe on `el` that is true once the attribute has had its effect.
struct Case {
    name: &'static str,
    value: Option<&'static str>,
    /// Other attributes the element needs (a seed signal, say), written as they are, before it.
    with: &'static str,
    /// The same, after it.
    after: &'static str,
    tag: &'static str,
    text: &'static str,
    click: bool,
    probe: &'static str,
}

const fn case(name: &'static str, value: Option<&'static str>, probe: &'static str) -> Case {
    Case {
        name,
        value,
        with: "",
        after: "",
        tag: "span",
        text: "before",
        click: false,
        probe,
    }
}

/// Attributes the checker accepts: each must take effect.
fn accepted() -> Vec<Case> {
    vec![
        case("data-text", Some("'hello'"), "el.textContent === 'hello'"),
        case("data-show", Some("false"), "el.style.display === 'none'"),
        Case {
            click: true,
            ..case(
                "data-on:click",
                Some("el.textContent = 'clicked'"),
                "el.textContent === 'clicked'",
            )
        },
        Case {
            click: true,
            ..case(
                "data-on:click__once",
                Some("el.textContent = (el.textContent === 'before' ? 1 : +el.textContent + 1)"),
                "el.textContent === '1'",
            )
        },
        Case {
            with: r#"data-signals:n="5""#,
            ..case("data-text", Some("$n * 2"), "el.textContent === '10'")
        },
        Case {
            with: r#"data-signals="{deep: {a: 'nested'}}""#,
            ..case("data-text", Some("$deep.a"), "el.textContent === 'nested'")
        },
        case(
            "data-attr:title",
            Some("'tip'"),
            "el.getAttribute('title') === 'tip'",
        ),
        case(
            "data-class:active",
            Some("true"),
            "el.classList.contains('active')",
        ),
        case(
            "data-style:color",
            Some("'red'"),
            "el.style.color === 'red'",
        ),
        Case {
            with: r#"data-signals:base="4""#,
            after: r#"data-text="$twice""#,
            ..case(
                "data-computed:twice",
                Some("$base * 2"),
                "el.textContent === '8'",
            )
        },
        Case {
            with: r#"data-signals:who="'Ada'""#,
            tag: "input",
            ..case("data-bind:who", None, "el.value === 'Ada'")
        },
        Case {
            with: r#"data-signals:first-name="'Grace'""#,
            tag: "input",
            ..case("data-bind", Some("firstName"), "el.value === 'Grace'")
        },
        case(
            "data-effect",
            Some("el.textContent = 'effect'"),
            "el.textContent === 'effect'",
        ),
        case(
            "data-init",
            Some("el.textContent = 'init'"),
            "el.textContent === 'init'",
        ),
        Case {
            with: r#"data-text="$here.tagName""#,
            ..case("data-ref:here", None, "el.textContent === 'SPAN'")
        },
        Case {
            with: r#"data-text="$spinning""#,
            ..case(
                "data-indicator:spinning",
                None,
                "el.textContent === 'false'",
            )
        },
        case(
            "data-on-interval__duration.50ms",
            Some("el.textContent = 'tick'"),
            "el.textContent === 'tick'",
        ),
        case(
            "data-on-intersect",
            Some("el.textContent = 'seen'"),
            "el.textContent === 'seen'",
        ),
        Case {
            with: r#"data-signals:shown="'json'""#,
            tag: "pre",
            ..case(
                "data-json-signals",
                None,
                "el.textContent.includes('\"shown\"')",
            )
        },
    ]
}

/// Attributes the checker rejects for their spelling: each must do nothing.
fn rejected() -> Vec<Case> {
    vec![
        Case {
            click: true,
            ..case(
                "data-on-click",
                Some("el.textContent = 'clicked'"),
                "el.textContent === 'clicked'",
            )
        },
        case(
            "data-on-load",
            Some("el.textContent = 'loaded'"),
            "el.textContent === 'loaded'",
        ),
        case("data-shwo", Some("false"), "el.style.display === 'none'"),
        case("data-txt", Some("'hello'"), "el.textContent === 'hello'"),
        case(
            "data-class-active",
            Some("true"),
            "el.classList.contains('active')",
        ),
        case("data-atr:title", Some("'tip'"), "el.hasAttribute('title')"),
        Case {
            with: r#"data-signals:who2="'Ada'""#,
            tag: "input",
            ..case("data-bind-who2", None, "el.value === 'Ada'")
        },
        case(
            "data-efect",
            Some("el.textContent = 'effect'"),
            "el.textContent === 'effect'",
        ),
        case(
            "data-inti",
            Some("el.textContent = 'init'"),
            "el.textContent === 'init'",
        ),
    ]
}

fn element(n: usize, c: &Case) -> String {
    let attribute = match c.value {
        Some(v) => format!(r#"{}="{}""#, c.name, v.replace('"', "&quot;")),
        None => c.name.to_owned(),
    };
    match c.tag {
        "input" => format!(r#"<input id="c{n}" {} {attribute} {}>"#, c.with, c.after),
        tag => format!(
            r#"<{tag} id="c{n}" {} {attribute} {}>{}</{tag}>"#,
            c.with, c.after, c.text
        ),
    }
}

fn probe(n: usize, c: &Case) -> String {
    format!(
        "(el => {})(document.getElementById({}))",
        c.probe,
        js_str(&format!("c{n}"))
    )
}

#[tokio::test]
async fn accepted_attributes_take_effect_and_misspelt_ones_do_nothing() {
    let accepted = accepted();
    let rejected = rejected();
    for c in &accepted {
        let value = c.value.map(|v| !v.is_empty());
        assert!(
            matches!(check(c.name, value), Ok(Some(_))),
            "the checker rejects `{}`: {:?}",
            c.name,
            check(c.name, value)
        );
    }
    for c in &rejected {
        let value = c.value.map(|v| !v.is_empty());
        assert!(
            matches!(check(c.name, value), Err(m) if m.kind != MistakeKind::Malformed),
            "the checker does not reject `{}` for its spelling: {:?}",
            c.name,
            check(c.name, value)
        );
    }
    let all: Vec<(bool, Case)> = accepted
        .into_iter()
        .map(|c| (true, c))
        .chain(rejected.into_iter().map(|c| (false, c)))
        .collect();
    let body: String = all
        .iter()
        .enumerate()
        .map(|(n, (_, c))| element(n, c))
        .collect();
    let html = page("attributes", maud::html! { (PreEscaped(body)) }).into_string();
    let app = Router::new().route("/", get(move || async move { maud::PreEscaped(html) }));
    let url = serve(app, Datastar::V101).await;

    with_browser(move |tab| async move {
        tab.goto(&url).await?;
        // The client has started once the first case has taken effect.
        tab.wait_eq(&probe(0, &all[0].1), true, "the client started")
            .await?;
        for (n, (_, c)) in all.iter().enumerate() {
            if c.click {
                click_twice(&tab, n).await?;
            }
        }
        let mut wrong = Vec::new();
        for (n, (accepted, c)) in all.iter().enumerate() {
            if *accepted {
                let took = tab
                    .wait_for(&probe(n, c), |v| *v == true, TIMEOUT, c.name)
                    .await;
                if took.is_err() {
                    wrong.push(format!("`{}` is accepted but did nothing", c.name));
                }
            }
        }
        // Every accepted case has had its effect (and intervals have ticked): the rejected ones
        // have had as long.
        for (n, (accepted, c)) in all.iter().enumerate() {
            if !*accepted && tab.eval(&probe(n, c)).await? == true {
                wrong.push(format!("`{}` is rejected but took effect", c.name));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        Ok(())
    })
    .await;
}

async fn click_twice(tab: &Tab, n: usize) -> Result {
    let selector = format!("#c{n}");
    tab.click(&selector).await?;
    tab.click(&selector).await
}
