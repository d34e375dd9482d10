//! The run-time half of `#[fragment]` and `patch!`: the options the macros checked, and what a
//! handler may return.
//!
//! The macros build a [`Fragment`] in a `static` and, for a templated selector, the
//! [`Selector`] of each request; the handler's return value goes through [`FragmentResponse`]
//! (or [`RemoveResponse`] for `mode = "remove"`), and further items of a returned tuple through
//! [`IntoEvent`]. Encoding and the dialect are left to the response types, as for any other
//! event.

use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use futures_core::Stream;
use maud::Render;
use pin_project_lite::pin_project;

use crate::event::validated::{event_id, selector as selector_of};
use crate::event::{Event, EventId, Mode, Namespace, PatchElements, RemoveElements, Selector};
use crate::response::{Sse, first_then_response};

/// How a [`Fragment`] finds its targets.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Sel {
    /// By the `id` of each top-level element.
    ById,
    /// A selector checked at compile time.
    Static(&'static str),
    /// A template filled for each request.
    Template,
}

/// The options of one `#[fragment]` handler or `patch!` call, checked at compile time.
#[doc(hidden)]
#[derive(Debug)]
pub struct Fragment {
    target: Target,
    view_transition: Option<Option<Selector>>,
    namespace: Namespace,
    id: Option<EventId>,
    retry: Option<Duration>,
    /// The handler's name, for the warnings of debug builds.
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    name: &'static str,
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    warned: AtomicBool,
}

#[derive(Debug)]
enum Target {
    ById { replace: bool },
    Selector(Option<Selector>, Mode),
    Remove(Option<Selector>),
}

const fn id(id: Option<&'static str>) -> Option<EventId> {
    match id {
        Some(id) => Some(event_id(id)),
        None => None,
    }
}

const fn retry(retry: Option<u64>) -> Option<Duration> {
    match retry {
        Some(ms) => Some(Duration::from_millis(ms)),
        None => None,
    }
}

const fn static_selector(selector: Sel) -> Option<Selector> {
    match selector {
        Sel::Static(s) => Some(selector_of(s)),
        Sel::ById | Sel::Template => None,
    }
}

impl Fragment {
    /// Patches elements. Without a selector, `mode` is `Outer` or `Replace` (checked by the macro).
    #[allow(clippy::too_many_arguments)]
    pub const fn patch(
        name: &'static str,
        selector: Sel,
        mode: Mode,
        view_transition: bool,
        view_transition_selector: Option<&'static str>,
        namespace: Namespace,
        id_: Option<&'static str>,
        retry_: Option<u64>,
    ) -> Self {
        let target = match selector {
            Sel::ById => Target::ById {
                replace: matches!(mode, Mode::Replace),
            },
            _ => Target::Selector(static_selector(selector), mode),
        };
        let view_transition = match view_transition_selector {
            Some(scope) => Some(Some(selector_of(scope))),
            None if view_transition => Some(None),
            None => None,
        };
        Fragment {
            target,
            view_transition,
            namespace,
            id: id(id_),
            retry: retry(retry_),
            name,
            warned: AtomicBool::new(false),
        }
    }

    /// Removes the elements matching `selector` (never `Sel::ById`: checked by the macro).
    pub const fn remove(
        name: &'static str,
        selector: Sel,
        view_transition: bool,
        id_: Option<&'static str>,
        retry_: Option<u64>,
    ) -> Self {
        Fragment {
            target: Target::Remove(static_selector(selector)),
            view_transition: if view_transition { Some(None) } else { None },
            namespace: Namespace::Html,
            id: id(id_),
            retry: retry(retry_),
            name,
            warned: AtomicBool::new(false),
        }
    }

    /// The options with this request's selector, when the selector is a template.
    pub fn at(&'static self, selector: Option<Selector>) -> At {
        At {
            fragment: self,
            selector,
        }
    }

