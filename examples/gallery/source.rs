//! The source panel: an example's Rust, handlers first, highlighted on the server.
//!
//! [tree-sitter](https://tree-sitter.github.io) parses each example file once, on the first
//! visit to its page: the same syntax tree both orders the file's items (handlers and their
//! markup first, the gallery's own plumbing folded at the end) and drives the highlighting
//! (`tree-sitter-rust`'s own highlight query, the one editors use). The result is plain HTML
//! with classes: no script runs in the browser, and every piece of source text goes through
//! maud, which escapes it.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use maud::{Markup, html};
use tree_sitter::Node;
use tree_sitter_highlight::{HighlightConfiguration, HighlightEvent, Highlighter};

use super::layout::Example;

/// The highlight names this panel styles, as `tree-sitter-rust`'s query spells them; each
/// becomes the class `hl-NAME` (dots turned to dashes).
const NAMES: [&str; 20] = [
    "attribute",
    "comment",
    "comment.documentation",
    "constant",
    "constant.builtin",
    "constructor",
    "escape",
    "function",
    "function.macro",
    "function.method",
    "keyword",
    "label",
    "operator",
    "property",
    "punctuation.bracket",
    "punctuation.delimiter",
    "string",
    "type",
    "type.builtin",
    "variable.parameter",
];

static CLASSES: LazyLock<Vec<String>> = LazyLock::new(|| {
    NAMES
        .iter()
        .map(|name| format!("hl-{}", name.replace('.', "-")))
        .collect()
});

static RUST: LazyLock<HighlightConfiguration> = LazyLock::new(|| {
    let mut config = HighlightConfiguration::new(
        tree_sitter_rust::LANGUAGE.into(),
        "rust",
        tree_sitter_rust::HIGHLIGHTS_QUERY,
        tree_sitter_rust::INJECTIONS_QUERY,
        "",
    )
    .expect("tree-sitter-rust's own highlight query compiles");
    config.configure(&NAMES);
    config
});

/// The rendered panels, by example: each file is parsed once.
static PANELS: LazyLock<Mutex<HashMap<&'static str, Markup>>> = LazyLock::new(Mutex::default);

/// The source panel of `example`.
pub fn panel(example: &Example) -> Markup {
    if let Some(panel) = PANELS.lock().unwrap().get(example.slug) {
        return panel.clone();
    }
    let panel = render(example);
    PANELS.lock().unwrap().insert(example.slug, panel.clone());
    panel
}

/// What part a top-level item plays, in the order the panel shows them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Role {
    /// An `async fn`: a route's handler.
    Handler,
    /// A function that returns `Markup`: the HTML the handlers send.
    Markup,
    /// Types, limits and helpers.
    Model,
    /// The gallery's own wiring: imports, the `EXAMPLE` entry, `routes()`.
    Plumbing,
}

/// A run of whole lines of the file: one item with the comments and attributes above it.
#[derive(Debug)]
pub struct Chunk {
    pub role: Role,
    /// The first and one past the last line, counted from 0.
    pub lines: std::ops::Range<usize>,
}

/// The file's items, each with its role, in file order; and the module's doc (`//!`) text.
pub fn chunks(source: &str) -> (Vec<Chunk>, Vec<String>) {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_rust::LANGUAGE.into())
        .expect("the grammar matches the tree-sitter version");
    let tree = parser
        .parse(source, None)
        .expect("parsing without a timeout always ends");
    let root = tree.root_node();
    let text = |node: Node<'_>| &source[node.byte_range()];
    let mut chunks = Vec::new();
    let mut doc = Vec::new();
    // The first line of the comments and attributes waiting for their item.
    let mut pending: Option<usize> = None;
    let mut fragment_attribute = false;
    let mut cursor = root.walk();
    for node in root.children(&mut cursor) {
        let first_line = node.start_position().row;
        match node.kind() {
            "line_comment" if text(node).starts_with("//!") => {
                doc.push(text(node)[3..].trim().to_owned());
                continue;
            }
            "inner_attribute_item" => continue,
            "line_comment" | "block_comment" | "attribute_item" => {
                fragment_attribute |= node.kind() == "attribute_item"
                    && text(node).trim_start_matches("#[").starts_with("fragment");
                pending.get_or_insert(first_line);
                continue;
            }
            _ => {}
        }
        let name = node
            .child_by_field_name("name")
            .map(text)
            .unwrap_or_default();
        let role = match node.kind() {
            "use_declaration" | "mod_item" | "extern_crate_declaration" => Role::Plumbing,
            "const_item" if name == "EXAMPLE" => Role::Plumbing,
            "function_item" if name == "routes" => Role::Plumbing,
            "function_item" => {
                let head = &source[node.start_byte()
                    ..node
                        .child_by_field_name("body")
                        .map_or(node.end_byte(), |b| b.start_byte())];
                if fragment_attribute || head.starts_with("async") || head.contains(" async fn") {
                    Role::Handler
                } else if node
                    .child_by_field_name("return_type")
                    .is_some_and(|t| text(t).contains("Markup"))
                {
                    Role::Markup
                } else {
                    Role::Model
                }
            }
            _ => Role::Model,
        };
        let start = pending.take().unwrap_or(first_line);
        let end = node.end_position().row + 1;
        chunks.push(Chunk {
            role,
            lines: start..end,
        });
        fragment_attribute = false;
    }
    (chunks, doc)
}

