//! Typed Datastar events, modelled on Datastar 1.0.
//!
//! Each event is built with a `#[must_use]` builder whose methods name the wire line they write
//! (in the default V1 dialect). Values that could break SSE framing are rejected when they are
//! made, and states the 1.0 client rejects cannot be built at all: a mode other than `outer` or
//! `replace` needs a [`Selector`] first, and removing elements is its own event that needs one.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use serde::Serialize;

use crate::error::{InvalidValue, single_line};
pub use datastar_syntax::{Mode, Namespace};

/// A CSS selector that can be sent to the browser.
///
/// It is checked once, when it is made: it must fit on one SSE line and be a selector that the
/// browser's `document.querySelector` accepts (the same check `#[fragment]` runs at compile
/// time, see [`datastar_syntax::selector::validate`]).
///
/// ```
/// use datastar_runtime::Selector;
///
/// let todo = Selector::new("#todo-list")?;
/// assert_eq!(todo.as_str(), "#todo-list");
/// assert!(Selector::new("").is_err());
/// assert_eq!(
///     Selector::new("#1a").unwrap_err().why(),
///     "`#1a` is not a valid id selector: an id selector cannot start with a digit \
///      (escape it: `#\\31 a` for `1a`) (at byte 0)",
/// );
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Selector(Cow<'static, str>);

impl Selector {
    /// Checks `selector` and keeps it.
    pub fn new(selector: impl Into<Cow<'static, str>>) -> Result<Self, InvalidValue> {
        let selector = selector.into();
        single_line("selector", &selector)?;
        datastar_syntax::selector::validate(&selector)
            .map_err(|e| InvalidValue::new("selector", &selector, e.to_string()))?;
        Ok(Selector(selector))
    }

    /// The selector of the element whose `id` is `id`, whatever `id` holds: `#` followed by
    /// the id escaped as the browser's `CSS.escape` escapes it (the Go SDK's `WithSelectorID`,
    /// made safe). Spaces, quotes, brackets and line breaks stay inside the id and can neither
    /// change the selector nor break the line it is sent on.
    ///
    /// ```
    /// use datastar_runtime::Selector;
    ///
    /// assert_eq!(Selector::id("card-7").as_str(), "#card-7");
    /// assert_eq!(Selector::id(7).as_str(), r"#\37 ");
    /// assert_eq!(Selector::id(r#"x"],*"#).as_str(), r#"#x\"\]\,\*"#);
    /// ```
    pub fn id(id: impl fmt::Display) -> Self {
        use datastar_syntax::selector::template::{Part, fill};
        Selector(Cow::Owned(fill(&[Part::Text("#"), Part::Value(&id)])))
    }

    /// A selector that was already validated at compile time by `datastar-macros`.
    pub(crate) const fn from_validated(selector: &'static str) -> Self {
        Selector(Cow::Borrowed(selector))
    }

    /// A template checked at compile time, filled with escaped values.
    pub(crate) fn from_template(parts: &[datastar_syntax::selector::template::Part<'_>]) -> Self {
        Selector(Cow::Owned(datastar_syntax::selector::template::fill(parts)))
    }

    /// The selector as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<&'static str> for Selector {
    type Error = InvalidValue;
    fn try_from(value: &'static str) -> Result<Self, Self::Error> {
        Selector::new(value)
    }
}

impl TryFrom<String> for Selector {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Selector::new(value)
    }
}

/// An SSE event id (`id:`), which the browser sends back as `Last-Event-ID` when it reconnects.
///
/// ```
/// use datastar_runtime::EventId;
///
/// assert_eq!(EventId::new("42")?.as_str(), "42");
/// assert!(EventId::new("4\r2").is_err());
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EventId(Cow<'static, str>);

impl EventId {
    /// Checks `id` and keeps it. An id must fit on one line and hold no NUL, which browsers
    /// ignore ids for. An empty id writes no `id:` line at all, as in the Go SDK (an empty
    /// `id:` line would reset the browser's last event id instead).
    pub fn new(id: impl Into<Cow<'static, str>>) -> Result<Self, InvalidValue> {
        let id = id.into();
        single_line("event id", &id)?;
        if id.contains('\0') {
            return Err(InvalidValue::new(
                "event id",
                &id,
                "browsers ignore an id that holds NUL",
            ));
        }
        Ok(EventId(id))
    }

    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<u64> for EventId {
    fn from(id: u64) -> Self {
        EventId(Cow::Owned(id.to_string()))
    }
}

/// What every event can carry besides its data: an id and a reconnection delay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub(crate) id: Option<EventId>,
    pub(crate) retry: Option<Duration>,
}

impl Meta {
    /// The event's id, if it has one.
    pub fn id(&self) -> Option<&EventId> {
        self.id.as_ref()
    }

    /// The reconnection delay, if one was set.
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }
}

/// The client's reconnection delay when no `retry:` line was sent.
pub const DEFAULT_RETRY: Duration = Duration::from_millis(1000);

/// Builder methods shared by every event type.
macro_rules! meta_methods {
    () => {
        /// Sets the event id (`id: <id>`), which comes back as `Last-Event-ID` on reconnect.
        pub fn id(mut self, id: impl Into<EventId>) -> Self {
            self.meta.id = Some(id.into());
            self
        }

        /// Sets the client's reconnection delay (`retry: <ms>`, written only when it is not
        /// the default of 1000 ms).
        pub fn retry(mut self, retry: Duration) -> Self {
            self.meta.retry = Some(retry);
            self
        }

        /// The event's id and retry.
        pub fn meta(&self) -> &Meta {
            &self.meta
        }
    };
}

/// Marker: a [`PatchElements`] whose targets are found by the `id` of each top-level element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ById {}

/// Marker: a [`PatchElements`] with a [`Selector`], which allows every [`Mode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BySelector {}

/// Marker: a [`PatchElements`] inside an [`Event`], targeted either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnyTarget {}

/// Patches HTML into the page (`event: datastar-patch-elements`).
///
/// Made with [`PatchElements::new`], it morphs each top-level element into the element of the
/// page with the same `id`. Give it a [`Selector`] to target other elements and to choose any
/// [`Mode`]; modes other than `outer` and `replace` are only available once a selector is set,
/// because the 1.0 client throws without one.
///
/// ```
/// use datastar_runtime::{Mode, PatchElements, Selector};
///
/// let by_id = PatchElements::new(r#"<div id="count">3</div>"#);
/// let feed = PatchElements::new("<li>new</li>")
///     .selector(Selector::new("#feed")?)
///     .mode(Mode::Prepend);
/// # let _ = (by_id, feed);
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
///
/// ```compile_fail
/// use datastar_runtime::{Mode, PatchElements};
/// // `append` needs a selector: there is no `mode` before `selector`.
/// let _ = PatchElements::new("<li>x</li>").mode(Mode::Append);
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq)]
pub struct PatchElements<T = AnyTarget> {
    pub(crate) elements: Cow<'static, str>,
    pub(crate) selector: Option<Selector>,
    pub(crate) mode: Mode,
    pub(crate) view_transition: Option<Option<Selector>>,
    pub(crate) namespace: Namespace,
    pub(crate) settle: Duration,
    pub(crate) meta: Meta,
    pub(crate) target: PhantomData<T>,
}

