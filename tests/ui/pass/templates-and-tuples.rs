//! Selector templates, tuple answers and `mode =` all compile, and give the right bytes.
use datastar_runtime::prelude::*;
use datastar_runtime::{Dialect, Encoder, InvalidValue};

#[derive(Clone)]
struct App {
    board: String,
}

#[fragment(selector = "#card-{id}", mode = "inner")]
async fn card(Path(id): Path<String>) -> Markup {
    html! { "card " (id) }
}

#[fragment(selector = "#{board}-{column} > .cards", mode = "append")]
async fn add(
    State(App { board }): State<App>,
    Path((column, mut n)): Path<(String, u32)>,
) -> (Markup, PatchSignals, ExecuteScript) {
    n += 1;
    (
        html! { li { (board) " " (n) } },
        signals!({ "draft": "" }),
        ExecuteScript::new("console.log('added')"),
    )
}

#[fragment(selector = "#card-{id}", mode = "remove")]
async fn remove(Path(id): Path<u32>) -> ((), PatchSignals) {
    ((), signals!({ "selected": null }))
}

#[fragment(selector = "#card-{id}", merge = "morph")]
async fn try_card(Path(id): Path<u32>) -> Result<(Markup, Event), InvalidValue> {
    let signals = PatchSignals::new(&serde_json::json!({ "open": id }))?;
    Ok((html! { div id={ "card-" (id) } {} }, signals.into()))
}

/// A `Result` behind an alias goes through the same traits.
type AppResult<T> = Result<T, (http::StatusCode, &'static str)>;

#[fragment(selector = "#card-{id}", mode = "inner")]
async fn alias_card(Path(id): Path<u32>) -> AppResult<Markup> {
    Ok(html! { (id) })
}

#[fragment(mode = "replace")]
async fn by_id() -> Markup {
    html! { p #status { "ok" } }
}

fn row(n: u32) -> Event {
    patch!(selector = "#row-{n} td:nth-child(2)", mode = "inner", html! { (n) })
}

fn main() {
    let app: Router = Router::new()
        .route("/card/{id}", get(card).delete(remove))
        .route("/try/{id}", get(try_card))
        .route("/alias/{id}", get(alias_card))
        .route("/status", get(by_id))
        .route("/{column}/{n}", post(add))
        .with_state(App {
            board: "b".into(),
        });
    let _ = app;
    let mut encoder = Encoder::new(Dialect::V1);
    let bytes = encoder.encode(&row(7)).unwrap();
    assert_eq!(
        std::str::from_utf8(&bytes).unwrap(),
        "event: datastar-patch-elements\ndata: selector #row-7 td:nth-child(2)\ndata: mode inner\ndata: elements 7\n\n",
    );
}
