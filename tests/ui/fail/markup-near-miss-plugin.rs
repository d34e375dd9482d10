use datastar_runtime::prelude::*;

fn main() {
    let _ = html! {
        p data-shwo="$open" { "Hello" }
        // Plain data attributes are no near miss: these pass untouched.
        tr data-id="7" data-row="3" {}
    };
}
