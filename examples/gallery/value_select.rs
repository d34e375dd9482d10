//! Value select: the second select's options depend on the first one's value.
//!
//! Both selects are bound to signals (`$make`, `$model`); a change asks the server for the
//! component again. It answers with the models of the chosen make (the model cleared when it
//! is not one of them), and a Submit button once both are chosen. Submit posts the choice;
//! ids that name no car are a 400 that says which.

use axum::http::StatusCode;
use datastar_runtime::prelude::*;
use serde::Deserialize;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "value_select",
    title: "Value select",
    blurb: "Cascading selects: choosing a make loads its models from the server.",
    source: include_str!("value_select.rs"),
};

/// (id, make, [(id, model)])
type Make = (
    &'static str,
    &'static str,
    [(&'static str, &'static str); 3],
);

const CARS: [Make; 3] = [
    ("audi", "Audi", [("a1", "A1"), ("a3", "A3"), ("a6", "A6")]),
    (
        "toyota",
        "Toyota",
        [
            ("land_cruiser", "Land Cruiser"),
            ("corolla", "Corolla"),
            ("camry", "Camry"),
        ],
    ),
    (
        "ford",
        "Ford",
        [
            ("f150", "F-150"),
            ("mustang", "Mustang"),
            ("focus", "Focus"),
        ],
    ),
];

/// The two selects' signals: ids, empty until chosen.
#[derive(Deserialize, Signals, Default)]
#[serde(default)]
struct Choice {
    make: String,
    model: String,
}

/// The make and model `choice` names, when they exist.
fn find(choice: &Choice) -> (Option<&'static Make>, Option<&'static str>) {
    let make = CARS.iter().find(|(id, ..)| *id == choice.make);
    let model = make.and_then(|(_, _, models)| models.iter().find(|(id, _)| *id == choice.model));
    (make, model.map(|(_, label)| *label))
}

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move {
                let demo = html! {
                    div data-signals="{make: '', model: ''}" { (component(&Choice::default())) }
                    p.muted { "A port of " a href="https://data-star.dev/examples/value_select" { "the official example" } " on data-star.dev." }
                };
                layout.example(&EXAMPLE, demo)
            }),
        )
        .route("/choice", get(choose).post(submit))
}

fn component(choice: &Choice) -> Markup {
    let (make, model) = find(choice);
    html! {
        #![signals = Choice]
        div #value_select {
            label { "Make"
                select #make data-bind:make data-on:change="@get('/examples/value_select/choice')" {
                    option value="" disabled selected[make.is_none()] { "Select a make" }
                    @for (id, label, _) in &CARS { option value=(id) selected[choice.make == *id] { (label) } }
                }
            }
            @if let Some((_, make_label, models)) = make {
                label { "Model"
                    select #model data-bind:model data-on:change="@get('/examples/value_select/choice')" {
                        option value="" disabled selected[model.is_none()] { "Select a model" }
                        @for (id, label) in models { option value=(id) selected[choice.model == *id] { (label) } }
                    }
                }
                @if let Some(model_label) = model {
                    div.row { button #submit data-on:click="@post('/examples/value_select/choice')" {
                        "Submit " (make_label) " / " (model_label)
                    } }
                }
            }
        }
    }
}

/// `GET /choice`: the selects for the choice so far; a model of another make is cleared.
#[fragment]
async fn choose(ReadSignals(mut choice): ReadSignals<Choice>) -> (Markup, PatchSignals) {
    if find(&choice).1.is_none() {
        choice.model.clear();
    }
    let signals = signals!({ "model": choice.model });
    (component(&choice), signals)
}

/// `POST /choice`: what was chosen, and a way back.
#[fragment]
async fn submit(ReadSignals(choice): ReadSignals<Choice>) -> Result<Markup, (StatusCode, String)> {
    let (Some((make_id, make, _)), Some(model)) = find(&choice) else {
        let message = format!("no car is `{}` / `{}`", choice.make, choice.model);
        return Err((StatusCode::BAD_REQUEST, message));
    };
    Ok(html! {
        div #value_select {
            p #chosen { "You chose the " strong { (make) " " (model) } "." }
            p.muted { "Make id " code { (make_id) } ", model id " code { (choice.model) } "." }
            button #again.secondary data-on:click="$make = ''; $model = ''; @get('/examples/value_select/choice')" { "Choose again" }
        }
    })
}
