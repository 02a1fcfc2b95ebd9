//! The loaded flows: `GET /flows` and `GET /flows/{name}`, as HTML, or as JSON when the
//! `Accept` header asks for `application/json`. A flow's page draws its trigger, its steps
//! as cards (kind, card, guard, retries and `on_error`; a block's branches and a call's
//! callee nested) and its recent runs.

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde_json::{Value, json};

use super::guard::Guard;
use super::pages::{outcome_of, page, post_button, pretty, row_class};
use crate::flows::Flow;
use crate::flows::program::{EachBody, ErrorPlan, Step, StepKind, WaitFor, WaitStep};
use crate::service::Service;
use crate::store::HistoryQuery;

/// How many of a flow's runs its page lists.
const RECENT_RUNS: u32 = 20;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// A flow as `/flows` lists it: the trigger as the file writes it, and whether its
/// triggers start runs (`connector flow disable|enable`, kept in the store).
fn summary(flow: &Flow, disabled: &[String]) -> Value {
    json!({
        "name": flow.name(),
        "description": flow.def.description,
        "trigger": flow.def.trigger,
        "enabled": !disabled.iter().any(|d| d == flow.name()),
    })
}

/// The disable or enable button of a flow.
fn switch(flow: &Flow, disabled: &[String], guard: &Guard) -> Markup {
    if disabled.iter().any(|d| d == flow.name()) {
        post_button(
            &format!("/flows/{}/enable", flow.name()),
            "enable",
            "Enable",
            guard,
        )
    } else {
        post_button(
            &format!("/flows/{}/disable", flow.name()),
            "disable",
            "Disable",
            guard,
        )
    }
}

fn trigger_text(flow: &Flow) -> String {
    serde_json::to_string(&flow.def.trigger).unwrap_or_default()
}

pub(super) async fn list(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    headers: HeaderMap,
) -> Response {
    let flows = service.flows().all();
    let disabled = match service.store().disabled_flows().await {
        Ok(disabled) => disabled,
        Err(e) => return super::store_failed(e),
    };
    if wants_json(&headers) {
        let flows: Vec<Value> = flows.iter().map(|f| summary(f, &disabled)).collect();
        return axum::Json(json!({ "flows": flows })).into_response();
    }
    let markup = page(
        "Flows",
        html! {
            nav { a href="/" { "Flow History" } }
            table id="flows" {
                thead { tr { th { "flow" } th { "trigger" } th { "steps" } th { "enabled" } th { "description" } th {} } }
                tbody {
                    @for flow in flows {
                        tr data-flow=(flow.name()) {
                            td { a href={ "/flows/" (flow.name()) } { (flow.name()) } }
                            td { code { (trigger_text(flow)) } }
                            td { (flow.program.steps.len()) }
                            td class="enabled" { @if disabled.iter().any(|d| d == flow.name()) { "disabled" } @else { "enabled" } }
                            td { (flow.def.description.as_deref().unwrap_or("")) }
                            td { (switch(flow, &disabled, &guard)) }
                        }
                    }
                }
            }
        },
    );
    Html(markup.into_string()).into_response()
}

pub(super) async fn one(
    State(service): State<Service>,
    Extension(guard): Extension<Guard>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    let Some(flow) = service.flows().get(&name).cloned() else {
        return if json {
            (
                StatusCode::NOT_FOUND,
                axum::Json(json!({"error": "no such flow"})),
            )
                .into_response()
        } else {
            let body = html! { p { a href="/flows" { "Flows" } } };
            (
                StatusCode::NOT_FOUND,
                Html(page("No such flow", body).into_string()),
            )
                .into_response()
        };
    };
    let mut query = HistoryQuery::newest(RECENT_RUNS);
    query.flow = Some(name.clone());
    let runs = match service.store().history(&query).await {
        Ok(page) => page.runs,
        Err(e) => return super::store_failed(e),
    };
    let disabled = match service.store().disabled_flows().await {
        Ok(disabled) => disabled,
        Err(e) => return super::store_failed(e),
    };
    if json {
        let mut shown = summary(&flow, &disabled);
        shown["steps"] = serde_json::to_value(&flow.def.steps).unwrap_or(Value::Null);
        shown["recentRuns"] = super::runs_json(&runs);
        return axum::Json(shown).into_response();
    }
    let catalog = service.flows().catalog().clone();
    let markup = page(
        &format!("Flow {}", flow.name()),
        html! {
            p { a href="/flows" { "← Flows" } " " a href={ "/?flow=" (flow.name()) } { "its runs in Flow History" } }
            @if let Some(description) = &flow.def.description { p { (description) } }
            dl {
                dt { "trigger" } dd { code { (trigger_text(&flow)) } }
                dt { "file" } dd { (flow.file) }
                dt { "enabled" } dd id="enabled" { @if disabled.iter().any(|d| d == flow.name()) { "disabled" } @else { "enabled" } }
            }
            (switch(&flow, &disabled, &guard))
            h2 { "Steps" }
            div class="steps" {
                @for step in &flow.program.steps { (step_card(step, &flow, &|c| catalog.title(c))) }
            }
            h2 { "Recent runs" }
            table id="runs" {
                thead { tr { th { "run" } th { "outcome" } th { "subject" } th { "tries" } th { "finished" } } }
                tbody {
                    @for run in &runs {
                        tr class=(row_class(run)) data-run-id=(run.run_id) {
                            td { a href={ "/runs/" (run.run_id) } { (run.run_id) } }
                            td class="outcome" { (outcome_of(run)) }
                            td { (run.subject.as_deref().unwrap_or("")) }
                            td { (run.tries) }
                            td { (run.finished_at.as_deref().unwrap_or("")) }
                        }
                    }
                }
            }
        },
    );
    Html(markup.into_string()).into_response()
}

