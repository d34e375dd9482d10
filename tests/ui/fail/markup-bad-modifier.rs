use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        input "data-on:input__debounce."="@get('/search')";
        input "data-on__once:click"="@get('/search')";
        input "data-on:input__"="@get('/search')";
    };
}
