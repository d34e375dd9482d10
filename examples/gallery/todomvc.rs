//! TodoMVC: the classic app, with the state on the server.
//!
//! Every action sends the signals (`$input`, `$title`, `$filter`) and gets the whole app back;
//! morphing patches only what changed, so focus, the caret and typed text survive. Double-click
//! a todo to edit it: Enter saves, Escape cancels, an empty title deletes.
//!
//! Each visitor has their own list (a session cookie), of at most 100 todos of at most 200
//! characters; anything longer or more is refused with a message under the input.

use std::sync::{Arc, Mutex};

use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};
use super::visitor::{Mine, Visitors};

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
    let mut todos = Todos::default();
    for title in ["Taste Datastar", "Write a Rust handler"] {
        todos.add(title);
    }
    todos
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move |Mine(store): Mine<Todos>| async move {
                let app = app(&store.lock().unwrap(), "all", None);
                layout.example(
                    &EXAMPLE,
                    html! { div data-signals="{input: '', title: '', filter: 'all', error: ''}" { (app) } },
                )
            }),
        )
        .route("/app", get(show))
        .route("/add", post(add))
        .route("/toggle_all", post(toggle_all))
        .route("/completed", delete(clear_completed))
        .route("/{id}/toggle", post(toggle))
        .route("/{id}/edit", get(edit))
        .route("/{id}", put(rename).delete(remove))
        .with_state(Visitors::new(first_todos))
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

/// The whole app, filtered, with the todo `editing` (if any) as an input.
fn app(todos: &Todos, filter: &str, editing: Option<u32>) -> Markup {
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
                input.edit data-signals:title=(js(&todo.title)) data-bind:title
                    maxlength=(MAX_TITLE)
                    data-on:keydown={"evt.key === 'Enter' && @put(" (js(&url)) "); evt.key === 'Escape' && @get(" (js(&format!("{BASE}/app"))) ")"};
            } @else {
                input.toggle type="checkbox" checked[todo.done] data-on:change={"@post(" (js(&format!("{url}/toggle"))) ")"};
                label.title data-on:dblclick={"@get(" (js(&format!("{url}/edit"))) ")"} { (todo.title) }
                button.destroy.secondary aria-label="Delete" data-on:click={"@delete(" (js(&url)) ")"} { "×" }
            }
        }
    }
}

/// The whole app; no selector is needed, it morphs the element with its id, `#todomvc`.
fn render(store: &Store, signals: &AppSignals, editing: Option<u32>) -> Markup {
    app(&store.lock().unwrap(), &signals.filter, editing)
}

/// `GET /app`: the app as it is (a filter changed, or an edit was cancelled).
#[fragment]
async fn show(Mine(store): Mine<Todos>, ReadSignals(signals): ReadSignals<AppSignals>) -> Markup {
    render(&store, &signals, None)
}

/// `POST /add`: adds `$input` and empties it, or says why not in `$error`.
#[fragment]
async fn add(
    Mine(store): Mine<Todos>,
    ReadSignals(signals_in): ReadSignals<AppSignals>,
) -> (Markup, PatchSignals) {
    let title = signals_in.input.trim();
    let refused = too_long(title).or_else(|| {
        let mut todos = store.lock().unwrap();
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
    (render(&store, &signals_in, None), signals)
}

#[fragment]
async fn toggle(
    Mine(store): Mine<Todos>,
    Path(id): Path<u32>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> Markup {
    if let Some(todo) = store.lock().unwrap().find(id) {
        todo.done = !todo.done;
    }
    render(&store, &signals, None)
}

#[fragment]
async fn toggle_all(
    Mine(store): Mine<Todos>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> Markup {
    {
        let mut todos = store.lock().unwrap();
        let all_done = todos.items.iter().all(|t| t.done);
        todos.items.iter_mut().for_each(|t| t.done = !all_done);
    }
    render(&store, &signals, None)
}

#[fragment]
async fn edit(
    Mine(store): Mine<Todos>,
    Path(id): Path<u32>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> Markup {
    render(&store, &signals, Some(id))
}

/// `PUT /{id}`: saves `$title`; an empty title deletes the todo, as TodoMVC says. A title
/// too long keeps the todo in edit, with the reason in `$error`.
#[fragment]
async fn rename(
    Mine(store): Mine<Todos>,
    Path(id): Path<u32>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> (Markup, PatchSignals) {
    if let Some(error) = too_long(signals.title.trim()) {
        return (
            render(&store, &signals, Some(id)),
            signals!({ "error": error }),
        );
    }
    {
        let mut todos = store.lock().unwrap();
        match signals.title.trim() {
            "" => todos.items.retain(|t| t.id != id),
            title => {
                if let Some(todo) = todos.find(id) {
                    todo.title = title.to_owned();
                }
            }
        }
    }
    (render(&store, &signals, None), signals!({ "error": "" }))
}

#[fragment]
async fn remove(
    Mine(store): Mine<Todos>,
    Path(id): Path<u32>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> Markup {
    store.lock().unwrap().items.retain(|t| t.id != id);
    render(&store, &signals, None)
}

#[fragment]
async fn clear_completed(
    Mine(store): Mine<Todos>,
    ReadSignals(signals): ReadSignals<AppSignals>,
) -> Markup {
    store.lock().unwrap().items.retain(|t| !t.done);
    render(&store, &signals, None)
}
