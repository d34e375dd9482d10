//! TodoMVC: the classic app, with the state on the server.
//!
//! Every action sends the signals (`$input`, `$title`, `$filter`) and gets the whole app back;
//! morphing patches only what changed, so focus, the caret and typed text survive. Double-click
//! a todo to edit it (the field takes the focus): Enter or leaving the field saves, Escape
//! cancels, an empty title deletes.
//!
//! The list, the filter and the todo being edited are the visitor's, as in the official
//! example: each tab keeps a stream open (`GET /updates`, a [`Hub`] topic per visitor), and
//! every change is published to it, so a second tab shows it at once.
//!
//! Each visitor has their own list (a session cookie), of at most 100 todos of at most 200
//! characters; anything longer or more is refused with a message under the input.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};
use super::visitor::{VisitorId, Visitors};

pub const EXAMPLE: Example = Example {
    slug: "todomvc",
    title: "TodoMVC",
    blurb: "The classic todo app: add, edit, toggle, filter and clear, rendered on the server.",
    source: include_str!("todomvc.rs"),
};

const BASE: &str = "/examples/todomvc";

/// The longest title, in characters.
const MAX_TITLE: usize = 200;
/// The most todos one visitor keeps.
const MAX_TODOS: usize = 100;

const STYLE: &str = "
#todomvc ul { list-style: none; padding: 0; margin: .8rem 0; }
#todomvc li { display: flex; gap: .6rem; align-items: center; padding: .35rem 0;
              border-bottom: 1px solid var(--line); }
#todomvc li label { flex: 1; margin: 0; color: var(--ink); cursor: text; }
#todomvc li.done label { text-decoration: line-through; color: var(--muted); }
#todomvc .row label { display: inline; margin: 0; }
#todomvc footer { justify-content: space-between; flex-wrap: wrap; }
#todomvc .destroy { padding: 0 .5rem; }
";

#[derive(Clone)]
struct Todo {
    id: u32,
    title: String,
    done: bool,
}

#[derive(Default)]
struct Todos {
    items: Vec<Todo>,
    next_id: u32,
    /// `all`, `active` or `completed`.
    filter: &'static str,
    /// The todo being edited, if any.
    editing: Option<u32>,
}

type Store = Arc<Mutex<Todos>>;

/// The signals every request carries.
#[derive(Deserialize, Signals, Default)]
#[serde(default)]
struct AppSignals {
    /// The new todo being typed.
    input: String,
    /// The title of the todo being edited.
    title: String,
    /// `all`, `active` or `completed`.
    filter: String,
    /// Why the last change was refused, shown under the input; only the server sets it.
    #[allow(dead_code)]
    error: String,
}

/// A new visitor's list.
fn first_todos() -> Todos {
    let mut todos = Todos {
        filter: "all",
        ..Todos::default()
    };
    for title in ["Taste Datastar", "Write a Rust handler"] {
        todos.add(title);
    }
    todos
}

/// Every visitor's list, and the hub that tells each visitor's tabs about a change.
#[derive(Clone)]
struct Todomvc {
    visitors: Visitors<Todos>,
    hub: Hub<VisitorId>,
}

impl FromRef<Todomvc> for Visitors<Todos> {
    fn from_ref(state: &Todomvc) -> Self {
        state.visitors.clone()
    }
}

pub fn routes(layout: Layout) -> Router {
    let visitors = Visitors::new(first_todos);
    // A tab that fell behind gets the app as it is now.
    let hub = Hub::new({
        let visitors = visitors.clone();
        move |id: &VisitorId| [patch!(app(&visitors.of(*id).lock().unwrap()))]
    });
    Router::new()
        .route(
            "/",
            get(move |session: Session| async move {
                let todos = session.store.lock().unwrap();
                let signals =
                    serde_json::json!({"input": "", "title": "", "filter": todos.filter, "error": ""});
                layout.example(
                    &EXAMPLE,
                    // The stream belongs to an element no patch replaces: it lives as long as the tab.
                    html! { div data-signals=(js(&signals)) data-init={"@get(" (js(&format!("{BASE}/updates"))) ")"} { (app(&todos)) } },
                )
            }),
        )
        .route("/updates", get(updates))
        .route("/app", get(show))
        .route("/add", post(add))
        .route("/toggle_all", post(toggle_all))
        .route("/completed", delete(clear_completed))
        .route("/{id}/toggle", post(toggle))
        .route("/{id}/edit", get(edit))
        .route("/{id}", put(rename).delete(remove))
        .with_state(Todomvc { visitors, hub })
}

