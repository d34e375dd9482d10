//! Datastar 1.0 attributes (`data-on:click__debounce.200ms="@get('/x')"`) and the actions their
//! expressions call, by the lists of the 1.0.1 client.
//!
//! The client reads an attribute as `data-PLUGIN[:KEY][__MODIFIER[.ARG]...]`: it splits the name
//! after `data-` on `__` (modifiers, each split on `.` into a name and its arguments), then the
//! first part on its first `:` (plugin and key). It looks the plugin up by its exact name and
//! ignores the attribute when there is none, which is why `data-on-click` (the Beta spelling)
//! does nothing under 1.0, without an error anywhere. [`check`] tells those apart from plain
//! data attributes (`data-id`), which are left alone.

/// Whether an attribute may, must or must not have a key (or a value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// It may have one or not.
    Allowed,
    /// It must have one.
    Must,
    /// It must not have one.
    Denied,
}

/// One Datastar attribute: its plugin name and what it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plugin {
    /// The name after `data-`, before any `:` or `__`.
    pub name: &'static str,
    /// Whether it takes a key (`data-on:click`).
    pub key: Need,
    /// Whether it takes a value.
    pub value: Need,
    /// It takes a key or a value, never both and never neither (`data-bind:x`, `data-bind="x"`).
    pub exclusive: bool,
    /// Its value is a JavaScript expression that the client compiles (so data spliced into it
    /// must be written inert).
    pub expression: bool,
}

const fn plugin(name: &'static str, key: Need, value: Need, expression: bool) -> Plugin {
    Plugin {
        name,
        key,
        value,
        exclusive: false,
        expression,
    }
}

const fn exclusive(name: &'static str) -> Plugin {
    Plugin {
        name,
        key: Need::Allowed,
        value: Need::Allowed,
        exclusive: true,
        expression: false,
    }
}

use crate::did_you_mean;
use Need::{Allowed, Denied, Must};

/// Every attribute of the Datastar 1.0.1 client, with the key and value requirements its
/// plugins declare (`requirement: {key, value}`), plus the attributes it reads without a
/// plugin (`ignore`, `ignore-morph`, `preserve-attr`, `on-signal-patch-filter`).
pub const PLUGINS: &[Plugin] = &[
    plugin("attr", Allowed, Must, true),
    exclusive("bind"),
    plugin("class", Allowed, Must, true),
    plugin("computed", Allowed, Must, true),
    plugin("effect", Denied, Must, true),
    exclusive("indicator"),
    plugin("init", Denied, Must, true),
    plugin("json-signals", Denied, Allowed, true),
    plugin("on", Must, Must, true),
    plugin("on-intersect", Denied, Must, true),
    plugin("on-interval", Denied, Must, true),
    plugin("on-signal-patch", Allowed, Must, true),
    exclusive("ref"),
    plugin("show", Denied, Must, true),
    plugin("signals", Allowed, Allowed, true),
    plugin("style", Allowed, Must, true),
    plugin("text", Denied, Must, true),
    plugin("ignore", Denied, Denied, false),
    plugin("ignore-morph", Denied, Denied, false),
    plugin("preserve-attr", Denied, Must, false),
    plugin("on-signal-patch-filter", Denied, Must, true),
];

/// Attributes of Datastar Pro: not in the free client, accepted as written.
pub const PRO_PLUGINS: &[&str] = &[
    "animate",
    "custom-validity",
    "match-media",
    "on-raf",
    "on-resize",
    "persist",
    "query-string",
    "replace-url",
    "scroll-into-view",
    "view-transition",
];

/// Every action of the 1.0.1 client (`@get(..)`), then those of Datastar Pro.
pub const ACTIONS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "peek",
    "setAll",
    "toggleAll",
    "clipboard",
    "fit",
];

/// Beta attributes renamed in 1.0 rather than respelled with a `:`.
const RENAMED: &[(&str, &str)] = &[("on-load", "init"), ("star-ignore", "ignore")];

/// Plain data attributes a typo away from a plugin name, too common to be one (`data-test` is
/// one edit from `data-text`). `data-id` and `data-row` are two edits from `init` and `ref`,
/// already too far for names that short.
const PLAIN: &[&str] = &["test"];

