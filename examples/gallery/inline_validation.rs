//! Inline validation: each field is checked on the server when you leave it.
//!
//! The inputs are bound to `$email`, `$firstName` and `$lastName`. Leaving a field (a
//! `focusout` from an input) asks the server to check the form; the answer is the whole form
//! again, with a message under each field that is wrong, and morphing keeps the focus and
//! what is typed. A field that shows an error is checked again as you type, so the message
//! goes as soon as it is fixed. The button is enabled once the server says all is right.
//!
//! Every request goes from the `<form>` itself, not from its inputs: Datastar cancels an
//! element's request when the same element sends the next one, so the answer to an older
//! check can never land after a newer one, nor after the sign-up.
//!
//! The check is a read, so `/validate` answers `GET` (what the Datastar 1.0 clients send) and
//! `QUERY`, the HTTP method for a read with a body, which Datastar 1.0.4 sends for
//! `@query(url)`. axum 0.8 has no `QUERY` method filter: the route's `fallback` takes it.

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "inline_validation",
    title: "Inline validation",
    blurb: "Fields checked on the server as you leave them; the form morphs in the messages.",
    source: include_str!("inline_validation.rs"),
};

const VALIDATE: &str = "/examples/inline_validation/validate";
/// The longest email address, in characters.
const MAX_EMAIL: usize = 254;
/// The longest name, in characters.
const MAX_NAME: usize = 50;

/// The form's signals.
#[derive(Deserialize, Signals, Default)]
#[serde(rename_all = "camelCase", default)]
struct User {
    email: String,
    first_name: String,
    last_name: String,
}

/// What is wrong with each field; `None` when it is right.
struct Checked {
    email: Option<String>,
    first_name: Option<&'static str>,
    last_name: Option<&'static str>,
}

impl User {
    fn check(&self) -> Checked {
        let name = |name: &str, short, long| match name.trim().chars().count() {
            0..2 => Some(short),
            n if n > MAX_NAME => Some(long),
            _ => None,
        };
        // As on the official page, one address is free; every other is taken.
        let email = (self.email != "test@test.com").then(|| {
            if self.email.chars().count() > MAX_EMAIL {
                format!("An email address is at most {MAX_EMAIL} characters.")
            } else {
                format!(
                    "Email '{}' is already taken or is invalid. Please enter another email.",
                    self.email
                )
            }
        });
        Checked {
            email,
            first_name: name(
                &self.first_name,
                "First name must be at least 2 characters.",
                "First name must be at most 50 characters.",
            ),
            last_name: name(
                &self.last_name,
                "Last name must be at least 2 characters.",
                "Last name must be at most 50 characters.",
            ),
        }
    }
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, demo()) }),
        )
        // GET for the Datastar clients of today, QUERY for `@query`, through the fallback.
        .route("/validate", get(validate).fallback(query))
        .route("/sign_up", post(sign_up))
}

fn demo() -> Markup {
    html! {
        (form(&User::default(), false))
        section #query_demo {
            h2 { "The same check, as an HTTP " code { "QUERY" } }
            p.muted {
                "Datastar 1.0.4 writes " code { "@query('" (VALIDATE) "')" } " for a read that sends its "
                "signals in a body. The client this page loads may predate it, so this button sends "
                "that request with " code { "fetch(url, {method: 'QUERY'})" } ", and shows the events the "
                "same handler answers."
            }
            button #query_check.secondary data-signals="{_queryAnswer: ''}"
                data-on:click={ "fetch(" (js(VALIDATE)) ", {method: 'QUERY', headers: {'Datastar-Request': 'true', \
                    'Content-Type': 'application/json'}, body: JSON.stringify({email: $email, firstName: $firstName, \
                    lastName: $lastName})}).then(r => r.text()).then(t => $_queryAnswer = t)" } { "Check with QUERY" }
            pre #query_answer.snippet data-show="$_queryAnswer" data-text="$_queryAnswer" {}
        }
        p.muted { "A port of " a href="https://data-star.dev/examples/inline_validation" { "the official example" } " on data-star.dev." }
    }
}

/// The form; `all` shows every field's message, else only those of fields with a value.
fn form(user: &User, all: bool) -> Markup {
    let checked = user.check();
    let valid =
        checked.email.is_none() && checked.first_name.is_none() && checked.last_name.is_none();
    let shown = |value: &str, problem: Option<String>| problem.filter(|_| all || !value.is_empty());
    html! {
        #![signals = User]
        // `__ifmissing`: the signals start empty and are never overwritten by a morph.
        form #inline_validation data-signals__ifmissing="{email: '', firstName: '', lastName: ''}"
            data-on:focusout={ "evt.target.tagName === 'INPUT' && @get(" (js(VALIDATE)) ")" }
            "data-on:input__debounce.300ms"={ "evt.target.ariaInvalid === 'true' && @get(" (js(VALIDATE)) ")" }
            data-on:submit="@post('/examples/inline_validation/sign_up')" {
            p.muted { "The only email address accepted is test@test.com." }
            (field("Email address", "email", MAX_EMAIL, shown(&user.email, checked.email)))
            (field("First name", "firstName", MAX_NAME, shown(&user.first_name, checked.first_name.map(Into::into))))
            (field("Last name", "lastName", MAX_NAME, shown(&user.last_name, checked.last_name.map(Into::into))))
            div.row { button #sign_up type="submit" disabled[!valid] { "Sign up" } }
        }
    }
}

/// One input, bound to `signal`; its message, if any, below it.
fn field(label: &str, signal: &str, max: usize, problem: Option<String>) -> Markup {
    html! {
        label {
            (label)
            // `aria-invalid`: wrong already, so the form checks it again as it is typed.
            input id={ "input_" (signal) } type="text" maxlength=(max)
                aria-invalid=(problem.is_some()) data-bind=(signal);
            @if let Some(problem) = &problem { span.error id={ "error_" (signal) } { (problem) } }
        }
    }
}

/// `GET /validate`: the form with the message of each field that has a value.
#[fragment]
async fn validate(ReadSignals(user): ReadSignals<User>) -> Markup {
    form(&user, false)
}

/// `QUERY /validate`: the same read, signals in the body. Any other method is a 405.
async fn query(request: Request) -> Response {
    if request.method().as_str() != "QUERY" {
        let message = "`/validate` answers GET and QUERY";
        return (StatusCode::METHOD_NOT_ALLOWED, message).into_response();
    }
    match ReadSignals::<User>::from_request(request, &()).await {
        Ok(user) => validate(user).await,
        Err(rejection) => rejection.into_response(),
    }
}

/// `POST /sign_up`: thanks, or the form with every message.
#[fragment]
async fn sign_up(ReadSignals(user): ReadSignals<User>) -> Markup {
    let checked = user.check();
    if checked.email.is_some() || checked.first_name.is_some() || checked.last_name.is_some() {
        return form(&user, true);
    }
    html! { div #inline_validation { p #thanks { "Thank you for signing up, " (user.first_name.trim()) "!" } } }
}
