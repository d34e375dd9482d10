use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        button data-on:click="@gett('/contacts')" { "Load" }
    };
}