/// Each line of `source` as runs of text, each with its highlight class if it has one.
fn highlighted(source: &str) -> Vec<Vec<(Option<&'static str>, &str)>> {
    let mut lines = vec![Vec::new()];
    let mut highlighter = Highlighter::new();
    let events = highlighter
        .highlight(&RUST, source.as_bytes(), None, |_| None)
        .expect("the Rust highlighter starts");
    let mut stack: Vec<&'static str> = Vec::new();
    for event in events {
        match event {
            Ok(HighlightEvent::HighlightStart(h)) => stack.push(CLASSES[h.0].as_str()),
            Ok(HighlightEvent::HighlightEnd) => {
                stack.pop();
            }
            Ok(HighlightEvent::Source { start, end }) => {
                let class = stack.last().copied();
                let mut pieces = source[start..end].split('\n');
                if let Some(first) = pieces.next() {
                    push(&mut lines, class, first);
                }
                for piece in pieces {
                    lines.push(Vec::new());
                    push(&mut lines, class, piece);
                }
            }
            // Only a cancellation flag or a timeout ends it early, and neither is set.
            Err(_) => break,
        }
    }
    lines
}

fn push<'a>(
    lines: &mut [Vec<(Option<&'static str>, &'a str)>],
    class: Option<&'static str>,
    text: &'a str,
) {
    if !text.is_empty() {
        lines.last_mut().expect("never empty").push((class, text));
    }
}

fn render(example: &Example) -> Markup {
    let source = example.source;
    let lines = highlighted(source);
    let (mut chunks, doc) = chunks(source);
    chunks.sort_by_key(|chunk| chunk.role); // stable: file order within each role
    let block = |chunks: &[&Chunk]| {
        html! {
            pre.code { code {
                @for chunk in chunks {
                    span.chunk {
                        @for n in chunk.lines.clone() {
                            span.line {
                                span.ln aria-hidden="true" { (n + 1) }
                                span.text {
                                    @for (class, text) in lines.get(n).map_or(&[][..], Vec::as_slice) {
                                        @if let Some(class) = class { span class=(class) { (text) } }
                                        @else { (text) }
                                    }
                                    "\n"
                                }
                            }
                        }
                    }
                }
            } }
        }
    };
    let teaching: Vec<&Chunk> = chunks.iter().filter(|c| c.role != Role::Plumbing).collect();
    let plumbing: Vec<&Chunk> = chunks.iter().filter(|c| c.role == Role::Plumbing).collect();
    let file = format!("examples/gallery/{}.rs", example.slug);
    html! {
        section.source aria-label="Source" data-signals:_copied="''" {
            div.source_head {
                h2 { (file) }
                // The whole file, as it is on disk, from the hidden copy below.
                button #copy_source.secondary type="button"
                    data-on:click="navigator.clipboard.writeText(document.getElementById('source_raw').textContent).then(() => $_copied = 'Copied', () => $_copied = 'Copy failed')"
                    data-text="$_copied || 'Copy'" { "Copy" }
            }
            @if !doc.is_empty() {
                div.about { @for paragraph in paragraphs(&doc) { p { (paragraph) } } }
            }
            p.order.muted { "Handlers first, then their markup and the types; the gallery's wiring is folded at the end." }
            (block(&teaching))
            @if !plumbing.is_empty() {
                details.plumbing {
                    summary { "Imports, the route table and the gallery entry (" (plumbing.iter().map(|c| c.lines.len()).sum::<usize>()) " lines)" }
                    (block(&plumbing))
                }
            }
            pre #source_raw hidden { (source) }
        }
    }
}

/// The module doc as paragraphs, with its `code` spans.
fn paragraphs(doc: &[String]) -> Vec<Markup> {
    doc.split(|line| line.is_empty())
        .filter(|lines| !lines.is_empty())
        .map(|lines| {
            let text = strip_links(&lines.join(" "));
            html! {
                @for (i, piece) in text.split('`').enumerate() {
                    @if i % 2 == 1 { code { (piece) } } @else { (piece) }
                }
            }
        })
        .collect()
}

/// `[text](target)` as `text`: the doc's intra-doc links mean nothing on the page.
fn strip_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}
