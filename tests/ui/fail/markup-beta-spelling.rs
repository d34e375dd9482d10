use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        button data-on-click="@post('/save')" { "Save" }
        div data-on-load="@get('/feed')" {}
        input data-bind-first-name;
    };
}