/// HTML that [`PatchElements::new`] takes: maud's [`Markup`](maud::Markup) (what `html!`
/// makes), or HTML text as a `String`, `&'static str` or `Cow<'static, str>`, sent as written.
///
/// For any other [`Render`](maud::Render) value, call [`PatchElements::render`]. (Plain
/// strings are not `Render` here: maud's `Render` for a `String` escapes it as text, while
/// `PatchElements::new("<li>")` sends the element.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not HTML that `PatchElements::new` can send",
    label = "expected `Markup` or HTML text",
    note = "`PatchElements::new` takes `Markup` (such as `html! {{ … }}`), a `String`, a `&'static str` or a `Cow<'static, str>`; for any other `maud::Render` value, use `PatchElements::render(&value)`"
)]
pub trait IntoElements {
    /// The HTML text.
    fn into_elements(self) -> Cow<'static, str>;
}

impl IntoElements for &'static str {
    fn into_elements(self) -> Cow<'static, str> {
        Cow::Borrowed(self)
    }
}

impl IntoElements for String {
    fn into_elements(self) -> Cow<'static, str> {
        Cow::Owned(self)
    }
}

impl IntoElements for Cow<'static, str> {
    fn into_elements(self) -> Cow<'static, str> {
        self
    }
}

impl IntoElements for maud::PreEscaped<String> {
    fn into_elements(self) -> Cow<'static, str> {
        Cow::Owned(self.0)
    }
}

impl IntoElements for maud::PreEscaped<&'static str> {
    fn into_elements(self) -> Cow<'static, str> {
        Cow::Borrowed(self.0)
    }
}