/// The parts of a Datastar attribute name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The plugin it belongs to.
    pub plugin: &'static Plugin,
    /// The key after `:`, if any (`click` in `data-on:click`).
    pub key: Option<&'a str>,
    /// The modifiers, each with its arguments (`debounce` and `["200ms"]`).
    pub modifiers: Vec<(&'a str, Vec<&'a str>)>,
}

/// What is wrong with an attribute, as rustc would say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// The error, lowercase, with code in backticks.
    pub message: String,
    /// What to write instead.
    pub help: Option<String>,
    /// What kind of mistake it is.
    pub kind: MistakeKind,
}

/// The kinds of [`Mistake`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MistakeKind {
    /// A Beta spelling (`data-on-click`): right for a Beta client, inert under 1.0.
    Beta,
    /// A typo away from a plugin name (`data-shwo`).
    NearMiss,
    /// A key, value or modifier the plugin does not take, or cannot read.
    Malformed,
}

fn mistake(message: String, help: Option<String>) -> Mistake {
    Mistake {
        message,
        help,
        kind: MistakeKind::Malformed,
    }
}

fn beta(message: String, help: String) -> Mistake {
    Mistake {
        kind: MistakeKind::Beta,
        ..mistake(message, Some(help))
    }
}

/// Checks the attribute `name` (all of it, `data-` included) that has a value or not (`None`
/// when it is only known at run time).
///
/// `Ok(None)` is a plain data attribute, which Datastar ignores and this check leaves alone.
pub fn check(name: &str, value: Option<bool>) -> Result<Option<Attribute<'_>>, Mistake> {
    let Some(rest) = name.strip_prefix("data-") else {
        return Ok(None);
    };
    let (head, modifiers) = rest.split_once("__").unwrap_or((rest, ""));
    let (plugin_name, key) = match head.split_once(':') {
        Some((plugin, key)) => (plugin, Some(key)),
        None => (head, None),
    };
    let Some(plugin) = PLUGINS.iter().find(|p| p.name == plugin_name) else {
        return match near_miss(name, plugin_name, key) {
            Some(mistake) => Err(mistake),
            None => Ok(None),
        };
    };
    let modifiers = parse_modifiers(name, modifiers)?;
    check_needs(name, plugin, key, value)?;
    Ok(Some(Attribute {
        plugin,
        key,
        modifiers,
    }))
}

/// The plugin whose attributes start `data-NAME`, if there is one (`on` for `data-on:click`).
pub fn plugin_of(name: &str) -> Option<&'static Plugin> {
    let rest = name.strip_prefix("data-")?;
    let head = rest.split("__").next().unwrap_or(rest);
    let plugin = head.split(':').next().unwrap_or(head);
    PLUGINS.iter().find(|p| p.name == plugin)
}

/// Whether the client compiles the value of the attribute `name` as an expression, so that
/// data written into it must be inert. `beta`: also read Beta spellings (`data-on-click`).
pub fn is_expression(name: &str, beta: bool) -> bool {
    let name = name.to_ascii_lowercase();
    if let Some(plugin) = plugin_of(&name) {
        return plugin.expression;
    }
    // Beta writes keys after a `-`: the longest plugin name the attribute starts with.
    beta && name.strip_prefix("data-").is_some_and(|rest| {
        PLUGINS
            .iter()
            .filter(|p| {
                rest.strip_prefix(p.name)
                    .is_some_and(|tail| tail.is_empty() || tail.starts_with(['-', ':', '_']))
            })
            .max_by_key(|p| p.name.len())
            .is_some_and(|p| p.expression)
    })
}

