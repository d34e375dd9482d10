use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        button data-on="@get('/x')" {}
        p data-show:open="$open" {}
        p data-text {}
        input data-bind:name="name";
    };
}
