//! Exact bytes of every action in every dialect, and hostile values that stay inside their
//! strings.

use super::*;
use crate::{Dialect, Unsupported, encode};

fn bytes(event: impl Into<Event>, dialect: Dialect) -> Result<String, Unsupported> {
    let mut out = Vec::new();
    encode(&event.into(), dialect, &mut out)?;
    Ok(String::from_utf8(out).unwrap())
}

/// The V1 event that appends `<script{attributes}>{script}</script>` to `body`.
fn v1_script(attributes: &str, script: &str) -> String {
    format!(
        "event: datastar-patch-elements\ndata: selector body\ndata: mode append\n\
         data: elements <script{attributes}>{script}</script>\n\n"
    )
}

const REMOVE: &str = r#" data-effect="el.remove()""#;

/// Quotes of both kinds, a backslash, a line separator, and markup that would end the script.
const HOSTILE: &str = "</script><script>alert(1)</script><!-- \"'\\\u{2028}\u{2029}\n&";
const HOSTILE_JSON: &str = r#""\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e\u003c!-- \"'\\\u2028\u2029\n\u0026""#;

/// The redirect's script for a URL given as a JSON literal.
fn redirect_script(url: &str) -> String {
    format!(
        "setTimeout(() => {{const url = new URL({url}, window.location.href); \
         if (url.protocol === \"http:\" || url.protocol === \"https:\") window.location.href = url.href; \
         else console.error(\"datastar: redirect refused, not an http(s) URL:\", url.protocol)}})"
    )
}

