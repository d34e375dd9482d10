//! One case for each way a CSS selector can be wrong, each reported on its own literal.

use datastar_runtime::prelude::*;

// A pseudo-class that needs arguments, written without.
#[fragment(selector = "p:is", mode = "inner")]
async fn case_1() -> Markup {
    html! { "x" }
}

// An unknown pseudo-class.
#[fragment(selector = "p:hovr", mode = "inner")]
async fn case_2() -> Markup {
    html! { "x" }
}

// A pseudo-class that takes no arguments, given some.
#[fragment(selector = "p:hover(x)", mode = "inner")]
async fn case_3() -> Markup {
    html! { "x" }
}

// An unknown functional pseudo-class.
#[fragment(selector = "p:hovr(x)", mode = "inner")]
async fn case_4() -> Markup {
    html! { "x" }
}

// Nothing after `:`.
#[fragment(selector = "p:", mode = "inner")]
async fn case_5() -> Markup {
    html! { "x" }
}

// A pseudo-element inside `:not()`.
#[fragment(selector = ":not(::before)", mode = "inner")]
async fn case_6() -> Markup {
    html! { "x" }
}

// `An+B` followed by something other than `of`.
#[fragment(selector = "li:nth-child(2n+1 x)", mode = "inner")]
async fn case_7() -> Markup {
    html! { "x" }
}

// `:dir()` with a number.
#[fragment(selector = "p:dir(1)", mode = "inner")]
async fn case_8() -> Markup {
    html! { "x" }
}

// A pseudo-element that needs arguments, written without.
#[fragment(selector = "::highlight", mode = "inner")]
async fn case_9() -> Markup {
    html! { "x" }
}

// An unknown pseudo-element.
#[fragment(selector = "p::befor", mode = "inner")]
async fn case_10() -> Markup {
    html! { "x" }
}

// A pseudo-element that takes no arguments, given some.
#[fragment(selector = "p::before(x)", mode = "inner")]
async fn case_11() -> Markup {
    html! { "x" }
}

// An unknown functional pseudo-element.
#[fragment(selector = "p::befor(x)", mode = "inner")]
async fn case_12() -> Markup {
    html! { "x" }
}

// Nothing after `::`.
#[fragment(selector = "p::", mode = "inner")]
async fn case_13() -> Markup {
    html! { "x" }
}

// `::picker()` of something other than `select`.
#[fragment(selector = "select::picker(x)", mode = "inner")]
async fn case_14() -> Markup {
    html! { "x" }
}

// `::scroll-button()` with no direction.
#[fragment(selector = "ul::scroll-button(1)", mode = "inner")]
async fn case_15() -> Markup {
    html! { "x" }
}

// A view transition pseudo-element with a number.
#[fragment(selector = "::view-transition-group(1)", mode = "inner")]
async fn case_16() -> Markup {
    html! { "x" }
}

// An empty selector.
#[fragment(selector = "", mode = "inner")]
async fn case_17() -> Markup {
    html! { "x" }
}

// A stray closing parenthesis.
#[fragment(selector = "p)", mode = "inner")]
async fn case_18() -> Markup {
    html! { "x" }
}

// A combinator after a pseudo-element.
#[fragment(selector = "p::before > a", mode = "inner")]
async fn case_19() -> Markup {
    html! { "x" }
}

// Nothing after `.`.
#[fragment(selector = "p.", mode = "inner")]
async fn case_20() -> Markup {
    html! { "x" }
}

// A class after a pseudo-element.
#[fragment(selector = "p::before.x", mode = "inner")]
async fn case_21() -> Markup {
    html! { "x" }
}

// Nothing after a comma.
#[fragment(selector = "p,", mode = "inner")]
async fn case_22() -> Markup {
    html! { "x" }
}

// Nothing after `*|`.
#[fragment(selector = "*|", mode = "inner")]
async fn case_23() -> Markup {
    html! { "x" }
}

// An attribute selector without a name.
#[fragment(selector = "[]", mode = "inner")]
async fn case_24() -> Markup {
    html! { "x" }
}

// An unknown attribute operator.
#[fragment(selector = "[a!b]", mode = "inner")]
async fn case_25() -> Markup {
    html! { "x" }
}

// An attribute operator without a value.
#[fragment(selector = "[a=]", mode = "inner")]
async fn case_26() -> Markup {
    html! { "x" }
}

// An unknown attribute flag.
#[fragment(selector = "[a=b x]", mode = "inner")]
async fn case_27() -> Markup {
    html! { "x" }
}

// A namespace prefix.
#[fragment(selector = "svg|a", mode = "inner")]
async fn case_28() -> Markup {
    html! { "x" }
}

// A character that starts no selector.
#[fragment(selector = "!p", mode = "inner")]
async fn case_29() -> Markup {
    html! { "x" }
}

fn main() {}