impl PatchElements<ById> {
    /// Morphs `elements` into the page, each top-level element into the element with its `id`.
    ///
    /// Empty `elements` are left off the wire when another data line says something, and
    /// written as an empty `data: elements ` line otherwise: an SSE event without a data line
    /// is dropped by standard clients.
    ///
    /// ```
    /// use datastar_runtime::{PatchElements, html};
    ///
    /// let count = PatchElements::new(html! { span #count { (3) } });
    /// assert_eq!(count.elements(), r#"<span id="count">3</span>"#);
    /// ```
    pub fn new(elements: impl IntoElements) -> Self {
        Self::from_html(elements.into_elements())
    }

    /// Renders `value` with maud's [`Render`](maud::Render) and patches the HTML it makes.
    ///
    /// ```
    /// use datastar_runtime::PatchElements;
    ///
    /// // `Render` for text escapes it.
    /// assert_eq!(PatchElements::render(&"<b>").elements(), "&lt;b&gt;");
    /// ```
    pub fn render(value: &(impl maud::Render + ?Sized)) -> Self {
        Self::from_html(Cow::Owned(value.render().into_string()))
    }

    fn from_html(elements: Cow<'static, str>) -> Self {
        PatchElements {
            elements,
            selector: None,
            mode: Mode::Outer,
            view_transition: None,
            namespace: Namespace::Html,
            settle: Duration::ZERO,
            meta: Meta::default(),
            target: PhantomData,
        }
    }

    /// Swaps each element with the same `id` without morphing (`data: mode replace`).
    pub fn replace(mut self) -> Self {
        self.mode = Mode::Replace;
        self
    }

    /// Targets the elements matching `selector` (`data: selector <css>`); the mode stays
    /// what it was (`outer` unless [`replace`](Self::replace) was called).
    pub fn selector(self, selector: Selector) -> PatchElements<BySelector> {
        PatchElements {
            elements: self.elements,
            selector: Some(selector),
            mode: self.mode,
            view_transition: self.view_transition,
            namespace: self.namespace,
            settle: self.settle,
            meta: self.meta,
            target: PhantomData,
        }
    }
}

impl PatchElements<BySelector> {
    /// Sets how the elements are put in (`data: mode <mode>`, written unless `outer`).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
}

impl<T> PatchElements<T> {
    /// Runs the patch inside a view transition (`data: useViewTransition true`).
    pub fn view_transition(mut self) -> Self {
        self.view_transition.get_or_insert(None);
        self
    }

    /// Runs the patch inside a view transition scoped to `selector`
    /// (`data: useViewTransition true` and `data: viewTransitionSelector <css>`, Datastar 1.0.2).
    pub fn view_transition_selector(mut self, selector: Selector) -> Self {
        self.view_transition = Some(Some(selector));
        self
    }

    /// Creates the elements in `namespace` (`data: namespace <ns>`, written unless `html`).
    pub fn namespace(mut self, namespace: Namespace) -> Self {
        self.namespace = namespace;
        self
    }

    /// The settle time, written only by the Seed dialect (`data: settle <ms>`); Datastar 1.0
    /// and the Beta clients have no settle phase and never see it.
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// The HTML that is patched in.
    pub fn elements(&self) -> &str {
        &self.elements
    }

    /// The selector the elements are patched at; `None` when they are matched by `id`.
    pub fn target(&self) -> Option<&Selector> {
        self.selector.as_ref()
    }

    /// The mode the elements are patched with.
    pub fn patch_mode(&self) -> Mode {
        self.mode
    }

    meta_methods!();

    /// Forgets at the type level how the targets are found, so that patches of both kinds can
    /// be kept in one variable or collection.
    pub fn erase(self) -> PatchElements {
        PatchElements {
            elements: self.elements,
            selector: self.selector,
            mode: self.mode,
            view_transition: self.view_transition,
            namespace: self.namespace,
            settle: self.settle,
            meta: self.meta,
            target: PhantomData,
        }
    }
}

/// Removes the elements matching a selector (V1: `datastar-patch-elements` with `mode remove`;
/// Beta: `datastar-remove-fragments`; Seed: `datastar-delete` with `selector`).
///
/// ```
/// use datastar_runtime::{RemoveElements, Selector};
///
/// let gone = RemoveElements::new(Selector::new("#toast")?);
/// # let _ = gone;
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveElements {
    pub(crate) selector: Selector,
    pub(crate) view_transition: bool,
    pub(crate) meta: Meta,
}

