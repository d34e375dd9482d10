use std::convert::Infallible;

use datastar_runtime::prelude::*;
use http::StatusCode;

#[derive(Clone)]
struct App;

#[fragment(selector = "#a")]
async fn markup(Path(id): Path<u32>, State(_app): State<App>) -> Markup {
    html! { div #a { (id) } }
}

#[fragment(selector = "#a", merge = "inner")]
async fn render() -> String {
    "plain text is escaped".to_owned()
}

#[fragment(selector = "#a", merge = "inner")]
async fn result(Query(q): Query<std::collections::HashMap<String, String>>) -> Result<Markup, StatusCode> {
    let name = q.get("name").ok_or(StatusCode::BAD_REQUEST)?;
    Ok(html! { (name) })
}

#[fragment(selector = "#feed", merge = "prepend")]
async fn stream() -> impl Stream<Item = Markup> {
    futures_util::stream::iter([html! { li { "a" } }, html! { li { "b" } }])
}

#[fragment(selector = "#feed", merge = "prepend")]
async fn result_of_stream(Path(n): Path<usize>) -> Result<impl Stream<Item = Markup> + Send, (StatusCode, String)> {
    if n > 100 {
        return Err((StatusCode::BAD_REQUEST, format!("{n} is too many")));
    }
    Ok(futures_util::stream::iter((0..n).map(|i| html! { li { (i) } })))
}

#[fragment(selector = "#feed", merge = "append")]
async fn boxed() -> futures_util::stream::BoxStream<'static, Markup> {
    use futures_util::StreamExt;
    futures_util::stream::empty().boxed()
}

#[fragment(selector = "#toast", merge = "remove")]
async fn remove_unit() {}

#[fragment(selector = "#toast", merge = "remove")]
async fn remove_result() -> Result<(), Infallible> {
    Ok(())
}

/// Generic handlers keep their parameters.
#[fragment(selector = "#a")]
async fn generic<T: Send + Sync + Clone + 'static>(State(_t): State<T>) -> Markup {
    html! { div #a {} }
}

fn main() {
    let _: Router = Router::new()
        .route("/markup/{id}", get(markup))
        .route("/render", get(render))
        .route("/result", get(result))
        .route("/stream", get(stream))
        .route("/result-of-stream/{n}", get(result_of_stream))
        .route("/boxed", get(boxed))
        .route("/remove", post(remove_unit))
        .route("/remove-result", post(remove_result))
        .route("/generic", get(generic::<App>))
        .with_state(App);
}
