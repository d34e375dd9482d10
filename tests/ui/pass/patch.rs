use datastar_runtime::prelude::*;

async fn feed() -> impl IntoResponse {
    let (sender, sse) = channel(8);
    tokio::spawn(async move {
        for item in ["milk", "eggs"] {
            let event = patch!(selector = "#feed", merge = "prepend", html! { li { (item) } });
            if sender.send(event).await.is_err() {
                return;
            }
        }
        let _ = sender.send(patch!(selector = "#spinner", merge = "remove", view_transition = true)).await;
        let _ = sender.send(patch!(html! { div #count { "2" } })).await;
        let _ = sender.send(patch!(merge = "replace", id = "9", retry = 100, html! { div #count { "3" } },)).await;
    });
    sse
}

async fn events() -> impl IntoResponse {
    Events([
        patch!(selector = "#a", merge = "inner", "text"),
        patch!(selector = "#b", merge = "after", PreEscaped("<hr>")),
    ])
}

fn main() {
    let _: Router = Router::new().route("/feed", get(feed)).route("/events", get(events));
}

/// `patch` is both the macro and axum's routing function: they live in different namespaces.
#[allow(dead_code)]
fn patch_route() -> Router {
    async fn update() -> impl IntoResponse {
        patch!(selector = "#a", merge = "inner", "updated")
    }
    Router::new().route("/a", patch(update))
}