fn near_miss(name: &str, plugin: &str, key: Option<&str>) -> Option<Mistake> {
    if PRO_PLUGINS.contains(&plugin) || PLAIN.contains(&plugin) {
        return None;
    }
    let lower = plugin.to_ascii_lowercase();
    let rest = name.strip_prefix("data-")?;
    let suffix = &rest[plugin.len()..];
    if let Some((_, new)) = RENAMED.iter().find(|(old, _)| *old == lower) {
        let message = format!("`{name}` is the Datastar Beta spelling");
        return Some(beta(
            message,
            format!("Datastar 1.0 writes `data-{new}{suffix}`"),
        ));
    }
    // `data-on-click`: a plugin that takes a key, then the key after a `-` instead of a `:`.
    if key.is_none() {
        let respelled = PLUGINS
            .iter()
            .filter(|p| p.key != Denied)
            .filter(|p| {
                lower
                    .strip_prefix(p.name)
                    .is_some_and(|k| k.len() > 1 && k.starts_with('-'))
            })
            .max_by_key(|p| p.name.len())
            .map(|p| format!("data-{}:{}{suffix}", p.name, &plugin[p.name.len() + 1..]));
        if let Some(spelling) = respelled {
            let message = format!("`{name}` is the Datastar Beta spelling");
            return Some(beta(message, format!("Datastar 1.0 writes `{spelling}`")));
        }
    }
    let names: Vec<&str> = PLUGINS.iter().map(|p| p.name).collect();
    let close = did_you_mean(&lower, &names)?;
    let message = format!("unknown Datastar attribute `data-{plugin}`");
    Some(Mistake {
        kind: MistakeKind::NearMiss,
        ..mistake(message, Some(format!("did you mean `data-{close}`?")))
    })
}

fn parse_modifiers<'a>(
    name: &str,
    modifiers: &'a str,
) -> Result<Vec<(&'a str, Vec<&'a str>)>, Mistake> {
    if modifiers.is_empty() {
        return if name.ends_with("__") {
            Err(mistake(
                format!("`{name}` ends with `__` and no modifier"),
                None,
            ))
        } else {
            Ok(Vec::new())
        };
    }
    modifiers
        .split("__")
        .map(|modifier| {
            let mut parts = modifier.split('.');
            let tag = parts.next().unwrap_or_default();
            let args: Vec<&str> = parts.collect();
            if modifier.contains(':') {
                let help = "the key comes before the modifiers: `data-on:click__once`";
                return Err(mistake(
                    format!("a modifier of `{name}` holds a `:`"),
                    Some(help.into()),
                ));
            }
            if tag.is_empty() || args.iter().any(|a| a.is_empty()) || !modifier_chars(modifier) {
                let message = format!("malformed modifier `__{modifier}` in `{name}`");
                let help =
                    "a modifier is `__name` with optional `.argument`s, as in `__debounce.200ms`";
                return Err(mistake(message, Some(help.into())));
            }
            Ok((tag, args))
        })
        .collect()
}