    fn event(&self, html: String, templated: Option<&Selector>) -> Event {
        match &self.target {
            Target::Remove(selector) => {
                let selector = selector
                    .as_ref()
                    .or(templated)
                    .expect("a remove fragment has a selector");
                let mut event = RemoveElements::new(selector.clone());
                if self.view_transition.is_some() {
                    event = event.view_transition();
                }
                if let Some(id) = &self.id {
                    event = event.id(id.clone());
                }
                if let Some(retry) = self.retry {
                    event = event.retry(retry);
                }
                event.into()
            }
            Target::ById { replace } => {
                #[cfg(debug_assertions)]
                self.warn_without_ids(&html);
                let event = PatchElements::new(html);
                self.finish(if *replace { event.replace() } else { event })
            }
            Target::Selector(selector, mode) => {
                let selector = selector
                    .as_ref()
                    .or(templated)
                    .expect("a patch fragment with a selector has one");
                self.finish(
                    PatchElements::new(html)
                        .selector(selector.clone())
                        .mode(*mode),
                )
            }
        }
    }

    /// Debug builds only: a by-id patch whose top-level element has no `id` finds no target,
    /// and the client only says so in the browser's console.
    #[cfg(debug_assertions)]
    fn warn_without_ids(&self, html: &str) {
        if let Some(tag) = crate::html_scan::root_without_id(html)
            && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                handler = self.name,
                element = tag,
                "`{}` patches by id, but its top-level `<{tag}>` has no `id`: the browser finds no \
                 element to patch; give it an `id` or a `selector`",
                self.name,
            );
        }
    }

    fn finish<T>(&self, mut event: PatchElements<T>) -> Event {
        match &self.view_transition {
            Some(Some(scope)) => event = event.view_transition_selector(scope.clone()),
            Some(None) => event = event.view_transition(),
            None => {}
        }
        event = event.namespace(self.namespace);
        if let Some(id) = &self.id {
            event = event.id(id.clone());
        }
        if let Some(retry) = self.retry {
            event = event.retry(retry);
        }
        event.into()
    }
}

/// A [`Fragment`] with the selector of one request.
#[doc(hidden)]
#[derive(Debug)]
pub struct At {
    fragment: &'static Fragment,
    selector: Option<Selector>,
}

impl At {
    /// The event for `html` (ignored when removing).
    #[doc(hidden)]
    pub fn event(&self, html: String) -> Event {
        self.fragment.event(html, self.selector.as_ref())
    }
}

/// Shape markers for [`FragmentResponse`]: one fragment, a `Result` of one, a stream, a
/// `Result` of one. The shape is inferred from the type, so handlers never name these.
#[doc(hidden)]
pub enum One {}
#[doc(hidden)]
pub enum TryOne {}
#[doc(hidden)]
pub enum Many {}
#[doc(hidden)]
pub enum TryMany {}

/// What a `#[fragment]` handler may return (its first tuple item, when it returns a tuple).
///
/// Implemented for [`Markup`](maud::Markup) and anything [`Render`], for
/// `Stream + Send + 'static` of those, and for a `Result` of either whose error is
/// [`IntoResponse`]. Handlers never name it; it shows in compile errors.
#[diagnostic::on_unimplemented(
    message = "`#[fragment]` cannot send `{Self}`",
    label = "not HTML, a `Result` of HTML, a stream of HTML, or a tuple that starts with one",
    note = "a `#[fragment]` handler returns `Markup` (or anything `maud::Render`), `impl Stream<Item = Markup>`, or a tuple `(Markup, PatchSignals, …)` whose further items are events sent after the HTML; any of these may be wrapped in `Result<_, E>` where `E: IntoResponse`"
)]
pub trait FragmentResponse<Shape> {
    /// The response: the HTML's event (or a stream of them), then `then`.
    #[doc(hidden)]
    fn respond(self, at: At, then: Vec<Event>) -> Response;
}

