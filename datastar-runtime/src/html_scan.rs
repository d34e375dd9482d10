//! Debug builds only: just enough HTML reading to find the top-level elements of a fragment and
//! whether each has an `id`, for the warning of a by-id patch that cannot find its target.
//! The HTML is what maud wrote, so it is well formed; anything unexpected ends the scan quietly.

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];
const RAW_TEXT: [&str; 4] = ["script", "style", "textarea", "title"];

/// The name of the first top-level element without an `id` attribute, if any.
pub(crate) fn root_without_id(html: &str) -> Option<&str> {
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            rest = &comment[comment.find("-->")? + 3..];
            continue;
        }
        if rest.starts_with('!') || rest.starts_with('?') {
            rest = &rest[rest.find('>')? + 1..];
            continue;
        }
        if let Some(close) = rest.strip_prefix('/') {
            depth = depth.saturating_sub(1);
            rest = &close[close.find('>')? + 1..];
            continue;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_len];
        let end = tag_end(rest)?;
        let tag = &rest[name_len..end];
        let self_closing = tag.ends_with('/');
        if depth == 0 && !has_id(tag) {
            return Some(name);
        }
        rest = &rest[end + 1..];
        let lower = name.to_ascii_lowercase();
        if RAW_TEXT.contains(&lower.as_str()) {
            let close = format!("</{lower}");
            rest = &rest[rest.to_ascii_lowercase().find(&close)?..];
            continue;
        }
        if !self_closing && !VOID.contains(&lower.as_str()) {
            depth += 1;
        }
    }
    None
}

/// The `>` that ends a start tag, outside quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the attributes of a start tag hold `id`.
fn has_id(attributes: &str) -> bool {
    let mut quote = None;
    let mut word = String::new();
    for c in attributes.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '=' | ' ' | '\t' | '\n' | '/') => {
                if word.eq_ignore_ascii_case("id") {
                    return true;
                }
                word.clear();
            }
            (None, c) => word.push(c),
        }
    }
    word.eq_ignore_ascii_case("id")
}

#[cfg(test)]
mod tests {
    use super::root_without_id;

    #[test]
    fn finds_roots_without_ids() {
        assert_eq!(root_without_id(r#"<div id="a"><p>x</p></div>"#), None);
        assert_eq!(root_without_id(r#"<div id="a"></div><p>x</p>"#), Some("p"));
        assert_eq!(root_without_id(r#"<li data-id="3">x</li>"#), Some("li"));
        assert_eq!(
            root_without_id(r#"<input id="x"><br><span id=y>a</span>"#),
            Some("br")
        );
        assert_eq!(
            root_without_id(r#"<div id="a" title="<p>"><script>"<b>"</script></div>"#),
            None
        );
        assert_eq!(root_without_id("<!-- c --><div id=a></div>text"), None);
    }
}