/// The visitor's list, and the way to their other tabs.
struct Session {
    store: Store,
    visitor: Option<VisitorId>,
    hub: Hub<VisitorId>,
}

impl FromRequestParts<Todomvc> for Session {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Todomvc,
    ) -> Result<Self, Self::Rejection> {
        let visitor = parts.extensions.get::<VisitorId>().copied();
        Ok(Session {
            // Outside the gallery's sessions every request is a new visitor, whose list is not kept.
            store: visitor.map_or_else(
                || Arc::new(Mutex::new(first_todos())),
                |id| state.visitors.of(id),
            ),
            visitor,
            hub: state.hub.clone(),
        })
    }
}

impl Session {
    /// The app as it is now: sent to every open tab of the visitor, and returned to this one.
    fn changed(&self) -> Markup {
        let app = app(&self.store.lock().unwrap());
        if let Some(visitor) = &self.visitor {
            self.hub.publish(visitor, patch!(app.clone()));
        }
        app
    }
}

/// `GET /updates`: the app now, then each time it changes in any of the visitor's tabs.
async fn updates(session: Session) -> Subscription<VisitorId> {
    let visitor = session.visitor.unwrap_or_else(VisitorId::random);
    // Subscribe before the snapshot, so that no change falls between the two.
    let subscription = session.hub.subscribe(visitor);
    let now = app(&session.store.lock().unwrap());
    subscription.first([patch!(now)])
}

/// Why `title` cannot be saved, if it cannot.
fn too_long(title: &str) -> Option<String> {
    let length = title.chars().count();
    (length > MAX_TITLE)
        .then(|| format!("A todo is at most {MAX_TITLE} characters; this one has {length}."))
}

impl Todos {
    fn add(&mut self, title: &str) {
        self.next_id += 1;
        self.items.push(Todo {
            id: self.next_id,
            title: title.to_owned(),
            done: false,
        });
    }

    fn find(&mut self, id: u32) -> Option<&mut Todo> {
        self.items.iter_mut().find(|todo| todo.id == id)
    }
}

/// The whole app, filtered, with the todo being edited (if any) as an input.
fn app(todos: &Todos) -> Markup {
    let (filter, editing) = (todos.filter, todos.editing);
    let left = todos.items.iter().filter(|t| !t.done).count();
    let shown = todos.items.iter().filter(|t| match filter {
        "active" => !t.done,
        "completed" => t.done,
        _ => true,
    });
    html! {
        // Every signal this markup reads is a field of `AppSignals`, or the build fails.
        #![signals = AppSignals]
        section #todomvc {
            style { (STYLE) }
            header {
                input #new_todo placeholder="What needs to be done?" autofocus data-bind:input
                    maxlength=(MAX_TITLE)
                    data-on:keydown={"evt.key === 'Enter' && @post(" (js(&format!("{BASE}/add"))) ")"};
                p #todo_error.error data-show="$error" data-text="$error" {}
            }
            @if !todos.items.is_empty() {
                div.row {
                    input #toggle_all type="checkbox" checked[left == 0]
                        data-on:change={"@post(" (js(&format!("{BASE}/toggle_all"))) ")"};
                    label for="toggle_all" { "Mark all as complete" }
                }
            }
            ul #todo_list {
                @for todo in shown { (item(todo, editing == Some(todo.id))) }
            }
            @if !todos.items.is_empty() {
                footer.row {
                    span #todo_count { strong { (left) } (if left == 1 { " item left" } else { " items left" }) }
                    span.filters {
                        @for name in ["all", "active", "completed"] {
                            button.filter.secondary[name != filter] id={"filter_" (name)}
                                data-on:click={"$filter = " (js(name)) "; @get(" (js(&format!("{BASE}/app"))) ")"} { (name) }
                            " "
                        }
                    }
                    @if todos.items.iter().any(|t| t.done) {
                        button #clear_completed.secondary data-on:click={"@delete(" (js(&format!("{BASE}/completed"))) ")"} {
                            "Clear completed"
                        }
                    }
                }
            }
        }
    }
}