#[test]
fn redirect_sets_the_location_after_the_event() {
    let script = redirect_script(r#""/next""#);
    assert_eq!(
        bytes(Redirect::to("/next"), Dialect::V1).unwrap(),
        v1_script(REMOVE, &script)
    );
    assert_eq!(
        bytes(Redirect::to("/next"), Dialect::Beta).unwrap(),
        format!("event: datastar-execute-script\ndata: script {script}\n\n")
    );
}

#[test]
fn console_log_and_error() {
    assert_eq!(
        bytes(Console::log("hi"), Dialect::V1).unwrap(),
        v1_script(REMOVE, r#"console.log("hi")"#)
    );
    assert_eq!(
        bytes(Console::error("bad"), Dialect::Beta).unwrap(),
        "event: datastar-execute-script\ndata: script console.error(\"bad\")\n\n"
    );
}

#[test]
fn dispatch_event_defaults_to_document_and_every_flag_on() {
    let script = r#"{const event=new CustomEvent("ping",{bubbles:true,cancelable:true,composed:true,detail:null});[document].forEach((element)=>element.dispatchEvent(event));}"#;
    let event = || DispatchEvent::new("ping").unwrap();
    assert_eq!(
        bytes(event(), Dialect::V1).unwrap(),
        v1_script(REMOVE, script)
    );
    assert_eq!(
        bytes(event(), Dialect::Beta).unwrap(),
        format!("event: datastar-execute-script\ndata: script {script}\n\n")
    );
    let off = event().bubbles(false).cancelable(false).composed(false);
    assert!(
        ExecuteScript::from(off)
            .script()
            .contains("{bubbles:false,cancelable:false,composed:false,detail:null}")
    );
    assert_eq!(
        DispatchEvent::new("").unwrap_err().why(),
        "a DOM event needs a name"
    );
}

#[test]
fn replace_url_and_its_query() {
    assert_eq!(
        bytes(ReplaceUrl::new("/a?b=1"), Dialect::V1).unwrap(),
        v1_script(REMOVE, r#"window.history.replaceState({},"","/a?b=1")"#)
    );
    assert_eq!(
        bytes(ReplaceUrl::query([("q", "x&y")]), Dialect::Beta).unwrap(),
        "event: datastar-execute-script\ndata: script {const url=new URL(window.location.href);\
         url.search=\"q=x%26y\";window.history.replaceState({},\"\",url)}\n\n"
    );
    let none: [(&str, &str); 0] = [];
    assert!(
        ExecuteScript::from(ReplaceUrl::query(none))
            .script()
            .contains(r#"url.search="";"#)
    );
}

#[test]
fn prefetch_keeps_its_speculation_rules_in_the_page() {
    let rules = r#"{"prefetch":[{"source":"list","urls":["/a","/b"]}]}"#;
    assert_eq!(
        bytes(Prefetch::new(["/a", "/b"]), Dialect::V1).unwrap(),
        v1_script(r#" type="speculationrules""#, rules)
    );
    assert_eq!(
        bytes(Prefetch::new(["/a", "/b"]), Dialect::Beta).unwrap(),
        format!(
            "event: datastar-execute-script\ndata: autoRemove false\n\
             data: attributes type speculationrules\ndata: script {rules}\n\n"
        )
    );
}

#[test]
fn the_seed_dialect_has_events_for_redirects_and_console_messages_only() {
    let said = |action: Event| String::from_utf8(bytes_of(&action)).unwrap();
    assert_eq!(
        said(Redirect::to("/").into()),
        "event: datastar-redirect\ndata: url /\n\n"
    );
    assert_eq!(
        said(Console::log("x").into()),
        "event: datastar-console\ndata: log x\n\n"
    );
    let actions: [Event; 3] = [
        DispatchEvent::new("x").unwrap().into(),
        ReplaceUrl::new("/").into(),
        Prefetch::new(["/"]).into(),
    ];
    for action in actions {
        let mut out = Vec::new();
        let err = encode(&action, Dialect::Seed, &mut out).unwrap_err();
        assert_eq!((err.what, out.len()), ("execute-script", 0));
    }
}

fn bytes_of(event: &Event) -> Vec<u8> {
    let mut out = Vec::new();
    encode(event, Dialect::Seed, &mut out).unwrap();
    out
}

/// The literal `HOSTILE` becomes, every `script` built with it, in both dialects.
fn hostile_scripts() -> Vec<(&'static str, ExecuteScript)> {
    let detail = serde_json::json!({ "text": HOSTILE });
    vec![
        ("redirect", Redirect::to(HOSTILE).into()),
        ("log", Console::log(HOSTILE).into()),
        ("error", Console::error(HOSTILE).into()),
        (
            "dispatch",
            DispatchEvent::new(HOSTILE)
                .unwrap()
                .detail(&detail)
                .unwrap()
                .into(),
        ),
        ("replace", ReplaceUrl::new(HOSTILE).into()),
        ("query", ReplaceUrl::query([(HOSTILE, HOSTILE)]).into()),
        ("prefetch", Prefetch::new([HOSTILE]).into()),
    ]
}

#[test]
fn hostile_values_cannot_close_the_script_or_break_its_line() {
    for (name, script) in hostile_scripts() {
        // The scripts' own arrow functions are the only `>`.
        let text = script.script().replace("=>", "");
        for bad in ["<", ">", "&", "\n", "\r", "\u{2028}", "\u{2029}"] {
            assert!(!text.contains(bad), "{name}: {bad:?} in {text}");
        }
        let v1 = bytes(script.clone(), Dialect::V1).unwrap();
        assert_eq!(v1.matches("</script").count(), 1, "{name}: {v1}");
        assert_eq!(v1.lines().count(), 5, "{name}: {v1}");
        let beta = bytes(script, Dialect::Beta).unwrap();
        assert!(!beta.contains("</script"), "{name}: {beta}");
    }
    // And the value is still all there, decoded by any JSON (or JavaScript) parser.
    assert_eq!(
        serde_json::from_str::<String>(HOSTILE_JSON).unwrap(),
        HOSTILE
    );
    assert_eq!(
        ExecuteScript::from(Console::log(HOSTILE)).script(),
        format!("console.log({HOSTILE_JSON})")
    );
    assert_eq!(
        ExecuteScript::from(Redirect::to(HOSTILE)).script(),
        redirect_script(HOSTILE_JSON)
    );
}

/// Actions go wherever events go: a sender, a hub, an `Events` tuple.
#[tokio::test]
async fn actions_go_wherever_events_go() {
    let (sender, _stream) = crate::channel(4);
    sender.send(Redirect::to("/")).await.unwrap();
    sender.send(Console::log("x")).await.unwrap();
    let hub: crate::Hub<&'static str> = crate::Hub::new(|_topic: &&str| Vec::<Event>::new());
    assert_eq!(hub.publish(&"feed", Prefetch::new(["/a"])), 0);
    let _ = crate::Events((ReplaceUrl::new("/"), DispatchEvent::new("e").unwrap()));
}
