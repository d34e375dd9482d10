use datastar_runtime::prelude::*;

fn main() {
    let title = String::from("$`_DS");
    let url = format!("/todos/{}", 1);
    let _ = html! {
        input data-signals:title=(title);
        button data-on:click={"@delete('" (url) "')"} { "Delete" }
        span data-text=[Some(&title)] {}
    };
}
