//! Flow History as server-rendered HTML (maud: typed templates, escaped by default). No
//! JavaScript: filters are links, the re-run button is a form.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::csrf;
use super::guard::Guard;
use crate::flow::Card;
use crate::service::Service;
use crate::store::{DEAD_LETTERED, HistoryQuery, Run};

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\
.failed{background:#fde8e8}.retrying{background:#fff6e0}.outcome{font-weight:600}\
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;margin:0}nav a{margin-right:1em}";

const OUTCOMES: &[&str] = &[
    "assigned",
    "alreadyAssigned",
    "skipped",
    "retrying",
    "deadLettered",
    "queued",
    "running",
];

fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { (title) }
                style { (STYLE) }
            }
            body {
                h1 { (title) }
                (body)
            }
        }
    }
}

fn outcome_of(run: &Run) -> &str {
    run.outcome
        .as_deref()
        .filter(|_| run.state == "finished" || run.outcome.is_some())
        .unwrap_or(&run.state)
}

fn row_class(run: &Run) -> &'static str {
    match run.outcome.as_deref() {
        Some(DEAD_LETTERED) => "failed",
        Some("retrying") => "retrying",
        _ => "",
    }
}

fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The re-run form of a dead-lettered run, with the CSRF token of its action.
fn rerun_button(run: &Run, guard: &Guard) -> Markup {
    let action = format!("/history/{}/rerun", run.run_id);
    html! {
        @if run.outcome.as_deref() == Some(DEAD_LETTERED) && run.state == "finished" {
            form method="post" action=(action) {
                input type="hidden" name=(csrf::FIELD) value=(guard.csrf.token(&action));
                button type="submit" id="rerun" { "Re-run" }
            }
        }
    }
}

pub(super) async fn index(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let page_of_runs = match service.store().history(&query).await {
        Ok(p) => p,
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the store does not answer: {e}"),
            )
                .into_response();
        }
    };
    let counts = service.store().counts().await.unwrap_or_default();
    let markup = page(
        "Flow History",
        html! {
            nav {
                a href="/" { "all" }
                @for o in OUTCOMES { a href={ "/?outcome=" (o) } { (o) } }
                a href="/metrics" { "metrics" }
            }
            p class="counts" {
                @for (o, n) in &counts { span { (o) ": " (n) } " · " }
            }
            table id="runs" {
                thead { tr { th { "run" } th { "outcome" } th { "flow" } th { "user" } th { "event" } th { "tries" } th { "started" } th { "finished" } th {} } }
                tbody {
                    @for run in &page_of_runs.runs {
                        tr class=(row_class(run)) data-run-id=(run.run_id) {
                            td { a href={ "/runs/" (run.run_id) } { (run.run_id) } }
                            td class="outcome" { (outcome_of(run)) }
                            td { (run.flow) }
                            td { (run.user_id.as_deref().unwrap_or("")) }
                            td { (run.event_id) }
                            td { (run.tries) }
                            td { (run.started_at.as_deref().unwrap_or("")) }
                            td { (run.finished_at.as_deref().unwrap_or("")) }
                            td { (rerun_button(run, &guard)) }
                        }
                    }
                }
            }
            @if let Some(cursor) = &page_of_runs.next_cursor {
                p { a rel="next" href={ "/?cursor=" (cursor) "&outcome=" (query.outcome.as_deref().unwrap_or("")) } { "older runs" } }
            }
        },
    );
    Html(markup.into_string()).into_response()
}

fn card(index: usize, card: &Card) -> Markup {
    html! {
        tr class=(if card.error.is_some() { "failed" } else { "" }) {
            td { (index + 1) }
            td { (card.title) br; small { (card.connector) " · " (card.action) } }
            td class="attempts" { (card.attempts) " attempt" @if card.attempts != 1 { "s" } }
            td { (format!("{:.1} ms", card.duration_ms)) }
            td { pre { (pretty(&card.input)) } }
            td {
                @if let Some(output) = &card.output { pre { (pretty(output)) } }
                @if let Some(error) = &card.error {
                    pre class="error" { (error.kind) " " (error.status.map(|s| s.to_string()).unwrap_or_default()) " "
                        (error.code.as_deref().unwrap_or("")) "\n" (error.message) "\nrequest id: " (error.request_id.as_deref().unwrap_or("-")) }
                }
            }
        }
    }
}

pub(super) async fn run(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Path(run_id): Path<String>,
) -> Response {
    let run = match service.store().run(&run_id).await {
        Ok(Some(run)) => run,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                Html(
                    page("No such run", html! { p { a href="/" { "Flow History" } } })
                        .into_string(),
                ),
            )
                .into_response();
        }
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the store does not answer: {e}"),
            )
                .into_response();
        }
    };
    let markup = page(
        &format!("Run {}", run.run_id),
        html! {
            p { a href="/" { "← Flow History" } }
            dl {
                dt { "outcome" } dd class={ "outcome " (row_class(&run)) } id="outcome" { (outcome_of(&run)) }
                dt { "flow" } dd { (run.flow) }
                dt { "event" } dd { (run.event_id) }
                dt { "user" } dd { (run.user_id.as_deref().unwrap_or("")) }
                dt { "tries" } dd { (run.tries) }
                dt { "queued" } dd { (run.queued_at) }
                dt { "started" } dd { (run.started_at.as_deref().unwrap_or("")) }
                dt { "finished" } dd { (run.finished_at.as_deref().unwrap_or("")) }
                @if let Some(next) = &run.next_try_at { dt { "next try" } dd { (next) } }
            }
            (rerun_button(&run, &guard))
            @if let Some(error) = &run.error { h2 { "Last error" } pre class="error" { (pretty(error)) } }
            h2 { "Cards" }
            table id="cards" {
                thead { tr { th { "#" } th { "action" } th { "attempts" } th { "time" } th { "input" } th { "output" } } }
                tbody { @for (i, c) in run.cards.iter().enumerate() { (card(i, c)) } }
            }
        },
    );
    Html(markup.into_string()).into_response()
}
