use datastar_runtime::prelude::*;

fn main() {
    let name = String::from("Ada");
    let _ = html! {
        button data-on-click="@post('/save')" { "Save" }
        p data-shwo="$open" {}
        button data-on:click="@gett('/x')" {}
        input "data-on:input__"="@get('/x')";
        p data-show:open="$open" {}
        p data-text=(name) {}
    };
}