/// What a wait step waits for, in words.
fn wait_text(wait: &WaitStep) -> String {
    let days = |d: &std::time::Duration| humantime::format_duration(*d).to_string();
    match &wait.until {
        WaitFor::Time(d) => format!("waits {}", days(d)),
        WaitFor::Instant(until) => format!("waits until {until}"),
        WaitFor::Signal { name, timeout } => {
            format!("waits for the signal {name:?}, at most {}", days(timeout))
        }
    }
}

/// One step drawn as a card: its kind's word, the card it runs, its guard, and what its
/// errors mean; a block's branches and a call's callee steps nested under it. The `match`
/// has no wildcard: a new step kind must say how it is drawn.
fn step_card(step: &Step, flow: &Flow, title: &dyn Fn(&str) -> String) -> Markup {
    let kind = crate::flows::kind_name(&step.kind);
    let detail: Option<Value> = match &step.kind {
        StepKind::Card(card) => Some(card.input.clone()),
        StepKind::ForEach(each) => Some(
            json!({ "for_each": each.list, "as": each.item, "concurrency": each.concurrency, "input": body_input(&each.body) }),
        ),
        StepKind::Assign(assign) => Some(json!(assign.values)),
        StepKind::Return(ret) => Some(json!({ "outcome": ret.outcome, "output": ret.output })),
        StepKind::Fail(fail) => Some(json!({ "message": fail.message })),
        StepKind::Block(_) => None,
        StepKind::Call(call) => Some(call.input.clone()),
        StepKind::Spawn(spawn) => Some(spawn.input.clone()),
        StepKind::Wait(wait) => Some(json!({ "wait": wait_text(wait) })),
    };
    let card = crate::flows::card_of(&step.kind);
    let target = crate::flows::flow_of(&step.kind);
    let on_error = match &step.kind {
        StepKind::Card(c) => Some(&c.on_error),
        StepKind::ForEach(e) => Some(match &e.body {
            EachBody::Card(c) => &c.on_error,
            EachBody::Call(c) => &c.on_error,
            EachBody::Spawn(s) => &s.on_error,
        }),
        StepKind::Call(c) => Some(&c.on_error),
        StepKind::Spawn(s) => Some(&s.on_error),
        StepKind::Wait(w) => Some(&w.on_error),
        StepKind::Assign(_) | StepKind::Return(_) | StepKind::Fail(_) | StepKind::Block(_) => None,
    };
    // A call's callee is drawn inside it; a spawn's run is another run, only linked.
    let callee = match target {
        Some((name, false)) => flow.callees.get(name),
        _ => None,
    };
    let waits = match &step.kind {
        StepKind::Wait(wait) => Some(wait_text(wait)),
        StepKind::Card(_)
        | StepKind::ForEach(_)
        | StepKind::Assign(_)
        | StepKind::Return(_)
        | StepKind::Fail(_)
        | StepKind::Block(_)
        | StepKind::Call(_)
        | StepKind::Spawn(_) => None,
    };
    html! {
        div class={ "step " (kind) } data-step=(step.id) {
            h3 {
                (step.id) " · "
                @match (card, target) {
                    (Some(card), _) => { (title(card)) }
                    (None, Some((name, spawn))) => {
                        (kind) @if matches!(step.kind, StepKind::ForEach(_)) { " · " @if spawn { "spawn" } @else { "call" } } " "
                        a href={ "/flows/" (name) } { (name) }
                    }
                    (None, None) => { (kind) }
                }
            }
            div class="meta" {
                (kind)
                @if let Some(cond) = &step.condition { " · if " code { (cond) } }
                @if let StepKind::Block(block) = &step.kind { " · if " code { (block.condition) } }
                @if let Some(waits) = &waits { " · " span class="waits" { (waits) } }
                @match on_error {
                    Some(ErrorPlan::Continue) => { " · on error: continue" }
                    Some(ErrorPlan::Handlers(h)) => { " · on error: " (h.len()) " handler" @if h.len() != 1 { "s" } }
                    _ => {}
                }
            }
            @if let Some(detail) = &detail { details { summary { "details" } pre { (pretty(detail)) } } }
            @if let StepKind::Block(block) = &step.kind {
                div class="branch then" { div class="meta" { "then" }
                    div class="steps nested" { @for inner in &block.then { (step_card(inner, flow, title)) } } }
                @if !block.otherwise.is_empty() {
                    div class="branch else" { div class="meta" { "else" }
                        div class="steps nested" { @for inner in &block.otherwise { (step_card(inner, flow, title)) } } }
                }
            }
            @if let Some(callee) = callee {
                div class="steps nested callee" data-flow=(callee.name()) {
                    @for inner in &callee.program.steps { (step_card(inner, callee, title)) }
                }
            }
        }
    }
}

/// The input a `for_each` gives its card, call or spawn per item.
fn body_input(body: &EachBody) -> &Value {
    match body {
        EachBody::Card(card) => &card.input,
        EachBody::Call(call) => &call.input,
        EachBody::Spawn(spawn) => &spawn.input,
    }
}