impl RemoveElements {
    /// Removes every element matching `selector` (`data: selector <css>`).
    pub fn new(selector: Selector) -> Self {
        RemoveElements {
            selector,
            view_transition: false,
            meta: Meta::default(),
        }
    }

    /// Removes the element whose `id` is `id`, escaped as [`Selector::id`] escapes it (the Go
    /// SDK's `RemoveElementByID`).
    ///
    /// ```
    /// use datastar_runtime::RemoveElements;
    ///
    /// assert_eq!(RemoveElements::by_id("todo-3").target().as_str(), "#todo-3");
    /// ```
    pub fn by_id(id: impl fmt::Display) -> Self {
        Self::new(Selector::id(id))
    }

    /// Removes inside a view transition (`data: useViewTransition true`).
    pub fn view_transition(mut self) -> Self {
        self.view_transition = true;
        self
    }

    /// The selector of the elements to remove.
    pub fn target(&self) -> &Selector {
        &self.selector
    }

    meta_methods!();
}

/// Patches the browser's signals (`event: datastar-patch-signals`).
///
/// The signals are JSON Merge Patch (RFC 7386): objects merge recursively and `null` removes a
/// signal. The JSON is checked when the event is made.
///
/// ```
/// use datastar_runtime::PatchSignals;
/// use serde_json::json;
///
/// let patch = PatchSignals::new(&json!({ "count": 3, "draft": null }))?;
/// assert_eq!(patch.json(), r#"{"count":3,"draft":null}"#);
/// assert!(PatchSignals::raw("{ oops").is_err());
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSignals {
    pub(crate) json: Cow<'static, str>,
    pub(crate) only_if_missing: bool,
    pub(crate) meta: Meta,
}

impl PatchSignals {
    /// Serializes `signals` to JSON. It must serialize to a JSON object.
    pub fn new<T: Serialize + ?Sized>(signals: &T) -> Result<Self, InvalidValue> {
        let json = serde_json::to_string(signals)
            .map_err(|e| InvalidValue::new("signals", "", e.to_string()))?;
        if !json.starts_with('{') {
            return Err(InvalidValue::new(
                "signals",
                &json,
                "signals must be a JSON object",
            ));
        }
        Ok(Self::from_json(json.into()))
    }

    /// Uses `json` as written, line breaks and all, once it is checked to be one JSON object.
    pub fn raw(json: impl Into<Cow<'static, str>>) -> Result<Self, InvalidValue> {
        let json = json.into();
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(serde_json::Value::Object(_)) => Ok(Self::from_json(json)),
            Ok(_) => Err(InvalidValue::new(
                "signals",
                &json,
                "signals must be a JSON object",
            )),
            Err(e) => Err(InvalidValue::new("signals", &json, e.to_string())),
        }
    }

    /// Sends `object`, which is a JSON object by its type, so this cannot fail. The
    /// [`signals!`](crate::signals) macro builds one from a `json!`-style literal.
    ///
    /// ```
    /// use datastar_runtime::PatchSignals;
    ///
    /// let mut object = serde_json::Map::new();
    /// object.insert("count".into(), 3.into());
    /// assert_eq!(PatchSignals::object(object).json(), r#"{"count":3}"#);
    /// ```
    pub fn object(object: serde_json::Map<String, serde_json::Value>) -> Self {
        Self::from_json(serde_json::Value::Object(object).to_string().into())
    }

    fn from_json(json: Cow<'static, str>) -> Self {
        PatchSignals {
            json,
            only_if_missing: false,
            meta: Meta::default(),
        }
    }

    /// Only sets signals that do not exist yet (`data: onlyIfMissing true`).
    pub fn only_if_missing(mut self) -> Self {
        self.only_if_missing = true;
        self
    }

    /// The JSON text that is sent.
    pub fn json(&self) -> &str {
        &self.json
    }

    meta_methods!();
}

/// A dot-separated signal path such as `user.name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignalPath(Cow<'static, str>);

