//! Progress bar: one long-lived response streams every step of a background job.
//!
//! Start posts to the server, which spawns the job and returns at once with the response end
//! of a [`channel`](datastar_runtime::channel). The job sends the bar after each step; every event is flushed the moment
//! it is sent, so the bar moves while the job runs. When the tab goes away `send` fails and
//! the job stops.

use std::time::Duration;

use datastar_runtime::prelude::*;

use super::layout::{Example, Layout};

pub const EXAMPLE: Example = Example {
    slug: "progress_bar",
    title: "Progress bar",
    blurb: "A background job streams its progress over one long-lived response.",
    source: include_str!("progress_bar.rs"),
};

const STEPS: u32 = 50;
const STEP_TIME: Duration = Duration::from_millis(60);

pub fn routes(layout: Layout) -> Router {
    Router::new()
        .route(
            "/",
            get(move || async move { layout.example(&EXAMPLE, idle()) }),
        )
        .route("/start", post(start))
}

fn idle() -> Markup {
    html! {
        div #progress_bar {
            p.muted { "A pretend job of " (STEPS) " steps." }
            button #start data-on:click="@post('/examples/progress_bar/start')" { "Start job" }
        }
    }
}

fn bar(percent: u32) -> Markup {
    html! {
        div #progress_bar {
            div.track role="progressbar" aria-valuenow=(percent) aria-valuemin="0" aria-valuemax="100"
                style="height: 1.4rem; background: #e8ebf3; border-radius: 999px; overflow: hidden" {
                div.fill style={"height: 100%; background: var(--accent); transition: width 60ms linear; width: " (percent) "%"} {}
            }
            p { span #progress_value { (percent) "%" } }
            @if percent == 100 {
                p #progress_done { "Done." }
                button #start data-on:click="@post('/examples/progress_bar/start')" { "Run again" }
            }
        }
    }
}

/// `POST /start`: runs the job in a task; the response streams its progress.
async fn start() -> impl IntoResponse {
    let (sender, response) = channel(8);
    tokio::spawn(async move {
        for step in 0..=STEPS {
            let percent = step * 100 / STEPS;
            // No selector: the bar morphs the element with its id, `#progress_bar`.
            if sender.send(patch!(bar(percent))).await.is_err() {
                return; // the tab went away: stop working for nobody
            }
            tokio::time::sleep(STEP_TIME).await; // the work of one step
        }
    });
    response
}
