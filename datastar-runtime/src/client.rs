//! The Datastar client a page loads.

use maud::{Markup, html};

/// The official Datastar 1.0 client bundle on its CDN (1.0.2, the version this crate's
/// gallery is served with; the event format is the same across 1.0.x).
pub const CLIENT_URL: &str =
    "https://cdn.jsdelivr.net/gh/starfederation/datastar@1.0.2/bundles/datastar.js";

/// The `<script type="module">` tag that loads the client from [`CLIENT_URL`], for a page's
/// `<head>`.
///
/// ```
/// use datastar_runtime::{client_script, html};
///
/// let page = html! { head { (client_script()) } };
/// assert_eq!(
///     page.into_string(),
///     r#"<head><script type="module" src="https://cdn.jsdelivr.net/gh/starfederation/datastar@1.0.2/bundles/datastar.js"></script></head>"#,
/// );
/// ```
pub fn client_script() -> Markup {
    client_script_at(CLIENT_URL)
}

/// The same tag for a client served from `src`, such as a copy your app serves itself
/// (`/datastar.js`) so that pages work offline.
pub fn client_script_at(src: &str) -> Markup {
    html! { script type="module" src=(src) {} }
}