fn modifier_chars(modifier: &str) -> bool {
    modifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

fn check_needs(
    name: &str,
    plugin: &Plugin,
    key: Option<&str>,
    value: Option<bool>,
) -> Result<(), Mistake> {
    let data = format!("data-{}", plugin.name);
    match key {
        Some("") => {
            return Err(mistake(
                format!("`{name}` has a `:` and no key after it"),
                None,
            ));
        }
        Some(_) if plugin.key == Denied => {
            let help = format!("write `{data}` without `:{}`", key.unwrap_or_default());
            return Err(mistake(format!("`{data}` takes no key"), Some(help)));
        }
        None if plugin.key == Must => {
            let help = (plugin.name == "on").then(|| "name the event: `data-on:click`".to_owned());
            return Err(mistake(format!("`{data}` needs a key"), help));
        }
        _ => {}
    }
    let Some(value) = value else { return Ok(()) };
    if plugin.exclusive {
        return match (key.is_some(), value) {
            (true, true) => Err(mistake(
                format!("`{data}` takes a key or a value, not both"),
                None,
            )),
            (false, false) => Err(mistake(format!("`{data}` needs a key or a value"), None)),
            _ => Ok(()),
        };
    }
    match (plugin.value, value) {
        (Must, false) => Err(mistake(format!("`{name}` needs a value"), None)),
        (Denied, true) => Err(mistake(format!("`{data}` takes no value"), None)),
        _ => Ok(()),
    }
}

/// The `@action(` calls in an expression whose action is unknown, each with its byte offset and
/// the closest known name (the client rewrites `@name(` anywhere, even inside strings).
pub fn unknown_actions(expression: &str) -> Vec<(usize, &str, Option<&'static str>)> {
    let bytes = expression.as_bytes();
    let mut found = Vec::new();
    for (at, _) in expression.match_indices('@') {
        let start = at + 1;
        let first = bytes.get(start).copied().unwrap_or(b' ');
        if !(first.is_ascii_alphabetic() || first == b'_' || first == b'$') {
            continue;
        }
        let end = start
            + expression[start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(expression.len() - start);
        let name = &expression[start..end];
        if bytes.get(end) == Some(&b'(') && !ACTIONS.contains(&name) {
            found.push((at, name, did_you_mean(name, ACTIONS)));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(name: &str, value: Option<bool>) -> (String, Option<String>) {
        let m = check(name, value).unwrap_err();
        (m.message, m.help)
    }

    #[test]
    fn beta_spellings_get_the_one_point_zero_one() {
        assert_eq!(
            err("data-on-click", Some(true)).1.unwrap(),
            "Datastar 1.0 writes `data-on:click`"
        );
        assert_eq!(
            err("data-on-keydown__debounce.1s", Some(true)).1.unwrap(),
            "Datastar 1.0 writes `data-on:keydown__debounce.1s`"
        );
        assert_eq!(
            err("data-bind-first-name", None).1.unwrap(),
            "Datastar 1.0 writes `data-bind:first-name`"
        );
        assert_eq!(
            err("data-on-load", Some(true)).1.unwrap(),
            "Datastar 1.0 writes `data-init`"
        );
    }

    #[test]
    fn near_misses_are_errors_and_plain_attributes_pass() {
        assert_eq!(
            err("data-shwo", Some(true)).1.unwrap(),
            "did you mean `data-show`?"
        );
        assert_eq!(
            err("data-singals", Some(true)).1.unwrap(),
            "did you mean `data-signals`?"
        );
        for plain in [
            "data-id",
            "data-row",
            "data-test",
            "data-testid",
            "data-user-id",
            "data-x",
            "id",
        ] {
            assert_eq!(check(plain, Some(true)), Ok(None), "{plain}");
        }
        assert_eq!(check("data-persist", None), Ok(None));
    }

    #[test]
    fn keys_values_and_modifiers_follow_the_plugin() {
        let on = check("data-on:input__debounce.200ms.leading", Some(true))
            .unwrap()
            .unwrap();
        assert_eq!(on.key, Some("input"));
        assert_eq!(on.modifiers, [("debounce", vec!["200ms", "leading"])]);
        assert!(check("data-on:click", Some(false)).is_err());
        assert!(check("data-on", Some(true)).is_err());
        assert!(check("data-show:x", Some(true)).is_err());
        assert!(check("data-bind:x", Some(true)).is_err());
        assert!(check("data-bind", Some(false)).is_err());
        assert!(check("data-bind:x", Some(false)).is_ok());
        assert!(check("data-on:click__", Some(true)).is_err());
        assert!(check("data-on:click__debounce.", Some(true)).is_err());
        assert!(check("data-on__debounce:click", Some(true)).is_err());
        assert!(check("data-on:", Some(true)).is_err());
        assert!(check("data-signals:x", None).is_ok());
        assert!(check("data-ignore__self", Some(false)).is_ok());
    }

    #[test]
    fn expression_attributes_in_both_spellings() {
        assert!(is_expression("data-on:click", false));
        assert!(is_expression("data-signals", false));
        assert!(!is_expression("data-bind:x", false));
        assert!(!is_expression("data-on-click", false));
        assert!(is_expression("data-on-click", true));
        assert!(is_expression("data-on-intersect__once", true));
        assert!(!is_expression("data-id", true));
    }

    #[test]
    fn unknown_actions_are_found_even_in_strings() {
        assert_eq!(
            unknown_actions("@get('/a'); @gett('/b')"),
            [(12, "gett", Some("get"))]
        );
        assert_eq!(unknown_actions("'a@b.c' && @setAll(true)"), []);
        assert_eq!(unknown_actions("@sendmail('x')"), [(0, "sendmail", None)]);
    }
}
