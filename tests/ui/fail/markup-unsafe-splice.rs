use datastar_runtime::prelude::*;

fn main() {
    let title = String::from("$`_DS");
    let url = format!("/todos/{}", 1);
    let _ = html! {
        input data-signals:title=(title);
        button data-on:click={"@delete('" (url) "')"} { "Delete" }
        span data-text=[Some(&title)] {}
        // Found at any depth, through maud's control flow.
        @for (i, word) in ["a", "b"].iter().enumerate() {
            @if let (0, Some(first)) = (i, word.chars().next()) {
                @match first {
                    'a' => { p data-text=(word) {} }
                    _ => {}
                }
            }
        }
    };
}