fn item(todo: &Todo, editing: bool) -> Markup {
    let url = format!("{BASE}/{}", todo.id);
    html! {
        #![signals = AppSignals]
        li id={"todo_" (todo.id)} .done[todo.done] {
            @if editing {
                // `js` keeps the title inert: plain JSON would let a title run script (see its docs).
                // Focused as it appears; leaving it saves (Enter leaves it), unless Escape cancelled.
                input.edit data-signals:title=(js(&todo.title)) data-bind:title
                    maxlength=(MAX_TITLE)
                    data-init="$_cancel = false; el.focus()"
                    data-on:keydown={"evt.key === 'Enter' && el.blur(); evt.key === 'Escape' && ($_cancel = true, @get(" (js(&format!("{BASE}/app"))) "))"}
                    data-on:blur={"$_cancel || @put(" (js(&url)) ")"};
            } @else {
                input.toggle type="checkbox" checked[todo.done] data-on:change={"@post(" (js(&format!("{url}/toggle"))) ")"};
                label.title data-on:dblclick={"@get(" (js(&format!("{url}/edit"))) ")"} { (todo.title) }
                button.destroy.secondary aria-label="Delete" data-on:click={"@delete(" (js(&url)) ")"} { "×" }
            }
        }
    }
}

/// `GET /app`: the app with `$filter` applied, not editing (a filter changed, or an edit was
/// cancelled). No selector is needed: the app morphs the element with its id, `#todomvc`.
#[fragment]
async fn show(session: Session, ReadSignals(signals): ReadSignals<AppSignals>) -> Markup {
    {
        let mut todos = session.store.lock().unwrap();
        todos.filter = match signals.filter.as_str() {
            "active" => "active",
            "completed" => "completed",
            _ => "all",
        };
        todos.editing = None;
    }
    session.changed()
}

/// `POST /add`: adds `$input` and empties it, or says why not in `$error`.
#[fragment]
async fn add(
    session: Session,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> (Markup, PatchSignals) {
    let title = signals.input.trim();
    let refused = too_long(title).or_else(|| {
        let mut todos = session.store.lock().unwrap();
        if todos.items.len() >= MAX_TODOS {
            return Some(format!("At most {MAX_TODOS} todos: clear some first."));
        }
        if !title.is_empty() {
            todos.add(title);
        }
        None
    });
    let signals = match refused {
        Some(error) => signals!({ "error": error }),
        None => signals!({ "input": "", "error": "" }),
    };
    (session.changed(), signals)
}

#[fragment]
async fn toggle(session: Session, Path(id): Path<u32>) -> Markup {
    if let Some(todo) = session.store.lock().unwrap().find(id) {
        todo.done = !todo.done;
    }
    session.changed()
}

#[fragment]
async fn toggle_all(session: Session) -> Markup {
    {
        let mut todos = session.store.lock().unwrap();
        let all_done = todos.items.iter().all(|t| t.done);
        todos.items.iter_mut().for_each(|t| t.done = !all_done);
    }
    session.changed()
}

/// `GET /{id}/edit`: the app with todo `id` as an input.
#[fragment]
async fn edit(session: Session, Path(id): Path<u32>) -> Markup {
    {
        let mut todos = session.store.lock().unwrap();
        if todos.find(id).is_some() {
            todos.editing = Some(id);
        }
    }
    session.changed()
}

/// `PUT /{id}`: saves `$title`; an empty title deletes the todo, as TodoMVC says. A title
/// too long keeps the todo in edit, with the reason in `$error`.
#[fragment]
async fn rename(
    session: Session,
    Path(id): Path<u32>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> (Markup, PatchSignals) {
    if let Some(error) = too_long(signals.title.trim()) {
        return (session.changed(), signals!({ "error": error }));
    }
    {
        let mut todos = session.store.lock().unwrap();
        match signals.title.trim() {
            "" => todos.items.retain(|t| t.id != id),
            title => {
                if let Some(todo) = todos.find(id) {
                    todo.title = title.to_owned();
                }
            }
        }
        if todos.editing == Some(id) {
            todos.editing = None;
        }
    }
    (session.changed(), signals!({ "error": "" }))
}

#[fragment]
async fn remove(session: Session, Path(id): Path<u32>) -> Markup {
    session.store.lock().unwrap().items.retain(|t| t.id != id);
    session.changed()
}

#[fragment]
async fn clear_completed(session: Session) -> Markup {
    session.store.lock().unwrap().items.retain(|t| !t.done);
    session.changed()
}