#[diagnostic::do_not_recommend]
impl<T: Render> FragmentResponse<One> for T {
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        first_then_response(at.event(self.render().into_string()), then)
    }
}

#[diagnostic::do_not_recommend]
impl<T: Render, E: IntoResponse> FragmentResponse<TryOne> for Result<T, E> {
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        match self {
            Ok(html) => FragmentResponse::<One>::respond(html, at, then),
            Err(e) => e.into_response(),
        }
    }
}

#[diagnostic::do_not_recommend]
impl<S> FragmentResponse<Many> for S
where
    S: Stream + Send + 'static,
    S::Item: Render,
{
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        Sse::new(Fragments::new(self, at, then)).into_response()
    }
}

#[diagnostic::do_not_recommend]
impl<S, E> FragmentResponse<TryMany> for Result<S, E>
where
    S: Stream + Send + 'static,
    S::Item: Render,
    E: IntoResponse,
{
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        match self {
            Ok(stream) => FragmentResponse::<Many>::respond(stream, at, then),
            Err(e) => e.into_response(),
        }
    }
}

/// What a `mode = "remove"` handler may return (its first tuple item, when it returns a
/// tuple): `()`, or `Result<(), E>` whose error is [`IntoResponse`].
#[diagnostic::on_unimplemented(
    message = "a `mode = \"remove\"` handler cannot return `{Self}`",
    label = "expected `()` or `Result<(), E>`",
    note = "removing sends no HTML: the handler returns `()`, `Result<(), E>` where `E: IntoResponse`, or a tuple `((), PatchSignals, …)` whose further items are events sent after the removal"
)]
pub trait RemoveResponse<Shape> {
    /// The response: one remove event, then `then`.
    #[doc(hidden)]
    fn respond(self, at: At, then: Vec<Event>) -> Response;
}

#[diagnostic::do_not_recommend]
impl RemoveResponse<One> for () {
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        first_then_response(at.event(String::new()), then)
    }
}

#[diagnostic::do_not_recommend]
impl<E: IntoResponse> RemoveResponse<TryOne> for Result<(), E> {
    fn respond(self, at: At, then: Vec<Event>) -> Response {
        match self {
            Ok(()) => RemoveResponse::<One>::respond((), at, then),
            Err(e) => e.into_response(),
        }
    }
}

pin_project! {
    /// A stream of HTML as a stream of events, each made the moment the HTML is produced,
    /// then the events that follow it.
    #[doc(hidden)]
    pub struct Fragments<S> {
        #[pin]
        stream: Option<S>,
        at: At,
        then: std::vec::IntoIter<Event>,
    }
}

impl<S> Stream for Fragments<S>
where
    S: Stream,
    S::Item: Render,
{
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        let mut this = self.project();
        if let Some(stream) = this.stream.as_mut().as_pin_mut() {
            match stream.poll_next(cx) {
                Poll::Ready(Some(html)) => {
                    return Poll::Ready(Some(this.at.event(html.render().into_string())));
                }
                Poll::Ready(None) => this.stream.set(None),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(this.then.next())
    }
}

impl<S> Fragments<S> {
    fn new(stream: S, at: At, then: Vec<Event>) -> Self {
        Fragments {
            stream: Some(stream),
            at,
            then: then.into_iter(),
        }
    }
}

/// The HTML of `patch!`: anything maud can [`Render`].
#[diagnostic::on_unimplemented(
    message = "`patch!` cannot send `{Self}`",
    label = "not HTML",
    note = "the last argument of `patch!` is `Markup` (such as `html! {{ … }}`) or anything `maud::Render`"
)]
pub trait PatchHtml {
    /// The HTML text.
    #[doc(hidden)]
    fn into_html(self) -> String;
}

#[diagnostic::do_not_recommend]
impl<T: Render> PatchHtml for T {
    fn into_html(self) -> String {
        self.render().into_string()
    }
}
