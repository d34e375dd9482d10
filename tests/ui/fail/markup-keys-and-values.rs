use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        // A `:` with no key after it.
        button data-on:="@get('/x')" {}
        // `data-bind` with neither a key nor a value: which signal?
        input data-bind;
        // `data-ignore-morph` takes no value.
        div data-ignore-morph="true" {}
    };
}