impl SignalPath {
    /// Checks `path`: non-empty segments separated by single dots, on one line.
    pub fn new(path: impl Into<Cow<'static, str>>) -> Result<Self, InvalidValue> {
        let path = path.into();
        single_line("signal path", &path)?;
        if path.split('.').any(|segment| segment.trim().is_empty()) {
            return Err(InvalidValue::new(
                "signal path",
                &path,
                "a path is one or more non-empty names separated by `.`",
            ));
        }
        Ok(SignalPath(path))
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Removes signals by path (V1: a `datastar-patch-signals` setting them to `null`;
/// Beta: `datastar-remove-signals`; Seed: `datastar-delete` with `paths`).
///
/// ```
/// use datastar_runtime::{RemoveSignals, SignalPath};
///
/// let remove = RemoveSignals::new([SignalPath::new("user.draft")?]);
/// # let _ = remove;
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq)]
pub struct RemoveSignals {
    pub(crate) paths: Vec<SignalPath>,
    /// The same removal as a JSON merge patch, for V1, which has no remove event.
    pub(crate) patch: String,
    pub(crate) meta: Meta,
}

impl RemoveSignals {
    /// Removes every signal in `paths`.
    ///
    /// No paths remove nothing, and are said as a patch of `{}` in every dialect (in Beta a
    /// `datastar-merge-signals`, since a `datastar-remove-signals` without paths would have
    /// no data line).
    pub fn new(paths: impl IntoIterator<Item = SignalPath>) -> Self {
        let paths: Vec<SignalPath> = paths.into_iter().collect();
        let patch = null_patch(&paths).to_string();
        RemoveSignals {
            paths,
            patch,
            meta: Meta::default(),
        }
    }

    /// The paths to remove.
    pub fn paths(&self) -> &[SignalPath] {
        &self.paths
    }

    /// The JSON merge patch that removes the same signals: `a.b` becomes `{"a":{"b":null}}`.
    pub fn as_merge_patch(&self) -> &str {
        &self.patch
    }

    meta_methods!();
}

/// `{"a":{"b":null}}` for `a.b`; paths that share a prefix share its object, and removing a
/// signal removes everything below it.
fn null_patch(paths: &[SignalPath]) -> serde_json::Value {
    use serde_json::{Map, Value};
    let mut root = Map::new();
    'paths: for path in paths {
        let mut segments = path.as_str().split('.').peekable();
        let mut object = &mut root;
        while let Some(segment) = segments.next() {
            if segments.peek().is_none() {
                object.insert(segment.to_owned(), Value::Null);
                continue 'paths;
            }
            let child = object
                .entry(segment.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            match child {
                Value::Object(child) => object = child,
                // A parent is already removed, and everything below it with it.
                _ => continue 'paths,
            }
        }
    }
    serde_json::Value::Object(root)
}

/// Runs a script in the browser.
///
/// V1 has no event for it: it is sent as `<script>` appended to `body` (with
/// `data-effect="el.remove()"` while auto-remove is on, the default). Beta sends
/// `datastar-execute-script`.
///
/// ```
/// use datastar_runtime::ExecuteScript;
///
/// let log = ExecuteScript::new("console.log('saved')").attribute("type", "module")?;
/// # let _ = log;
/// # Ok::<(), datastar_runtime::InvalidValue>(())
/// ```
#[must_use = "an event does nothing until it is sent"]
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteScript {
    pub(crate) script: Cow<'static, str>,
    pub(crate) auto_remove: bool,
    pub(crate) attributes: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// The backend action the script does, for the Seed dialect, which has an event for some
    /// actions and none for scripts.
    pub(crate) action: Option<crate::actions::SeedAction>,
    pub(crate) meta: Meta,
}

impl ExecuteScript {
    /// Runs `script`.
    pub fn new(script: impl Into<Cow<'static, str>>) -> Self {
        ExecuteScript {
            script: script.into(),
            auto_remove: true,
            attributes: Vec::new(),
            action: None,
            meta: Meta::default(),
        }
    }

    /// Keeps the `<script>` element in the page after it ran (Beta: `data: autoRemove false`).
    pub fn keep(mut self) -> Self {
        self.auto_remove = false;
        self
    }

