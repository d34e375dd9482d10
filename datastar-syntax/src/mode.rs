//! Patch modes and namespaces, by the names Datastar 1.0 gives them.

use std::fmt;

/// How patched elements are put into the page (Datastar 1.0's `mode`).
///
/// Removing elements is not a mode here but an event of its own (`RemoveElements` in
/// `datastar-runtime`), because it carries no elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Morph the whole target element, keeping focus, selection and element state (the default).
    #[default]
    Outer,
    /// Morph the target's children.
    Inner,
    /// Swap the target for the new elements without morphing.
    Replace,
    /// Insert the new elements as the target's first children.
    Prepend,
    /// Insert the new elements as the target's last children.
    Append,
    /// Insert the new elements before the target.
    Before,
    /// Insert the new elements after the target.
    After,
    /// Copy the new element's attributes onto the target, leaving its children alone: the
    /// pre-1.0 clients' `upsert_attributes` (Seed) and `upsertAttributes` (Beta). Datastar 1.0
    /// has no such mode, so it is not in [`Mode::ALL`] and the V1 dialect refuses it.
    UpsertAttributes,
}

impl Mode {
    /// Every Datastar 1.0 mode, in the order Datastar's documentation lists them.
    pub const ALL: [Mode; 7] = [
        Mode::Outer,
        Mode::Inner,
        Mode::Replace,
        Mode::Prepend,
        Mode::Append,
        Mode::Before,
        Mode::After,
    ];

    /// The name Datastar 1.0 gives the mode, as written in `data: mode <name>`
    /// (`upsert_attributes`, which 1.0 does not have, by its Seed name).
    pub const fn as_str(self) -> &'static str {
        match self {
            Mode::Outer => "outer",
            Mode::Inner => "inner",
            Mode::Replace => "replace",
            Mode::Prepend => "prepend",
            Mode::Append => "append",
            Mode::Before => "before",
            Mode::After => "after",
            Mode::UpsertAttributes => "upsert_attributes",
        }
    }

    /// The mode with this Datastar 1.0 name, if there is one.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|mode| mode.as_str() == name)
    }

    /// Whether the 1.0 client needs a selector for this mode.
    ///
    /// Only `outer` and `replace` can find their targets by the `id` of each top-level element;
    /// since 1.0.0-RC.6 the client throws on any other mode without a selector.
    pub const fn needs_selector(self) -> bool {
        !matches!(self, Mode::Outer | Mode::Replace)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The namespace patched elements are created in (Datastar 1.0.0-RC.7 and later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Namespace {
    /// Ordinary HTML elements (the default).
    #[default]
    Html,
    /// SVG elements, for patching inside an `<svg>`.
    Svg,
    /// MathML elements, for patching inside a `<math>`.
    MathMl,
}

impl Namespace {
    /// Every namespace.
    pub const ALL: [Namespace; 3] = [Namespace::Html, Namespace::Svg, Namespace::MathMl];

    /// The name written in `data: namespace <name>`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Namespace::Html => "html",
            Namespace::Svg => "svg",
            Namespace::MathMl => "mathml",
        }
    }

    /// The namespace with this name, if there is one.
    pub fn from_name(name: &str) -> Option<Namespace> {
        Namespace::ALL.into_iter().find(|ns| ns.as_str() == name)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::from_name(mode.as_str()), Some(mode));
        }
        for ns in Namespace::ALL {
            assert_eq!(Namespace::from_name(ns.as_str()), Some(ns));
        }
        assert_eq!(Mode::from_name("morph"), None);
    }

    #[test]
    fn only_outer_and_replace_work_without_a_selector() {
        let free: Vec<_> = Mode::ALL
            .into_iter()
            .filter(|m| !m.needs_selector())
            .collect();
        assert_eq!(free, [Mode::Outer, Mode::Replace]);
    }
}
