//! Exact bytes for every line rule, in every dialect.

use std::time::Duration;

use super::*;
use crate::{
    EventId, ExecuteScript, Mode, Namespace, PatchElements, PatchSignals, RemoveElements,
    RemoveSignals, Selector, SignalPath,
};

fn sel(s: &'static str) -> Selector {
    Selector::new(s).unwrap()
}

fn bytes(event: impl Into<Event>, dialect: Dialect) -> String {
    let mut out = Vec::new();
    encode(&event.into(), dialect, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn v1(event: impl Into<Event>) -> String {
    bytes(event, Dialect::V1)
}

fn beta(event: impl Into<Event>) -> String {
    bytes(event, Dialect::Beta)
}

fn seed(event: impl Into<Event>) -> String {
    bytes(event, Dialect::Seed)
}

#[test]
fn defaults_are_omitted() {
    assert_eq!(
        v1(PatchElements::new("<div id=\"a\"></div>")),
        "event: datastar-patch-elements\ndata: elements <div id=\"a\"></div>\n\n"
    );
    assert_eq!(
        beta(PatchElements::new("<div id=\"a\"></div>")),
        "event: datastar-merge-fragments\ndata: fragments <div id=\"a\"></div>\n\n"
    );
    assert_eq!(
        v1(PatchSignals::raw("{}").unwrap()),
        "event: datastar-patch-signals\ndata: signals {}\n\n"
    );
}

#[test]
fn default_retry_is_omitted_and_others_are_written_in_milliseconds() {
    let at = |retry| v1(PatchSignals::raw("{}").unwrap().retry(retry));
    assert!(!at(Duration::from_secs(1)).contains("retry"));
    assert!(at(Duration::from_millis(2500)).contains("\nretry: 2500\n"));
    assert!(at(Duration::ZERO).contains("\nretry: 0\n"));
}

#[test]
fn id_and_retry_come_before_data_in_every_dialect() {
    let event = || {
        PatchElements::new("<p id=\"x\"></p>")
            .id(EventId::new("e1").unwrap())
            .retry(Duration::from_millis(2000))
    };
    let head = "id: e1\nretry: 2000\ndata: ";
    assert!(v1(event()).starts_with(&format!("event: datastar-patch-elements\n{head}")));
    assert!(beta(event()).starts_with(&format!("event: datastar-merge-fragments\n{head}")));
    assert!(seed(event()).starts_with(&format!("event: datastar-fragment\n{head}")));
}

#[test]
fn an_empty_id_writes_no_id_line_in_any_dialect() {
    let event = || PatchElements::new("<p id=\"x\"></p>").id(EventId::new("").unwrap());
    assert_eq!(
        v1(event()),
        "event: datastar-patch-elements\ndata: elements <p id=\"x\"></p>\n\n"
    );
    assert_eq!(
        beta(event()),
        "event: datastar-merge-fragments\ndata: fragments <p id=\"x\"></p>\n\n"
    );
    assert!(!seed(event()).contains("id:"));
}

#[test]
fn every_v1_option_is_written() {
    let event = PatchElements::new("<svg:g/>")
        .selector(sel("#chart"))
        .mode(Mode::Inner)
        .view_transition_selector(sel(".slide"))
        .namespace(Namespace::Svg);
    assert_eq!(
        v1(event),
        "event: datastar-patch-elements\n\
         data: selector #chart\n\
         data: mode inner\n\
         data: useViewTransition true\n\
         data: viewTransitionSelector .slide\n\
         data: namespace svg\n\
         data: elements <svg:g/>\n\n"
    );
}

#[test]
fn replace_by_id_writes_only_the_mode() {
    assert_eq!(
        v1(PatchElements::new("<p id=\"a\"></p>").replace()),
        "event: datastar-patch-elements\ndata: mode replace\ndata: elements <p id=\"a\"></p>\n\n"
    );
}

#[test]
fn multiline_elements_become_one_data_line_each() {
    let html = "<div>\n  <span>a</span>\r\n  <b>b</b>\r</div>";
    let expected = "data: elements <div>\n\
                    data: elements   <span>a</span>\n\
                    data: elements   <b>b</b>\n\
                    data: elements </div>\n\n";
    assert!(v1(PatchElements::new(html)).ends_with(expected));
    assert!(beta(PatchElements::new(html)).ends_with(&expected.replace("elements", "fragments")));
}

#[test]
fn empty_lines_keep_the_space_after_the_key() {
    assert!(v1(PatchElements::new("<p>\n\n</p>\n")).ends_with(
        "data: elements <p>\ndata: elements \ndata: elements </p>\ndata: elements \n\n"
    ));
}

#[test]
fn crlf_is_one_break_and_lone_cr_is_one_break() {
    assert!(v1(PatchElements::new("a\r\nb\rc\n\rd")).ends_with(
        "data: elements a\ndata: elements b\ndata: elements c\ndata: elements \ndata: elements d\n\n"
    ));
}

#[test]
fn empty_elements_write_no_elements_line() {
    let event = PatchElements::new("").selector(sel("#a")).mode(Mode::Inner);
    assert_eq!(
        v1(event),
        "event: datastar-patch-elements\ndata: selector #a\ndata: mode inner\n\n"
    );
}

#[test]
fn remove_elements_is_a_patch_with_mode_remove_in_v1_and_its_own_event_in_beta() {
    let event = || RemoveElements::new(sel("#toast")).view_transition();
    assert_eq!(
        v1(event()),
        "event: datastar-patch-elements\ndata: selector #toast\ndata: mode remove\n\
         data: useViewTransition true\n\n"
    );
    assert_eq!(
        beta(event()),
        "event: datastar-remove-fragments\ndata: selector #toast\ndata: useViewTransition true\n\n"
    );
}

#[test]
fn v1_modes_map_to_beta_merge_modes() {
    let cases = [
        (Mode::Outer, None),
        (Mode::Inner, Some("inner")),
        (Mode::Replace, Some("outer")),
        (Mode::Prepend, Some("prepend")),
        (Mode::Append, Some("append")),
        (Mode::Before, Some("before")),
        (Mode::After, Some("after")),
    ];
    for (mode, beta_name) in cases {
        let out = beta(PatchElements::new("x").selector(sel("#a")).mode(mode));
        match beta_name {
            Some(name) => assert!(
                out.contains(&format!("\ndata: mergeMode {name}\n")),
                "{out}"
            ),
            None => assert!(!out.contains("mergeMode"), "{out}"),
        }
    }
}

#[test]
fn beta_has_no_view_transition_selector_but_keeps_the_transition() {
    let out = beta(PatchElements::new("x").view_transition_selector(sel(".a")));
    assert_eq!(
        out,
        "event: datastar-merge-fragments\ndata: useViewTransition true\ndata: fragments x\n\n"
    );
}

#[test]
fn signals_lines_and_only_if_missing() {
    let event = PatchSignals::raw("{\n\"a\": 1}").unwrap().only_if_missing();
    assert_eq!(
        v1(event.clone()),
        "event: datastar-patch-signals\ndata: onlyIfMissing true\n\
         data: signals {\ndata: signals \"a\": 1}\n\n"
    );
    assert_eq!(
        beta(event),
        "event: datastar-merge-signals\ndata: onlyIfMissing true\n\
         data: signals {\ndata: signals \"a\": 1}\n\n"
    );
}

#[test]
fn an_empty_patch_by_id_still_carries_an_empty_elements_line() {
    assert_eq!(
        v1(PatchElements::new("")),
        "event: datastar-patch-elements\ndata: elements \n\n"
    );
    assert_eq!(
        beta(PatchElements::new("")),
        "event: datastar-merge-fragments\ndata: fragments \n\n"
    );
    // With another line the empty one is left out, as the official SDKs do.
    assert_eq!(
        beta(PatchElements::new("").selector(sel("#a"))),
        "event: datastar-merge-fragments\ndata: selector #a\n\n"
    );
}

#[test]
fn removing_no_signals_merges_nothing() {
    assert_eq!(
        v1(RemoveSignals::new([])),
        "event: datastar-patch-signals\ndata: signals {}\n\n"
    );
    assert_eq!(
        beta(RemoveSignals::new([]).id(EventId::new("7").unwrap())),
        "event: datastar-merge-signals\nid: 7\ndata: signals {}\n\n"
    );
}

#[test]
fn remove_signals_is_a_null_merge_patch_in_v1_and_paths_in_beta() {
    let paths = ["user.name", "b.c", "user.address.city", "d", "d.e"];
    let event = || RemoveSignals::new(paths.map(|p| SignalPath::new(p).unwrap()));
    assert_eq!(
        v1(event()),
        "event: datastar-patch-signals\ndata: signals {\"b\":{\"c\":null},\"d\":null,\
         \"user\":{\"address\":{\"city\":null},\"name\":null}}\n\n"
    );
    assert_eq!(
        beta(event()),
        "event: datastar-remove-signals\ndata: paths user.name\ndata: paths b.c\n\
         data: paths user.address.city\ndata: paths d\ndata: paths d.e\n\n"
    );
}

#[test]
fn remove_signals_escapes_json_in_path_names() {
    let event = RemoveSignals::new([SignalPath::new("we\"ird\\.t\tab").unwrap()]);
    let out = v1(event);
    let json = out
        .strip_prefix("event: datastar-patch-signals\ndata: signals ")
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(json.trim_end()).unwrap();
    assert_eq!(value, serde_json::json!({ "we\"ird\\": { "t\tab": null } }));
}

#[test]
fn v1_execute_script_is_a_script_appended_to_body() {
    assert_eq!(
        v1(ExecuteScript::new("if (a) {\n  go();\n}")),
        "event: datastar-patch-elements\ndata: selector body\ndata: mode append\n\
         data: elements <script data-effect=\"el.remove()\">if (a) {\n\
         data: elements   go();\n\
         data: elements }</script>\n\n"
    );
    let kept = ExecuteScript::new("x()")
        .keep()
        .attribute("type", "module")
        .unwrap()
        .attribute("data-note", "a \"b\" & c")
        .unwrap();
    assert!(v1(kept).ends_with(
        "data: elements <script type=\"module\" data-note=\"a &quot;b&quot; &amp; c\">x()</script>\n\n"
    ));
}

#[test]
fn beta_execute_script_omits_the_default_attributes() {
    let module = ExecuteScript::new("x()")
        .attribute("type", "module")
        .unwrap();
    assert_eq!(
        beta(module),
        "event: datastar-execute-script\ndata: script x()\n\n"
    );
    let custom = ExecuteScript::new("x()")
        .keep()
        .attribute("type", "text/javascript")
        .unwrap()
        .attribute("blocking", "false")
        .unwrap();
    assert_eq!(
        beta(custom),
        "event: datastar-execute-script\ndata: autoRemove false\n\
         data: attributes type text/javascript\ndata: attributes blocking false\n\
         data: script x()\n\n"
    );
}

// The Seed dialect's own events are pinned in `seed/tests.rs`.

#[test]
fn what_a_dialect_cannot_say_is_an_error_and_writes_nothing() {
    let cases: Vec<(Event, Dialect)> = vec![
        (ExecuteScript::new("x").into(), Dialect::Seed),
        (
            RemoveElements::new(sel("#a")).view_transition().into(),
            Dialect::Seed,
        ),
        (
            PatchElements::new("x").namespace(Namespace::Svg).into(),
            Dialect::Beta,
        ),
        (
            PatchElements::new("x").namespace(Namespace::MathMl).into(),
            Dialect::Seed,
        ),
    ];
    for (event, dialect) in cases {
        let mut out = Vec::new();
        let err = encode(&event, dialect, &mut out).unwrap_err();
        assert_eq!(err.dialect, dialect);
        assert!(out.is_empty());
    }
}

#[test]
fn comments_are_one_line_each() {
    let mut out = Vec::new();
    encode_comment("keep-alive\nstill here", &mut out);
    assert_eq!(out, b": keep-alive\n: still here\n\n");
}

#[test]
fn the_encoder_hands_out_one_event_at_a_time() {
    let mut encoder = Encoder::new(Dialect::Beta);
    let event: Event = PatchElements::new("<p id=\"a\">1</p>").into();
    let first = encoder.encode(&event).unwrap();
    let second = encoder.encode(&event).unwrap();
    assert_eq!(first, second);
    assert_eq!(
        &first[..],
        b"event: datastar-merge-fragments\ndata: fragments <p id=\"a\">1</p>\n\n"
    );
    assert_eq!(&encoder.comment("ka")[..], b": ka\n\n");
}

/// What a data field must be, written the plain way: its lines as the SSE client splits them,
/// each behind the prefix.
fn data_field_by_lines(key: &str, text: &str) -> String {
    Lines::new(text)
        .map(|line| format!("data: {key} {line}\n"))
        .collect()
}

fn data_field(key: &str, pieces: &[String]) -> String {
    let mut out = Vec::new();
    let mut field = Data::start(&mut out, key);
    for piece in pieces {
        field.text(piece);
    }
    field.end();
    String::from_utf8(out).unwrap()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

    /// The block-wise copy (`Data::lines`) against the lines split one by one: any text, breaks
    /// anywhere (at block and stage edges too, which the long runs reach), in any pieces, a
    /// `\r` ending one piece and a `\n` starting the next being one break.
    #[test]
    fn a_data_field_is_its_lines_each_behind_the_prefix(
        text in "([a-z<>]{0,40}[\r\n]{0,3}){0,40}|([a-z]{0,5000}\n){0,3}",
        cuts in proptest::collection::vec(0usize..2000, 0..4),
        key in "elements|signals|x|[a-z]{60,70}",
    ) {
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() + 1)).collect();
        cuts.sort_unstable();
        let mut pieces = Vec::new();
        let mut from = 0;
        for cut in cuts.into_iter().chain([text.len()]) {
            pieces.push(text[from..cut].to_owned());
            from = cut;
        }
        proptest::prop_assert_eq!(data_field(&key, &pieces), data_field_by_lines(&key, &text));
    }
}

/// Found by the property test: an empty piece between a `\r` and a `\n` made two breaks.
#[test]
fn a_break_split_around_an_empty_piece_is_one_break() {
    let pieces = ["a\r", "", "\nb"].map(String::from);
    assert_eq!(data_field("x", &pieces), "data: x a\ndata: x b\n");
}

#[test]
fn a_page_of_many_lines_crosses_the_stage_intact() {
    // More than 4 KiB of staged lines, lines of every length around the 16-byte block.
    let text: String = (0..2000)
        .map(|i| format!("{}\n", "x".repeat(i % 37)))
        .collect();
    assert_eq!(
        data_field("elements", std::slice::from_ref(&text)),
        data_field_by_lines("elements", &text)
    );
}