    /// Adds an attribute to the `<script>` element; attributes keep the order they are added in.
    /// The name must be a valid HTML attribute name and the value must fit on one line.
    pub fn attribute(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Result<Self, InvalidValue> {
        let (name, value) = (name.into(), value.into());
        let bad = |c: char| c.is_whitespace() || c.is_control() || "\"'>/=".contains(c);
        if name.is_empty() || name.contains(bad) {
            return Err(InvalidValue::new(
                "attribute name",
                &name,
                "an attribute name cannot be empty or hold spaces, quotes, `>`, `/` or `=`",
            ));
        }
        single_line("attribute value", &value)?;
        self.attributes.push((name, value));
        Ok(self)
    }

    /// The script's source.
    pub fn script(&self) -> &str {
        &self.script
    }

    /// The attributes of the `<script>` element, in the order they were added.
    pub fn attributes(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attributes
            .iter()
            .map(|(name, value)| (&**name, &**value))
    }

    /// Whether the `<script>` element is removed once it ran.
    pub fn auto_remove(&self) -> bool {
        self.auto_remove
    }

    meta_methods!();
}

/// Any Datastar event, ready to be encoded in any dialect.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// See [`PatchElements`].
    PatchElements(PatchElements),
    /// See [`RemoveElements`].
    RemoveElements(RemoveElements),
    /// See [`PatchSignals`].
    PatchSignals(PatchSignals),
    /// See [`RemoveSignals`].
    RemoveSignals(RemoveSignals),
    /// See [`ExecuteScript`].
    ExecuteScript(ExecuteScript),
}

impl Event {
    /// The event's id and retry.
    pub fn meta(&self) -> &Meta {
        match self {
            Event::PatchElements(e) => &e.meta,
            Event::RemoveElements(e) => &e.meta,
            Event::PatchSignals(e) => &e.meta,
            Event::RemoveSignals(e) => &e.meta,
            Event::ExecuteScript(e) => &e.meta,
        }
    }

    /// The bytes its text holds (HTML, selector, JSON, script): what it costs before any
    /// encoding.
    pub(crate) fn text_bytes(&self) -> usize {
        match self {
            Event::PatchElements(e) => {
                e.elements.len() + e.selector.as_ref().map_or(0, |s| s.as_str().len())
            }
            Event::RemoveElements(e) => e.selector.as_str().len(),
            Event::PatchSignals(e) => e.json.len(),
            Event::RemoveSignals(e) => {
                e.patch.len() + e.paths.iter().map(|p| p.as_str().len()).sum::<usize>()
            }
            Event::ExecuteScript(e) => {
                e.script.len()
                    + e.attributes
                        .iter()
                        .map(|(name, value)| name.len() + value.len())
                        .sum::<usize>()
            }
        }
    }

    pub(crate) fn meta_mut(&mut self) -> &mut Meta {
        match self {
            Event::PatchElements(e) => &mut e.meta,
            Event::RemoveElements(e) => &mut e.meta,
            Event::PatchSignals(e) => &mut e.meta,
            Event::RemoveSignals(e) => &mut e.meta,
            Event::ExecuteScript(e) => &mut e.meta,
        }
    }

    /// Sets the event id (`id: <id>`), whatever the kind of event.
    #[must_use]
    pub fn id(mut self, id: impl Into<EventId>) -> Self {
        self.meta_mut().id = Some(id.into());
        self
    }

    /// Sets the reconnection delay (`retry: <ms>`), whatever the kind of event.
    #[must_use]
    pub fn retry(mut self, retry: Duration) -> Self {
        self.meta_mut().retry = Some(retry);
        self
    }
}

/// Anything that is one Datastar event: each event type, [`Event`] itself and what `patch!`
/// makes. [`Events`](crate::Events), the extra items of a `#[fragment]` tuple, [`Sse`](crate::Sse)
/// streams and [`Hub`](crate::Hub) publishes take any of them as they are, with no `.into()`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Datastar event",
    label = "expected an event",
    note = "events are `PatchElements`, `RemoveElements`, `PatchSignals`, `RemoveSignals`, `ExecuteScript`, `Event`, or what `patch!` and `signals!` make; a builder that returns a `Result` needs `?` first"
)]
pub trait IntoEvent {
    /// The event.
    fn into_event(self) -> Event;
}

#[diagnostic::do_not_recommend]
impl<T: Into<Event>> IntoEvent for T {
    fn into_event(self) -> Event {
        self.into()
    }
}

impl<T> From<PatchElements<T>> for Event {
    fn from(event: PatchElements<T>) -> Self {
        Event::PatchElements(event.erase())
    }
}

macro_rules! into_event {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Event {
            fn from(event: $ty) -> Self {
                Event::$ty(event)
            }
        }
    )*};
}
into_event!(RemoveElements, PatchSignals, RemoveSignals, ExecuteScript);

/// Items for `__private`: the macro has already validated these values.
pub(crate) mod validated {
    use super::*;

    /// A selector checked by `datastar-macros`.
    pub const fn selector(selector: &'static str) -> Selector {
        Selector::from_validated(selector)
    }

    /// An event id checked by `datastar-macros` (one line, no NUL).
    pub const fn event_id(id: &'static str) -> EventId {
        EventId(Cow::Borrowed(id))
    }
}
