//! The pseudo-class and pseudo-element names Chromium accepts in `document.querySelector`,
//! checked one by one against Chromium 156. Names are ASCII case-insensitive; these are lowercase.

/// Pseudo-classes written without arguments.
pub(crate) const PSEUDO_CLASSES: &[&str] = &[
    "active",
    "active-view-transition",
    "any-link",
    "autofill",
    "checked",
    "corner-present",
    "current",
    "decrement",
    "default",
    "defined",
    "disabled",
    "double-button",
    "empty",
    "enabled",
    "end",
    "first-child",
    "first-of-type",
    "focus",
    "focus-visible",
    "focus-within",
    "fullscreen",
    "future",
    "horizontal",
    "host",
    "hover",
    "in-range",
    "increment",
    "indeterminate",
    "interest-source",
    "interest-target",
    "invalid",
    "last-child",
    "last-of-type",
    "link",
    "modal",
    "no-button",
    "only-child",
    "only-of-type",
    "open",
    "optional",
    "out-of-range",
    "past",
    "picture-in-picture",
    "placeholder-shown",
    "popover-open",
    "read-only",
    "read-write",
    "required",
    "root",
    "scope",
    "single-button",
    "start",
    "target",
    "target-current",
    "user-invalid",
    "user-valid",
    "valid",
    "vertical",
    "visited",
    "window-inactive",
    "xr-overlay",
    "-webkit-any-link",
    "-webkit-autofill",
    "-webkit-drag",
    "-webkit-full-screen",
    "-webkit-full-screen-ancestor",
    "-webkit-full-page-media",
];

/// Pseudo-classes that take arguments (`:host` also works without).
pub(crate) const FUNCTIONAL_CLASSES: &[&str] = &[
    "not",
    "is",
    "where",
    "has",
    "nth-child",
    "nth-last-child",
    "nth-of-type",
    "nth-last-of-type",
    "lang",
    "dir",
    "host",
    "host-context",
    "state",
    "-webkit-any",
    "active-view-transition-type",
];

/// Pseudo-elements that may also be written with one colon (CSS 2).
pub(crate) const LEGACY_ELEMENTS: &[&str] = &["before", "after", "first-line", "first-letter"];

/// Pseudo-elements written without arguments. Any name starting with `-webkit-` is accepted too.
pub(crate) const PSEUDO_ELEMENTS: &[&str] = &[
    "after",
    "backdrop",
    "before",
    "checkmark",
    "column",
    "cue",
    "details-content",
    "file-selector-button",
    "first-letter",
    "first-line",
    "grammar-error",
    "marker",
    "permission-icon",
    "picker-icon",
    "placeholder",
    "scroll-marker",
    "scroll-marker-group",
    "search-text",
    "selection",
    "spelling-error",
    "target-text",
    "view-transition",
];

/// Pseudo-elements that take arguments (`::cue` also works without).
pub(crate) const FUNCTIONAL_ELEMENTS: &[&str] = &[
    "cue",
    "highlight",
    "part",
    "picker",
    "scroll-button",
    "slotted",
    "view-transition-group",
    "view-transition-group-children",
    "view-transition-image-pair",
    "view-transition-new",
    "view-transition-old",
];

/// The arguments `::scroll-button()` takes besides `*`.
pub(crate) const SCROLL_BUTTONS: &[&str] = &[
    "up",
    "down",
    "left",
    "right",
    "block-start",
    "block-end",
    "inline-start",
    "inline-end",
];

/// What may follow a pseudo-element in the same compound selector (Chromium's
/// `IsSimpleSelectorValidAfterPseudoElement`). `next` is a pseudo-class or pseudo-element name,
/// `element` says which.
pub(crate) fn allowed_after(pe: &str, next: &str, element: bool) -> bool {
    if element {
        return match pe {
            "before" | "after" => next == "marker",
            "slotted" => matches!(
                next,
                "before"
                    | "after"
                    | "marker"
                    | "placeholder"
                    | "file-selector-button"
                    | "backdrop"
                    | "details-content"
            ),
            "part" => !matches!(next, "part" | "slotted"),
            _ => false,
        };
    }
    if matches!(next, "is" | "where" | "not") {
        // `:is()`/`:where()` drop what is invalid; `:not()` checks its content the same way.
        return true;
    }
    let user_action = matches!(
        next,
        "hover" | "focus" | "focus-visible" | "focus-within" | "active"
    );
    match pe {
        "part" => next != "has",
        "file-selector-button" => user_action,
        "selection" => next == "window-inactive",
        "search-text" => next == "current",
        "view-transition-group"
        | "view-transition-image-pair"
        | "view-transition-old"
        | "view-transition-new" => next == "only-child",
        _ if pe.starts_with("-webkit-scrollbar") || pe == "-webkit-resizer" => matches!(
            next,
            "enabled"
                | "disabled"
                | "hover"
                | "active"
                | "horizontal"
                | "vertical"
                | "decrement"
                | "increment"
                | "start"
                | "end"
                | "double-button"
                | "single-button"
                | "no-button"
                | "corner-present"
                | "window-inactive"
        ),
        _ if pe.starts_with("-webkit-") => user_action,
        _ => false,
    }
}
