//! Flow History as server-rendered HTML (maud: typed templates, escaped by default). No
//! JavaScript: filters are links, the re-run button is a form.

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::csrf;
use super::guard::Guard;
use super::nesting::{Node, kind_at, tree};
use crate::flows::{StepRecord, StepStatus};
use crate::run::{Run, RunState};
use crate::service::Service;
use crate::store::HistoryQuery;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}\
.failed{background:#fde8e8}.retrying{background:#fff6e0}.outcome{font-weight:600}\
pre{background:#f6f6f6;padding:6px;white-space:pre-wrap;word-break:break-all;margin:0}nav a{margin-right:1em}\
.steps{display:flex;flex-direction:column;gap:8px;max-width:900px}\
.step{border:1px solid #ccc;border-left:6px solid #999;border-radius:4px;padding:6px 10px}\
.step.succeeded{border-left-color:#2e7d32}.step.failed{border-left-color:#c62828;background:#fdf0f0}\
.step.skipped{border-left-color:#9e9e9e;color:#666}.step.continued{border-left-color:#ef8f00}.step.returned{border-left-color:#1565c0}\
.step.waiting,.step.wait{border-left-color:#6a1b9a;background:#f7f0fb}.waiting{background:#f7f0fb}\
.step h3{font-size:14px;margin:0}.steps.nested{margin:6px 0 2px 12px}.step.unfinished{border-left-color:#ef8f00;border-style:dashed}.step .meta{color:#555;font-size:12px}form{display:inline;margin-right:8px}\
.table-rows{overflow-x:auto}";

pub(super) fn page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
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

pub(super) fn outcome_of(run: &Run) -> &str {
    run.outcome.as_deref().unwrap_or(run.state.as_str())
}

pub(super) fn row_class(run: &Run) -> &'static str {
    match run.state {
        RunState::DeadLettered => "failed",
        RunState::Retrying => "retrying",
        RunState::Waiting => "waiting",
        _ => "",
    }
}

/// What a waiting run waits for, in words: `until 2026-12-01T09:00:00Z`, or `the signal
/// "approval" until ...`.
pub(super) fn waiting_text(waiting_for: &serde_json::Value) -> String {
    let text = |key: &str| waiting_for.get(key).and_then(|v| v.as_str());
    match (text("signal"), text("until"), text("wakeAt")) {
        (Some(signal), Some(until), _) => {
            format!("the signal {signal:?} (POST /runs/{{runId}}/signals/{signal}), until {until}")
        }
        (_, _, Some(at)) => format!("its time: {at}"),
        _ => waiting_for.to_string(),
    }
}

pub(super) fn pretty(value: &serde_json::Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// A POST button to `action` with its CSRF token.
pub(super) fn post_button(action: &str, id: &str, label: &str, guard: &Guard) -> Markup {
    html! {
        form method="post" action=(action) {
            input type="hidden" name=(csrf::FIELD) value=(guard.csrf.token(action));
            button type="submit" id=(id) { (label) }
        }
    }
}

/// A POST button with the CSRF token of its action.
fn button(run_id: &str, what: &str, label: &str, guard: &Guard) -> Markup {
    let action = format!("/history/{run_id}/{what}");
    html! {
        form method="post" action=(action) {
            input type="hidden" name=(csrf::FIELD) value=(guard.csrf.token(&action));
            @if what == "rerun" {
                // One key per view of the page: a second click makes no second run.
                input type="hidden" name=(super::RERUN_KEY_FIELD) value=(uuid::Uuid::new_v4().to_string());
            }
            button type="submit" id=(what) { (label) }
        }
    }
}

/// Resume (a dead-lettered run), re-run (any run that ended), cancel (one that has not).
fn buttons(run: &Run, guard: &Guard) -> Markup {
    html! {
        @if !run.state.has_ended() {
            (button(&run.run_id, "cancel", "Cancel", guard))
        }
        @if run.state == RunState::DeadLettered {
            (button(&run.run_id, "resume", "Resume", guard))
        }
        @if run.state.has_ended() {
            (button(&run.run_id, "rerun", "Re-run", guard))
        }
    }
}

/// The filters a history page keeps in its links.
fn filter_query(query: &HistoryQuery) -> String {
    let mut parts = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("flow", &query.flow),
        ("outcome", &query.outcome),
        ("state", &query.state),
        ("subject", &query.subject),
        ("since", &query.since),
        ("until", &query.until),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            parts.append_pair(name, value);
        }
    }
    parts.finish()
}

pub(super) async fn index(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Query(query): Query<HistoryQuery>,
) -> Response {
    let page_of_runs = match service.store().history(&query).await {
        Ok(p) => crate::masked_page(p),
        Err(e) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the store does not answer: {e}"),
            )
                .into_response();
        }
    };
    let (counts, counted) = service.store().page_counts().await.unwrap_or_default();
    // The filters offered are the outcomes the store's runs ended with, and the states.
    let outcomes = service.store().outcomes().await.unwrap_or_default();
    let markup = page(
        "Flow History",
        html! {
            nav {
                a href="/" { "all" }
                @for o in &outcomes { a href={ "/?outcome=" (o) } { (o) } }
                @for s in RunState::ALL { a href={ "/?state=" (s.as_str()) } { (s.as_str()) } }
                @for flow in service.flows().all() { a href={ "/?flow=" (flow.name()) } { (flow.name()) } }
                a href="/metrics" { "metrics" }
            }
            form method="get" action="/" {
                input type="text" name="subject" placeholder="subject contains" value=(query.subject.as_deref().unwrap_or(""));
                input type="text" name="since" placeholder="since (RFC 3339)" value=(query.since.as_deref().unwrap_or(""));
                input type="text" name="until" placeholder="until (RFC 3339)" value=(query.until.as_deref().unwrap_or(""));
                button type="submit" { "filter" }
            }
            p class="counts" {
                @for (o, n) in &counts { span { (o) ": " (n) } " · " }
                @if counted >= crate::COUNTS_RECENT { " (ended runs: among the newest " (counted) ")" }
            }
            table id="runs" {
                thead { tr { th { "run" } th { "outcome" } th { "flow" } th { "subject" } th { "event" } th { "tries" } th { "started" } th { "finished" } th {} } }
                tbody {
                    @for run in &page_of_runs.runs {
                        tr class=(row_class(run)) data-run-id=(run.run_id) {
                            td { a href={ "/runs/" (run.run_id) } { (run.run_id) } }
                            td class="outcome" { (outcome_of(run)) }
                            td { (run.flow) }
                            td { (run.subject.as_deref().unwrap_or("")) }
                            td { (run.event_id) }
                            td { (run.tries) }
                            td { (run.started_at.as_deref().unwrap_or("")) }
                            td { (run.finished_at.as_deref().unwrap_or("")) }
                            td { (buttons(run, &guard)) }
                        }
                    }
                }
            }
            @if let Some(cursor) = &page_of_runs.next_cursor {
                p { a rel="next" href={ "/?cursor=" (cursor) "&" (filter_query(&query)) } { "older runs" } }
            }
        },
    );
    Html(markup.into_string()).into_response()
}

/// A node of a try's tree: its record's box with the records nested under it (a call's
/// steps), or an unfinished call's box around them.
fn node_box(node: &Node<'_>, title: &dyn Fn(&StepRecord) -> String) -> Markup {
    let nested = html! {
        @if !node.children.is_empty() {
            div class="steps nested" {
                @for child in &node.children { (node_box(child, title)) }
            }
        }
    };
    match node.record {
        Some(record) => step_box(record, &title(record), nested),
        None => html! {
            div class="step unfinished" {
                h3 { (node.label) " · unfinished" }
                (nested)
            }
        },
    }
}

fn step_box(step: &StepRecord, title: &str, nested: Markup) -> Markup {
    let status = match step.status {
        StepStatus::Succeeded => "succeeded",
        StepStatus::Failed => "failed",
        StepStatus::Skipped => "skipped",
        StepStatus::Continued => "continued",
        StepStatus::Returned => "returned",
        StepStatus::Waiting => "waiting",
    };
    html! {
        div class={ "step " (status) } {
            h3 { (step.id) @if let Some(item) = step.item { " [" (item) "]" } " · " (title) }
            div class="meta" {
                (status)
                @if step.card.is_some() {
                    " · " (step.attempts) " attempt" @if step.attempts != 1 { "s" }
                    " · " (format!("{:.1} ms", step.duration_ms))
                    @if step.limiter_wait_ms >= 1.0 { " · " (format!("{:.0} ms waiting for the rate limit", step.limiter_wait_ms)) }
                }
            }
            @if let Some(input) = &step.input { details { summary { "input" } pre { (pretty(input)) } } }
            @if let Some(output) = &step.output { details { summary { "output" } pre { (pretty(output)) } } }
            @if let Some(error) = &step.error {
                pre class="error" { (error.kind) " " (error.status.map(|s| s.to_string()).unwrap_or_default()) " "
                    (error.code.as_deref().unwrap_or("")) "\n" (error.message) "\nrequest id: " (error.request_id.as_deref().unwrap_or("-")) }
            }
            (nested)
        }
    }
}

/// What a control step is (`return`, `assign`, `call helper`, ...), from the loaded flow
/// of that name and the flows it calls.
fn control_kind(flow: &str, step: &str, service: &Service) -> String {
    service
        .flows()
        .get(flow)
        .and_then(|f| kind_at(f, step))
        .unwrap_or_else(|| "control".to_owned())
}

pub(super) async fn run(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Path(run_id): Path<String>,
) -> Response {
    let run = match service.store().run(&run_id).await {
        Ok(Some(run)) => crate::masked_run(run),
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
    let catalog = service.flows().catalog().clone();
    let tries: Vec<u32> = {
        let mut t: Vec<u32> = run.steps.iter().map(|s| s.try_no).collect();
        t.dedup();
        t
    };
    let markup = page(
        &format!("Run {}", run.run_id),
        html! {
            p { a href="/" { "← Flow History" } }
            dl {
                dt { "outcome" } dd class={ "outcome " (row_class(&run)) } id="outcome" { (outcome_of(&run)) }
                dt { "flow" } dd { (run.flow) }
                dt { "subject" } dd { (run.subject.as_deref().unwrap_or("")) }
                dt { "event" } dd { (run.event_id) }
                dt { "tries" } dd { (run.tries) }
                dt { "queued" } dd { (run.queued_at) }
                dt { "started" } dd { (run.started_at.as_deref().unwrap_or("")) }
                dt { "finished" } dd { (run.finished_at.as_deref().unwrap_or("")) }
                @if let Some(ms) = run.duration_ms { dt { "duration" } dd { (ms) " ms" } }
                @if let Some(next) = &run.next_try_at { dt { "next try" } dd { (next) } }
                @if let Some(waiting) = &run.waiting_for { dt { "waiting for" } dd id="waiting-for" { (waiting_text(waiting)) } }
                @if let Some(of) = &run.rerun_of { dt { "re-run of" } dd { a href={ "/runs/" (of) } { (of) } } }
                @if let Some(parent) = &run.parent_run_id { dt { "spawned by" } dd { a href={ "/runs/" (parent) } { (parent) } } }
            }
            (buttons(&run, &guard))
            @if let Some(error) = &run.error { h2 { "Last error" } pre class="error" { (pretty(error)) } }
            details { summary { "event" } pre { (pretty(&run.event)) } }
            @for try_no in &tries {
                h2 { "Try " (try_no) }
                div class="steps" {
                    @for node in &tree(run.steps.iter().filter(|s| s.try_no == *try_no)) {
                        (node_box(node, &|step: &StepRecord| step.card.as_deref().map(|c| catalog.title(c)).unwrap_or_else(|| control_kind(&run.flow, &step.id, &service))))
                    }
                }
            }
        },
    );
    Html(markup.into_string()).into_response()
}
